"""Statistics a deletion made stale: marked, and counted again from the scores before they
are read.

A deletion cannot take a minimum back, so it marks the root rows of what it
touched dirty; a dirty group (project, run, scorer) is counted again from
its scores before it is read (run_reads.py). The recount holds the
project's horizon (score_folds.py), so no fold moves what the rows count
meanwhile, and the group's rows, locked in key order as every writer locks
them: a deletion that commits meanwhile waits and marks the group again,
and none deadlocks.
"""

import json
from collections.abc import Mapping, Sequence
from functools import cache

from sqlalchemy import and_, literal_column, select, true, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.sql import ColumnElement

from app.models import Score
from app.score_values import ROOT_PATH
from app.storage import score_folds, score_stats
from app.storage.engine import is_postgresql
from app.storage.score_stats import STATS
from app.storage.tallies import COUNTERS, GROUP_COLUMNS, KEY_COLUMNS, SCORE_COLUMNS, Tallies
from app.storage.transactions import engine_write


def _in_group(group: Sequence[str]) -> ColumnElement[bool]:
    return and_(*(STATS.c[name] == value for name, value in zip(GROUP_COLUMNS, group, strict=True)))


def _locked(query, connection: Connection):
    # SQLite's writers already queue on the writer lock.
    return query.with_for_update() if is_postgresql(connection) else query


_MARKED = {"dirty": true(), "version": STATS.c.version + literal_column("1")}


@cache
def _dirty_roots(kind: str):
    """An upsert marking each group's root row dirty, adding one where the group has none
    yet (its scores not folded in, or a fold of them not yet committed: the upsert waits
    for it), taking the locks in the database's own key order."""
    if kind == "postgresql":
        names = [column.name for column in STATS.columns]
        roots = score_stats.document_rows("roots", "root")
        marked = postgresql.insert(STATS).from_select(names, roots)
        return marked.on_conflict_do_update(index_elements=list(KEY_COLUMNS), set_=_MARKED)
    return sqlite.insert(STATS).on_conflict_do_update(
        index_elements=list(KEY_COLUMNS), set_=_MARKED
    )


def mark_dirty(connection: Connection, groups: Mapping[tuple, str]) -> None:
    """Mark groups (entity, project, run_key, scorer_digest) whose scores were deleted, each
    given its scorer, in the caller's transaction.

    One statement marks (or adds) their root rows, locking them in the
    database's key order: the order every fold and every batch's upsert
    takes its locks in, whatever the collation, so a delete never deadlocks
    with them.
    """
    roots = [
        {
            **dict(zip(GROUP_COLUMNS, group, strict=True)),
            "path": ROOT_PATH,
            "scorer": scorer,
            "version": 1,
            "dirty": True,
            **dict.fromkeys(COUNTERS, 0),
            "numeric_sum": 0.0,
            "numeric_min": None,
            "numeric_max": None,
        }
        for group, scorer in sorted(groups.items())
    ]
    if not roots:
        return
    if is_postgresql(connection):
        document = json.dumps(roots, ensure_ascii=False, separators=(",", ":"))
        connection.execute(_dirty_roots("postgresql"), {"roots": document})
    else:
        connection.execute(_dirty_roots("sqlite"), roots)


def _group_scores(group: Sequence[str]):
    entity, project, run_key, digest = group
    run = Score.evaluation_run_id.is_(None) if run_key == "" else Score.evaluation_run_id == run_key
    return (
        select(*SCORE_COLUMNS, Score.txid)
        .where(Score.entity == entity, Score.project == project, run, Score.scorer_digest == digest)
        .order_by(Score.txid, Score.id)
    )


def recount(engine: Engine, group: Sequence[str]) -> list[dict]:
    """Count one group again from its scores, write back what its rows count, and return
    the group's rows counting every score, exact as of the count.

    On PostgreSQL the rows count the scores before the project's horizon,
    which the recount holds: the rest are added by readers, and folded in
    later.
    """
    entity, project = group[:2]
    with engine_write(engine) as connection:
        horizon = None
        if is_postgresql(connection):
            horizon = score_folds.hold_horizon(connection, entity, project)
        held = select(STATS.c.path, STATS.c.version).where(_in_group(group))
        current = dict(connection.execute(_locked(held.order_by(STATS.c.path), connection)).all())
        counted, everything = Tallies(), Tallies()
        for *score, txid in connection.execute(_group_scores(group)):
            everything.add_score(*score)
            if horizon is None or txid is None or txid < horizon:
                counted.add_score(*score)
        _write_back(connection, group, current, counted.rows())
    return everything.rows()


def _write_back(
    connection: Connection, group: Sequence[str], current: dict[str, int], rows: list[dict]
) -> None:
    counted = {row["path"]: dict(row) for row in rows}
    version = current.get(ROOT_PATH, 0) + 1
    gone = [path for path in current if path not in counted]
    if gone:
        connection.execute(STATS.delete().where(_in_group(group), STATS.c.path.in_(gone)))
    for path, row in counted.items():
        row.update(version=version, dirty=False)
        if path in current:
            values = {name: value for name, value in row.items() if name not in KEY_COLUMNS}
            connection.execute(
                update(STATS).where(_in_group(group), STATS.c.path == path).values(values)
            )
        else:
            connection.execute(STATS.insert(), [row])
