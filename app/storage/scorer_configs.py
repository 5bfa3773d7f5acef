"""Scorer configs as stored: versions, archiving, and the generation every score write checks.

Each change to a project's configs bumps the project's generation in the
same transaction. A score is validated against the configs of one
generation, and its insert stores it only if that generation is still
current (row_inserts.py): a config made by another process meanwhile
makes the write fail with ConfigsChanged, and the caller validates again.
"""

import typing
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import (
    Integer,
    Select,
    String,
    Text,
    and_,
    bindparam,
    cast,
    column,
    exists,
    func,
    literal_column,
    select,
    update,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection, CursorResult
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from app.extensions import db
from app.models import ScorerConfig, ScorerConfigGeneration
from app.storage.compiled import DriverStatement
from app.storage.digests import scorer_digest
from app.storage.transactions import write_transaction

_GENERATIONS = ScorerConfigGeneration.__table__


class ConfigsChanged(Exception):
    """A score was checked against configs that are no longer the project's."""


@dataclass(frozen=True)
class ProjectConfigs:
    """A project's active configs (the latest version of each, unless archived) at a generation."""

    generation: int
    by_digest: dict[str, ScorerConfig]


def _in_project(entity: str, project: str):
    return (ScorerConfig.entity == entity, ScorerConfig.project == project)


def _latest(session: Session, entity: str, project: str, digest: str) -> ScorerConfig | None:
    return session.scalar(
        select(ScorerConfig)
        .where(*_in_project(entity, project), ScorerConfig.scorer_digest == digest)
        .order_by(ScorerConfig.version.desc())
        .limit(1)
    )


def _bump_generation(session: Session, entity: str, project: str) -> None:
    where = (ScorerConfigGeneration.entity == entity, ScorerConfigGeneration.project == project)
    bumped = session.execute(
        update(ScorerConfigGeneration)
        .where(*where)
        .values(generation=ScorerConfigGeneration.generation + 1)
    )
    if typing.cast(CursorResult, bumped).rowcount == 0:
        session.add(ScorerConfigGeneration(entity=entity, project=project, generation=1))


def add_config_version(config: ScorerConfig) -> ScorerConfig:
    """Store config as the next version of its scorer's config (1 for the first); return it."""
    with write_transaction() as session:
        config.scorer_digest = scorer_digest(config.scorer)
        latest = _latest(session, config.entity, config.project, config.scorer_digest)
        config.version = 1 if latest is None else latest.version + 1
        config.archived = False
        session.add(config)
        _bump_generation(session, config.entity, config.project)
    return config


def archive_config(entity: str, project: str, scorer: str) -> ScorerConfig | None:
    """Archive the scorer's latest config (checks stop); None when it has none."""
    with write_transaction() as session:
        latest = _latest(session, entity, project, scorer_digest(scorer))
        if latest is None:
            return None
        if not latest.archived:
            latest.archived = True
            _bump_generation(session, entity, project)
    return latest


def latest_config(entity: str, project: str, scorer: str) -> ScorerConfig | None:
    """The scorer's latest config version, archived or not."""
    return _latest(db.session(), entity, project, scorer_digest(scorer))


def config_version(entity: str, project: str, scorer: str, version: int) -> ScorerConfig | None:
    """One version of a scorer's config."""
    return db.session.get(ScorerConfig, (entity, project, scorer_digest(scorer), version))


def _latest_versions(entity: str, project: str) -> Select:
    """The latest version of each scorer's config in the project, by scorer."""
    newest = (
        select(ScorerConfig.scorer_digest, func.max(ScorerConfig.version).label("version"))
        .where(*_in_project(entity, project))
        .group_by(ScorerConfig.scorer_digest)
        .subquery()
    )
    return (
        select(ScorerConfig)
        .join(
            newest,
            and_(
                ScorerConfig.scorer_digest == newest.c.scorer_digest,
                ScorerConfig.version == newest.c.version,
            ),
        )
        .where(*_in_project(entity, project))
        .order_by(ScorerConfig.scorer)
    )


def project_configs(entity: str, project: str) -> list[ScorerConfig]:
    """The latest version of each scorer's config, archived or not, by scorer."""
    return list(db.session.scalars(_latest_versions(entity, project)))


def config_history(entity: str, project: str, scorer: str) -> list[ScorerConfig]:
    """Every version of a scorer's config, newest first."""
    return list(
        db.session.scalars(
            select(ScorerConfig)
            .where(
                *_in_project(entity, project), ScorerConfig.scorer_digest == scorer_digest(scorer)
            )
            .order_by(ScorerConfig.version.desc())
        )
    )


def config_generation(entity: str, project: str) -> int:
    """The project's current scorer-config generation (0 before any config)."""
    generation = db.session.scalar(
        select(ScorerConfigGeneration.generation).where(
            ScorerConfigGeneration.entity == entity, ScorerConfigGeneration.project == project
        )
    )
    return generation or 0


def active_configs(entity: str, project: str) -> ProjectConfigs:
    """The project's active configs and the generation they belong to, read together."""
    session = db.session
    generation = session.scalar(
        select(ScorerConfigGeneration.generation).where(
            ScorerConfigGeneration.entity == entity, ScorerConfigGeneration.project == project
        )
    )
    configs = session.scalars(
        _latest_versions(entity, project).where(ScorerConfig.archived.is_(False))
    ).all()
    return ProjectConfigs(generation or 0, {config.scorer_digest: config for config in configs})


# --- The check every score write makes ------------------------------------------------------


_GENERATION = DriverStatement(
    select(_GENERATIONS.c.generation).where(
        _GENERATIONS.c.entity == bindparam("entity"),
        _GENERATIONS.c.project == bindparam("project"),
    )
)


def stale_projects(
    connection: Connection, generations: Iterable[tuple[str, str, int]]
) -> set[tuple[str, str]]:
    """The (entity, project) pairs whose generation is no longer the one given.

    One compiled lookup per project (a batch's creates name one, as a rule):
    it runs in every SQLite batch.
    """
    stale = set()
    for entity, project, generation in set(generations):
        found = _GENERATION.first(connection, {"entity": entity, "project": project})
        if (found[0] if found else 0) != generation:
            stale.add((entity, project))
    return stale


def generations_current() -> ColumnElement[bool]:
    """In a PostgreSQL statement: whether every project's generation in the `generations`
    parameter (a JSON list of {entity, project, generation}) is still current."""
    document = cast(bindparam("generations", type_=Text), postgresql.JSON)
    given = (
        func.json_to_recordset(document)
        .table_valued(
            column("entity", String), column("project", String), column("generation", Integer)
        )
        .render_derived(name="given", with_types=True)
    )
    stored = (
        select(_GENERATIONS.c.generation)
        .where(
            _GENERATIONS.c.entity == given.c.entity,
            _GENERATIONS.c.project == given.c.project,
        )
        .scalar_subquery()
    )
    # Constants in the text, not parameters: this goes into every score batch's statement,
    # whose text must stay short (row_inserts.py).
    stale = (
        exists()
        .select_from(given)
        .where(func.coalesce(stored, literal_column("0")) != given.c.generation)
    )
    return ~stale
