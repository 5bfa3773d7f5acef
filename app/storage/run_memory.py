"""A run's rows and its scorers' values, remembered per process, for reviewing runs side by side.

Comparing two runs of 10,000 rows reads their 20,000 predictions, the
80,000 prediction ids their scores name (to find scores whose prediction
was never stored) and the values of the scorers a filter or sort needs: a
second or so on SQLite, every time. Yet none of it changes once settled:
predictions and scores are never updated, and nothing can still be
inserted with an id older than list_anchors.SETTLED_AFTER. So what was
read below such a boundary is remembered, and each later read adds only
the rows at or above it (the tail: usually none).

What remembered rows depend on is checked on every read, in one round
trip: the project's deletion count (every delete of scores, and every
write of old ids, moves it), the run's prediction count (a prediction
deleted without scores moves only that), and that a remembered score still
exists (a restore replaces everything). A long tail builds the entry again
at a later boundary.

Callers get lists they must not change.
"""

import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import bindparam, exists, select
from sqlalchemy.engine import Connection

from app.models import Prediction, ProjectChange, RunPredictionCount, Score
from app.models._time import utcnow
from app.score_ids import id_floor
from app.storage import list_anchors
from app.storage.compiled import DriverStatement
from app.storage.engine import is_sqlite
from app.storage.orphan_scores import orphan_scores

# What remembered runs may take in all, per process (an estimate); least recently read first out.
CACHE_BYTES = 64 * 1024 * 1024
ROW_BYTES = 200  # a row's tuple and strings beyond their text, roughly
# Rows read above an entry's boundary before it is built again at a later one.
TAIL_LIMIT = 2_000


@dataclass
class RunRows:
    """A run's predictions (id, row digest) and the scores naming it whose prediction is not
    stored (prediction id, score id, scorer, value_json), each oldest first."""

    trials: list[tuple] = field(default_factory=list)
    orphans: list[tuple] = field(default_factory=list)


@dataclass
class _Entry:
    deletions: int
    predictions: int  # the run's prediction count at the boundary
    boundary: str
    anchor: str  # a remembered score id, or ""
    rows: RunRows | list[tuple]
    size: int


_cache: "OrderedDict[tuple, _Entry]" = OrderedDict()
_cached_bytes = 0
_lock = threading.Lock()

_CHECK = DriverStatement(
    select(
        select(ProjectChange.deletions)
        .where(
            ProjectChange.entity == bindparam("entity"),
            ProjectChange.project == bindparam("project"),
        )
        .scalar_subquery(),
        select(RunPredictionCount.predictions)
        .where(
            RunPredictionCount.entity == bindparam("entity"),
            RunPredictionCount.project == bindparam("project"),
            RunPredictionCount.run_key == bindparam("run"),
        )
        .scalar_subquery(),
        exists().where(
            Score.entity == bindparam("entity"),
            Score.project == bindparam("project"),
            Score.id == bindparam("anchor"),
        ),
    )
)
_PREDICTIONS = DriverStatement(
    select(Prediction.id, Prediction.row_digest)
    .where(
        Prediction.entity == bindparam("entity"),
        Prediction.project == bindparam("project"),
        Prediction.evaluation_run_id == bindparam("run"),
        Prediction.id >= bindparam("low"),
        Prediction.id < bindparam("high"),
    )
    .order_by(Prediction.id)
)
_NAMED = DriverStatement(
    select(Score.prediction_id, Score.id).where(
        Score.entity == bindparam("entity"),
        Score.project == bindparam("project"),
        Score.evaluation_run_id == bindparam("run"),
        Score.id >= bindparam("low"),
        Score.id < bindparam("high"),
    )
)


def _values(digest_test) -> DriverStatement:
    return DriverStatement(
        select(Score.prediction_id, Score.id, Score.scorer, Score.value_json).where(
            Score.entity == bindparam("entity"),
            Score.project == bindparam("project"),
            Score.prediction_id.in_(
                select(Prediction.id).where(
                    Prediction.entity == bindparam("entity"),
                    Prediction.project == bindparam("project"),
                    Prediction.evaluation_run_id == bindparam("run"),
                )
            ),
            digest_test == bindparam("digest"),
        )
    )


# Without ANALYZE statistics SQLite would walk the scorer index for the digest (a whole
# scorer's scores): `|| ''` leaves it the prediction index. PostgreSQL's statistics
# would only misjudge the expression (a seq scan at twice the cost), so it gets the column.
_VALUES = {"sqlite": _values(Score.scorer_digest + ""), "postgresql": _values(Score.scorer_digest)}
# The tail of a scorer's values: its newest scores anywhere in the project, by its index.
_RECENT_VALUES = DriverStatement(
    select(Score.prediction_id, Score.id, Score.scorer, Score.value_json)
    .where(
        Score.entity == bindparam("entity"),
        Score.project == bindparam("project"),
        Score.scorer_digest == bindparam("digest"),
        Score.id >= bindparam("low"),
    )
    .order_by(Score.id)
)
_TOP = "g"  # above every UUID string


