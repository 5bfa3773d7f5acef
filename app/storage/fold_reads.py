"""Reading PostgreSQL's statistics: the rows kept, with the scores past the project's horizon
added (score_folds.py), in one statement, so exact as of one snapshot. SQLite's rows are
exact as kept.
"""

from collections.abc import Sequence
from functools import partial

from sqlalchemy import func, literal, null, select, union_all
from sqlalchemy.engine import Connection, Row
from sqlalchemy.sql import ColumnElement
from sqlalchemy.sql.selectable import CompoundSelect, Select

from app.models import Score
from app.score_values import ROOT_PATH
from app.storage import score_folds
from app.storage.engine import is_postgresql
from app.storage.score_stats import STATS
from app.storage.tallies import COUNTERS, GROUP_COLUMNS, KEY_COLUMNS, Tallies


def _read(connection: Connection, entity: str, project: str, build) -> Sequence[Row]:
    """The rows of build(horizon) (PostgreSQL): a statement over the kept rows and the
    scores past `horizon`, each row carrying as `seen` the project's horizon as that
    statement saw it.

    The horizon is read first and given as a value, so the server plans for the
    few scores past it (given as a subquery, it planned for a third of the
    project, in parallel). A fold that moved it meanwhile shows in `seen`, and
    the rows are read again.
    """
    while True:
        horizon = connection.execute(select(score_folds.horizon_of(entity, project))).scalar_one()
        rows = connection.execute(build(horizon)).all()
        if all(row.seen == horizon for row in rows):
            return rows


def _seen(entity: str, project: str):
    return score_folds.horizon_of(entity, project).label("seen")


def _past(entity: str, project: str, horizon: int) -> list[ColumnElement[bool]]:
    return [Score.entity == entity, Score.project == project, Score.txid >= horizon]


def _run_key() -> ColumnElement[str]:
    return func.coalesce(Score.evaluation_run_id, "")


def _kept_rows(entity: str, project: str, run_keys: list[str] | None) -> Select:
    kept = select(*STATS.c).where(STATS.c.entity == entity, STATS.c.project == project)
    return kept if run_keys is None else kept.where(STATS.c.run_key.in_(run_keys))


def _kept_and_past(
    entity: str, project: str, run_keys: list[str] | None, horizon: int
) -> CompoundSelect:
    """The kept rows, each with a null value_json, then the scores past the horizon as rows
    of the same shape with their value_json and stamp."""
    seen = _seen(entity, project)
    kept = _kept_rows(entity, project, run_keys).add_columns(
        null().label("value_json"), null().label("txid"), seen
    )
    shown = {
        "entity": Score.entity,
        "project": Score.project,
        "run_key": _run_key(),
        "scorer_digest": Score.scorer_digest,
        "scorer": Score.scorer,
    }
    columns = [shown.get(column.name, null()).label(column.name) for column in STATS.columns]
    past = select(*columns, Score.value_json, Score.txid, seen).where(
        *_past(entity, project, horizon)
    )
    if run_keys is not None:
        past = past.where(_run_key().in_(run_keys))
    return union_all(kept, past)


def stats_rows(
    connection: Connection, entity: str, project: str, run_keys: list[str] | None = None
) -> tuple[list[dict], int]:
    """The project's statistics rows (of these runs), exact as of one snapshot: the kept
    rows with the scores past the horizon added, as Python adds them, in stamp order.

    A group those scores add to gets as version (the kept version or 0, how
    many they are, the newest stamp): it changes with every score stored,
    as a kept row's version does with every write (distributions.py
    remembers results under it). Returns the rows and how many scores were
    past the horizon.
    """
    if not is_postgresql(connection):
        rows = connection.execute(_kept_rows(entity, project, run_keys))
        return [dict(row._mapping) for row in rows], 0
    build = partial(_kept_and_past, entity, project, run_keys)
    kept: dict[tuple, dict] = {}
    scores = []
    for row in _read(connection, entity, project, build):
        if row.value_json is None:
            values = dict(row._mapping)
            del values["value_json"], values["txid"], values["seen"]
            kept[tuple(values[name] for name in KEY_COLUMNS)] = values
        else:
            scores.append(row)
    if not scores:
        return list(kept.values()), 0
    tail = Tallies()
    added_to: dict[tuple, tuple[int, int]] = {}  # group: (scores, newest stamp)
    for row in sorted(scores, key=lambda row: row.txid):
        run = row.run_key or None
        tail.add_score(row.entity, row.project, run, row.scorer_digest, row.scorer, row.value_json)
        group = (row.entity, row.project, row.run_key, row.scorer_digest)
        added_to[group] = (added_to.get(group, (0, 0))[0] + 1, row.txid)
    for added in tail.rows():
        key = tuple(added[name] for name in KEY_COLUMNS)
        total = kept.get(key)
        if total is None:
            kept[key] = {**added, "version": 0, "dirty": False}
            continue
        for name in COUNTERS:
            total[name] += added[name]
        total["numeric_min"] = _extreme(min, total["numeric_min"], added["numeric_min"])
        total["numeric_max"] = _extreme(max, total["numeric_max"], added["numeric_max"])
    for key, total in kept.items():
        counted = added_to.get(key[: len(GROUP_COLUMNS)])
        if counted is not None:
            total["version"] = (total["version"], *counted)
    return list(kept.values()), len(scores)


def _extreme(pick, stored: float | None, new: float | None) -> float | None:
    if stored is None:
        return new
    return stored if new is None else pick(stored, new)


def run_score_counts(connection: Connection, entity: str, project: str) -> dict[str, int]:
    """How many scores name each run of the project."""
    kept = select(STATS.c.run_key, STATS.c.value_count).where(
        STATS.c.entity == entity,
        STATS.c.project == project,
        STATS.c.run_key != "",
        STATS.c.path == ROOT_PATH,
    )
    if not is_postgresql(connection):
        rows = connection.execute(kept).all()
    else:

        def build(horizon: int) -> CompoundSelect:
            past = select(Score.evaluation_run_id, literal(1), _seen(entity, project)).where(
                *_past(entity, project, horizon), Score.evaluation_run_id.is_not(None)
            )
            return union_all(kept.add_columns(_seen(entity, project)), past)

        rows = _read(connection, entity, project, build)
    counts: dict[str, int] = {}
    for run_key, count, *_seen_horizon in rows:
        counts[run_key] = counts.get(run_key, 0) + count
    return counts


def scorers(connection: Connection, entity: str, project: str) -> list[str]:
    """Every scorer the project's statistics count (in any run)."""
    kept = select(STATS.c.scorer).where(
        STATS.c.entity == entity, STATS.c.project == project, STATS.c.path == ROOT_PATH
    )
    if not is_postgresql(connection):
        return sorted(connection.execute(kept.distinct()).scalars())

    def build(horizon: int) -> CompoundSelect:
        past = select(Score.scorer, _seen(entity, project)).where(*_past(entity, project, horizon))
        return union_all(kept.add_columns(_seen(entity, project)), past)

    return sorted({row.scorer for row in _read(connection, entity, project, build)})
