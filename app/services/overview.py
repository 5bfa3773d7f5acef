"""The home page's projects and a project's scorers, by index seeks only.

Distinct values are found with a loose index scan (one seek per distinct
value, not one row per score), and counts stop at COUNT_CAP, so a project of
a million scores costs the same as one of ten thousand.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, tuple_

from app.extensions import db
from app.models import Score, User

COUNT_CAP = 10_000
MAX_PROJECTS = 500
MAX_SCORERS = 200


@dataclass
class ProjectCard:
    """One project on the home page."""

    entity: str
    project: str
    score_count: int
    count_capped: bool
    scorer_count: int
    scorers_capped: bool
    last_score_at: datetime | None


def _next_pair(entity: str | None, after: tuple[str, str] | None) -> tuple[str, str] | None:
    query = select(Score.entity, Score.project).order_by(Score.entity, Score.project).limit(1)
    if entity is not None:
        query = query.where(Score.entity == entity)
    if after is not None:
        query = query.where(tuple_(Score.entity, Score.project) > tuple_(*after))
    row = db.session.execute(query).first()
    return (row[0], row[1]) if row else None


def project_pairs(entities: list[str] | None) -> list[tuple[str, str]]:
    """(entity, project) pairs with scores, for the given entities or (None) all."""
    pairs: list[tuple[str, str]] = []
    for entity in [None] if entities is None else entities:
        pair = _next_pair(entity, None)
        while pair is not None and len(pairs) < MAX_PROJECTS:
            pairs.append(pair)
            pair = _next_pair(entity, pair)
    return pairs


def bounded_count(entity: str, project: str, cap: int = COUNT_CAP) -> int:
    """How many scores the project has, counting no further than cap + 1."""
    scan = (
        select(Score.id)
        .where(Score.entity == entity, Score.project == project)
        .limit(cap + 1)
        .subquery()
    )
    return db.session.scalar(select(func.count()).select_from(scan)) or 0


def project_scorers(entity: str, project: str, limit: int = MAX_SCORERS) -> list[str]:
    """The distinct scorers used in a project (up to limit), by their digests' index."""
    found: list[str] = []
    digest = None
    while len(found) < limit:
        query = (
            select(Score.scorer_digest, Score.scorer)
            .where(Score.entity == entity, Score.project == project)
            .order_by(Score.scorer_digest)
            .limit(1)
        )
        if digest is not None:
            query = query.where(Score.scorer_digest > digest)
        row = db.session.execute(query).first()
        if row is None:
            break
        digest = row[0]
        found.append(row[1])
    return sorted(found)


def last_score_at(entity: str, project: str) -> datetime | None:
    """When the project's newest score was made."""
    return db.session.scalar(
        select(Score.created_at)
        .where(Score.entity == entity, Score.project == project)
        .order_by(Score.id.desc())
        .limit(1)
    )


def project_card(entity: str, project: str) -> ProjectCard:
    """Counts and the last score time of one project, all bounded."""
    count = bounded_count(entity, project)
    scorers = project_scorers(entity, project, limit=MAX_SCORERS + 1)
    return ProjectCard(
        entity,
        project,
        min(count, COUNT_CAP),
        count > COUNT_CAP,
        min(len(scorers), MAX_SCORERS),
        len(scorers) > MAX_SCORERS,
        last_score_at(entity, project),
    )


def visible_projects(user: User) -> list[ProjectCard]:
    """The projects of every entity the user may use, with their cards."""
    entities = None if user.is_admin else user.entities
    return [project_card(entity, project) for entity, project in project_pairs(entities)]