def _check(connection: Connection, entity: str, project: str, run: str, anchor: str):
    row = _CHECK.first(
        connection, {"entity": entity, "project": project, "run": run, "anchor": anchor}
    )
    assert row is not None, "a SELECT without FROM returns one row"
    return row[0] or 0, row[1] or 0, bool(row[2])


def _boundary() -> str:
    return id_floor(utcnow() - list_anchors.SETTLED_AFTER)


def _remembered(key: tuple, current: tuple[int, int, bool]) -> _Entry | None:
    deletions, predictions, present = current
    with _lock:
        entry = _cache.get(key)
        if entry is not None:
            _cache.move_to_end(key)
    if entry is None or entry.deletions != deletions or (entry.anchor and not present):
        return None
    return entry


def _store(key: tuple, entry: _Entry) -> None:
    global _cached_bytes
    with _lock:
        old = _cache.pop(key, None)
        if old is not None:
            _cached_bytes -= old.size
        if entry.size > CACHE_BYTES // 4:
            return
        _cache[key] = entry
        _cached_bytes += entry.size
        while _cached_bytes > CACHE_BYTES:
            _, evicted = _cache.popitem(last=False)
            _cached_bytes -= evicted.size


def _size(rows: Iterable[tuple]) -> int:
    return sum(ROW_BYTES + sum(len(part) for part in row if part) for row in rows)


def run_rows(connection: Connection, entity: str, project: str, run: str) -> RunRows:
    """The run's predictions and its scores of unstored predictions, oldest first."""
    params = {"entity": entity, "project": project, "run": run}
    key = (connection.engine.url.render_as_string(), entity, project, run, "rows")
    with _lock:
        entry = _cache.get(key)
    current = _check(connection, entity, project, run, entry.anchor if entry else "")
    entry = _remembered(key, current)
    if entry is not None:
        assert isinstance(entry.rows, RunRows)
        fresh = _PREDICTIONS.all(connection, {**params, "low": entry.boundary, "high": _TOP})
        named = _NAMED.all(connection, {**params, "low": entry.boundary, "high": _TOP})
        settled = entry.rows
        if len(settled.trials) + len(fresh) == current[1] and len(fresh) + len(named) <= TAIL_LIMIT:
            if not fresh and not named:
                return settled
            stored = {prediction for prediction, _digest in settled.trials}
            stored.update(prediction for prediction, _digest in fresh)
            orphans = settled.orphans + orphan_scores(connection, params, named, stored)
            return RunRows(settled.trials + fresh, orphans)
    return _build_rows(connection, key, params, current)


def _build_rows(
    connection: Connection, key: tuple, params: dict, current: tuple[int, int, bool]
) -> RunRows:
    boundary = _boundary()
    everything = {**params, "low": "", "high": _TOP}
    trials = _PREDICTIONS.all(connection, everything)
    named = _NAMED.all(connection, everything)
    stored = {prediction for prediction, _digest in trials}
    orphans = orphan_scores(connection, params, named, stored)
    found = RunRows(trials, orphans)
    settled = RunRows(
        [row for row in trials if row[0] < boundary],
        [row for row in orphans if row[1] < boundary],
    )
    anchor = next((row[1] for row in named if row[1] < boundary), "")
    size = _size(settled.trials) + _size(settled.orphans)
    _store(key, _Entry(current[0], len(trials), boundary, anchor, settled, size))
    return found


def run_values(
    connection: Connection,
    entity: str,
    project: str,
    run: str,
    digest: str,
    trial_ids: set[str],
) -> list[tuple]:
    """(prediction id, score id, scorer, value_json) of the scores with this scorer digest of
    the run's predictions (trial_ids: their ids, as run_rows read them), oldest first."""
    params = {"entity": entity, "project": project, "run": run, "digest": digest}
    key = (connection.engine.url.render_as_string(), entity, project, run, "values", digest)
    with _lock:
        entry = _cache.get(key)
    current = _check(connection, entity, project, run, entry.anchor if entry else "")
    entry = _remembered(key, current)
    if entry is not None:
        assert isinstance(entry.rows, list)
        recent = _RECENT_VALUES.all(connection, {**params, "low": entry.boundary})
        if len(recent) <= TAIL_LIMIT:
            fresh = [row for row in recent if row[0] in trial_ids]
            return entry.rows + fresh if fresh else entry.rows
    boundary = _boundary()
    statement = _VALUES["sqlite" if is_sqlite(connection) else "postgresql"]
    rows = sorted(statement.all(connection, params), key=lambda row: row[1])
    settled = [row for row in rows if row[1] < boundary]
    anchor = settled[0][1] if settled else ""
    _store(key, _Entry(current[0], current[1], boundary, anchor, settled, _size(settled)))
    return rows


def forget_all() -> None:
    """Drop everything remembered (tests start each database afresh)."""
    global _cached_bytes
    with _lock:
        _cache.clear()
        _cached_bytes = 0
