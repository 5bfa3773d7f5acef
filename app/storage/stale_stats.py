"""Statistics a deletion made stale: marked, and counted again from the scores before they
are read.

A deletion cannot take a minimum back, so it marks the root rows of what it
touched dirty; a dirty group (project, run, scorer) is counted again from
its scores before it is read (run_reads.py). The recount writes back only
if the root's version is still the one it read before scanning, under row
locks taken in key order, the order every writer takes its locks in too: a
write that raced the recount is never lost, and none deadlocks.
"""

from collections.abc import Iterable, Sequence

from sqlalchemy import and_, bindparam, select, tuple_, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.sql import ColumnElement

from app.models import Score
from app.score_values import ROOT_PATH
from app.storage.engine import is_postgresql
from app.storage.score_stats import GROUP_ORDER, STATS
from app.storage.tallies import GROUP_COLUMNS, KEY_COLUMNS, Tallies
from app.storage.transactions import engine_write


def _in_group(group: Sequence[str]) -> ColumnElement[bool]:
    return and_(*(STATS.c[name] == value for name, value in zip(GROUP_COLUMNS, group, strict=True)))


def _locked(query, connection: Connection):
    # SQLite's writers already queue on the writer lock.
    return query.with_for_update() if is_postgresql(connection) else query


def mark_dirty(connection: Connection, groups: Iterable[Sequence[str]]) -> None:
    """Mark groups (entity, project, run_key, scorer_digest) whose scores were deleted,
    in the caller's transaction.

    Their root rows are locked first in one statement, in the database's own
    key order: the order every batch's upsert takes its locks in, whatever
    the collation, so a delete never deadlocks with a create.
    """
    wanted = sorted(set(map(tuple, groups)))
    group_key = tuple_(*(STATS.c[name] for name in GROUP_COLUMNS))
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        in_chunk = and_(group_key.in_(chunk), STATS.c.path == ROOT_PATH)
        roots = select(STATS.c.version).where(in_chunk).order_by(*GROUP_ORDER)
        # Every row fetched: PostgreSQL locks a row as it returns it.
        if not connection.execute(_locked(roots, connection)).all():
            continue
        connection.execute(
            update(STATS).where(in_chunk).values(dirty=True, version=STATS.c.version + 1)
        )


_DIRTY = (
    select(*(STATS.c[name] for name in GROUP_COLUMNS), STATS.c.version)
    .where(
        STATS.c.entity == bindparam("entity"),
        STATS.c.project == bindparam("project"),
        STATS.c.path == ROOT_PATH,
        STATS.c.dirty.is_(True),
    )
    .order_by(*(STATS.c[name] for name in GROUP_COLUMNS))
)


def _group_scores(group: Sequence[str]):
    entity, project, run_key, digest = group
    run = Score.evaluation_run_id.is_(None) if run_key == "" else Score.evaluation_run_id == run_key
    return select(
        Score.entity,
        Score.project,
        Score.evaluation_run_id,
        Score.scorer_digest,
        Score.scorer,
        Score.value_json,
    ).where(Score.entity == entity, Score.project == project, run, Score.scorer_digest == digest)


def recount_dirty(engine: Engine, entity: str, project: str) -> None:
    """Count every dirty group of the project again from its scores."""
    with engine.connect() as connection:
        dirty = connection.execute(_DIRTY, {"entity": entity, "project": project}).all()
    for *group, version in dirty:
        recount(engine, group, version)


def recount(engine: Engine, group: Sequence[str], version: int) -> list[dict]:
    """Count one group again; write the result back if nothing wrote to it since `version`.

    Returns the rows counted. When a write raced the recount, they are exact
    as of the scan but not written: the group stays dirty, and the next
    read counts it again.
    """
    with engine.connect() as connection:
        tallies = Tallies()
        for score in connection.execute(_group_scores(group)):
            tallies.add_score(*score)
    rows = tallies.rows()
    _write_back(engine, group, version, rows)
    return rows


def _write_back(engine: Engine, group: Sequence[str], version: int, rows: list[dict]) -> None:
    counted = {row["path"]: dict(row) for row in rows}
    with engine_write(engine) as connection:
        held = select(STATS.c.path, STATS.c.version).where(_in_group(group))
        current = dict(connection.execute(_locked(held.order_by(STATS.c.path), connection)).all())
        if current.get(ROOT_PATH) != version:
            return
        gone = [path for path in current if path not in counted]
        if gone:
            connection.execute(STATS.delete().where(_in_group(group), STATS.c.path.in_(gone)))
        for path, row in counted.items():
            row.update(version=version + 1, dirty=False)
            if path in current:
                values = {name: value for name, value in row.items() if name not in KEY_COLUMNS}
                connection.execute(
                    update(STATS).where(_in_group(group), STATS.c.path == path).values(values)
                )
            else:
                connection.execute(STATS.insert(), [row])
