"""The newest rows a project-page summary reads, remembered per process.

A summary reads the newest SUMMARY_LIMIT matching scores: 2,000 rows that a
filter such as an evaluation run scatters over tens of thousands, about half
of the page's time. Scores are never updated, and no id older than
list_anchors.SETTLED_AFTER can still be inserted, so matching rows below that
boundary, once read, stay exactly as they are until the project's deletion
count moves. Each view re-reads only the rows at or above its entry's
boundary (none, on a project nobody is writing to) and merges them with the
remembered ones; what it computes from an unchanged set is kept as well.

Only summaries whose filters an index answers are remembered: a secondary
filter's scan window moves with every new score (browse.windowed).
"""

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Connection

from app.models._time import utcnow
from app.score_ids import id_floor
from app.storage import list_anchors

# (id, scorer, value text or None when too long to parse), newest first.
SummaryRow = tuple[str, str, str | None]
# read(lowest id or None, limit): the newest matching rows at or above it.
Reader = Callable[[str | None, int], list[SummaryRow]]

# What the remembered summaries may take in all, per process, in bytes (an
# estimate); least recently viewed summaries go first.
CACHE_BYTES = 16 * 1024 * 1024
# Beyond its text, what a row costs: its tuple and strings, and its share of
# the summary kept with it (measured with tracemalloc on the bench data).
ROW_BYTES = 240


@dataclass
class _Entry:
    deletions: int
    boundary: str  # every id below it is settled
    rows: list[SummaryRow]  # every match from rows[-1] up to the boundary
    complete: bool  # nothing matches below rows[-1]
    size: int
    result: Any = None  # the caller's result for these rows, set when stored


_cache: "OrderedDict[tuple, _Entry]" = OrderedDict()
_cached_bytes = 0
_lock = threading.Lock()


def newest_rows(
    connection: Connection,
    entity: str,
    project: str,
    filters: Hashable,
    read: Reader,
    limit: int,
    compute: Callable,
) -> Any:
    """compute(the newest `limit` rows matching filters), reusing what earlier views read."""
    key = (connection.engine.url.render_as_string(), entity, project, filters, limit)
    with _lock:
        entry = _cache.get(key)
    boundary = id_floor(utcnow() - list_anchors.SETTLED_AFTER)
    if entry is not None:
        deletions, present = list_anchors.changes_and_presence(
            connection, entity, project, entry.rows[0][0]
        )
        if deletions == entry.deletions and present:
            fresh = read(entry.boundary, limit)
            if not fresh:  # nothing new: what was computed from these rows stands
                with _lock:
                    if key in _cache:  # viewed: the last to be evicted
                        _cache.move_to_end(key)
                return entry.result
            merged = fresh + entry.rows
            if entry.complete or len(merged) >= limit:
                result = compute(merged[:limit])
                _store(key, _advanced(entry, fresh, boundary, limit), result)
                return result
    else:
        deletions = list_anchors.changes_and_presence(connection, entity, project, "")[0]
    rows = read(None, limit)
    result = compute(rows)
    settled = [row for row in rows if row[0] < boundary]
    _store(key, _entry(deletions, boundary, settled, len(rows) < limit), result)
    return result


def _advanced(entry: _Entry, fresh: list[SummaryRow], boundary: str, limit: int) -> _Entry:
    """The entry moved up to a later boundary, with the fresh rows now settled."""
    newly_settled = [row for row in fresh if row[0] < boundary]
    if len(fresh) == limit:
        # fresh may not reach down to the entry's rows: start again from it.
        return _entry(entry.deletions, boundary, newly_settled, complete=False)
    rows = newly_settled + entry.rows
    complete = entry.complete and len(rows) <= limit
    return _entry(entry.deletions, boundary, rows[:limit], complete)


def _entry(deletions: int, boundary: str, rows: list[SummaryRow], complete: bool) -> _Entry:
    # Scorer names are shared between rows (summary._summary_rows): not counted.
    size = sum(len(row[0]) + len(row[2] or "") + ROW_BYTES for row in rows)
    return _Entry(deletions, boundary, rows, complete, size)


def _store(key: tuple, entry: _Entry, result: Any) -> None:
    global _cached_bytes
    with _lock:
        old = _cache.pop(key, None)
        if old is not None:
            _cached_bytes -= old.size
        # An empty entry would remember nothing, and could not be checked
        # against a restore (it has no row to look for).
        if not entry.rows or entry.size > CACHE_BYTES:
            return
        entry.result = result
        _cache[key] = entry
        _cached_bytes += entry.size
        while _cached_bytes > CACHE_BYTES:
            _, evicted = _cache.popitem(last=False)
            _cached_bytes -= evicted.size


def forget_all() -> None:
    """Drop every remembered summary (tests start each database afresh)."""
    global _cached_bytes
    with _lock:
        _cache.clear()
        _cached_bytes = 0
