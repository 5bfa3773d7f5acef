"""Deep list offsets in constant time: a per-process map from positions to ids.

The contract's `offset` counts rows, and a database can only count its way
there: offset 900,000 steps over 900,000 index entries. Ids are time-ordered,
so once a project's older ids are settled (no write still in flight can
insert before them) their positions change only when scores are deleted.
We remember the id at every ANCHOR_EVERY-th position (1,000 ids per million
rows) and start a deep page from the nearest one, skipping fewer than
ANCHOR_EVERY entries. Every delete
bumps the project's counter in project_changes, in the same transaction;
anchors built under another count are rebuilt.

Building the anchors reads the whole listing (about half a second per
million rows on SQLite), so it runs on a thread of its own: the page that
finds them missing or stale skips on the index as if there were none, and
the pages after it use them (bench/README.md#deep-list-offsets).
"""

import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import bindparam, exists, func, select, update
from sqlalchemy.engine import Connection, Engine

from app.models import ProjectChange, Score
from app.models._time import utcnow
from app.score_ids import id_floor
from app.storage.compiled import DriverStatement
from app.storage.engine import is_postgresql

ANCHOR_EVERY = 1_000
# Older than any write can take from choosing its id to committing (the
# SQLite busy timeout is 30 s), so nothing can still land before them.
SETTLED_AFTER = timedelta(minutes=2)
_CACHE_SIZE = 256


@dataclass(frozen=True)
class Anchors:
    deletions: int
    ids: tuple[str, ...]  # ids[k] stands at position k * ANCHOR_EVERY


_cache: "OrderedDict[tuple, Anchors]" = OrderedDict()
_lock = threading.Lock()
_building: dict[tuple, threading.Thread] = {}
log = logging.getLogger(__name__)


def start_of(connection: Connection, key: tuple, offset: int):
    """(id to start at or None, entries still to skip) for a list offset.

    key names the listing: (entity, project, evaluation_run_id filter or None).
    """
    if offset < ANCHOR_EVERY:
        return None, offset
    key = (connection.engine.url.render_as_string(), *key)
    with _lock:
        anchors = _cache.get(key)
    step = min(offset // ANCHOR_EVERY, len(anchors.ids) - 1) if anchors else 0
    candidate = anchors.ids[step] if anchors and step > 0 else None
    # One round trip: is the map still current, and does the anchor still exist?
    deletions, anchor_exists = changes_and_presence(connection, key[1], key[2], candidate or "")
    if anchors is None or anchors.deletions != deletions:
        _build_soon(connection.engine, key, deletions)
        return None, offset
    if candidate is None:
        return None, offset
    if not anchor_exists:
        # A vanished anchor means the data was replaced wholesale (a restore).
        with _lock:
            _cache.pop(key, None)
        return None, offset
    return candidate, offset - step * ANCHOR_EVERY


def changes_and_presence(
    connection: Connection, entity: str, project: str, score_id: str
) -> tuple[int, bool]:
    """The project's deletion count, and whether score_id still exists, in one round trip.

    Whatever is remembered of a project's settled scores is current while the
    count is unchanged and a remembered id is still there (a restore replaces
    every row, counts included).
    """
    checked = _CHECK.first(connection, {"entity": entity, "project": project, "anchor": score_id})
    assert checked is not None, "a SELECT without FROM returns one row"
    # No row in project_changes: nothing deleted yet.
    return checked[0] or 0, bool(checked[1])


def _build_soon(engine: Engine, key: tuple, deletions: int) -> None:
    """Build the listing's anchors on a thread, unless a build is already running."""
    with _lock:
        current = _cache.get(key)
        if key in _building or (current is not None and current.deletions == deletions):
            return  # building, or built since the caller looked
        builder = threading.Thread(target=_build, args=(engine, key, deletions), daemon=True)
        # Started under the lock, so wait_for_builds() never meets an unstarted thread.
        builder.start()
        _building[key] = builder


def _build(engine: Engine, key: tuple, deletions: int) -> None:
    _url, entity, project, run = key
    conditions = [Score.entity == entity, Score.project == project]
    if run is not None:
        conditions.append(Score.evaluation_run_id == run)
    try:
        with engine.connect() as connection:
            anchors = Anchors(deletions, _settled_anchor_ids(connection, conditions))
        with _lock:
            _cache[key] = anchors
            _cache.move_to_end(key)
            while len(_cache) > _CACHE_SIZE:
                _cache.popitem(last=False)
    except Exception:
        # Pages stay exact without anchors; the next deep page tries again.
        log.warning("building list positions failed", exc_info=True)
    finally:
        with _lock:
            _building.pop(key, None)


def wait_for_builds(timeout: float = 30.0) -> None:
    """Wait until no anchor build is running (for tests and benchmarks)."""
    with _lock:
        running = list(_building.values())
    for builder in running:
        builder.join(timeout)


def record_settled_change(connection: Connection, entity: str, project: str) -> None:
    """Bump the project's deletion count, in the transaction that changes settled scores.

    A delete does, and so does a write of ids older than SETTLED_AFTER (demo
    data): whatever is remembered of settled scores must be read again.
    """
    bumped = connection.execute(
        update(ProjectChange)
        .where(ProjectChange.entity == entity, ProjectChange.project == project)
        .values(deletions=ProjectChange.deletions + 1)
    )
    if bumped.rowcount == 0:
        upsert = _dialect_insert(connection)(ProjectChange).values(
            entity=entity, project=project, deletions=1
        )
        connection.execute(
            upsert.on_conflict_do_update(
                index_elements=["entity", "project"],
                set_={"deletions": ProjectChange.deletions + 1},
            )
        )


def _dialect_insert(connection: Connection):
    if is_postgresql(connection):
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert


_CHECK = DriverStatement(
    select(
        select(ProjectChange.deletions)
        .where(
            ProjectChange.entity == bindparam("entity"),
            ProjectChange.project == bindparam("project"),
        )
        .scalar_subquery(),
        exists().where(
            Score.entity == bindparam("entity"),
            Score.project == bindparam("project"),
            Score.id == bindparam("anchor"),
        ),
    )
)


def _settled_anchor_ids(connection: Connection, conditions: list) -> tuple[str, ...]:
    """The ids at every ANCHOR_EVERY-th position, as far as ids are settled."""
    position = (func.row_number().over(order_by=Score.id) - 1).label("position")
    numbered = select(Score.id, position).where(*conditions).subquery()
    ids = connection.execute(
        select(numbered.c.id).where(numbered.c.position % ANCHOR_EVERY == 0).order_by(numbered.c.id)
    ).scalars()
    settled_before = id_floor(utcnow() - SETTLED_AFTER)
    return tuple(score_id for score_id in ids if score_id < settled_before)
