"""Browsing a project's scores: filters, keyset pages and bounded scans.

Every query walks one of the indexes on scores, all of which end in `id`
(UUIDv7, so id order is time order). A time range becomes an id range on
that same index. Filters that no index covers (author, source, or a second
indexed filter) are applied to a window of at most SCAN_WINDOW index rows,
so a page never scans an unbounded set, however rare the match.
"""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, fields
from datetime import datetime

from sqlalchemy import ColumnElement, Select, false, func, select

from app.extensions import db
from app.models import Score
from app.score_ids import id_floor
from app.storage import API_COLUMNS, could_be_stored, scorer_digest

SCAN_WINDOW = 10_000
PREVIEW_CHARS = 160
PAGE_SIZES = (25, 50, 100, 200)
EXPORT_BATCH = 2000
# The API's columns, then the source and the comment: an export row starts with an API row.
EXPORT_COLUMNS = (*API_COLUMNS, Score.source, Score.comment)


@dataclass(frozen=True)
class Filters:
    """What the project page is narrowed to; every field optional."""

    scorer: str | None = None
    prediction_id: str | None = None
    evaluation_run_id: str | None = None
    author: str | None = None
    source: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def is_empty(self) -> bool:
        """Whether no filter is set."""
        return all(getattr(self, field.name) is None for field in fields(self))


@dataclass
class Row:
    """One score as the list shows it: the value cut to a preview."""

    id: str
    prediction_id: str
    scorer: str
    value_preview: str
    value_length: int
    evaluation_run_id: str | None
    created_by: str
    source: str
    created_at: datetime


@dataclass
class Page:
    """A page of rows in display order, with cursors for its neighbours."""

    rows: list[Row]
    next_cursor: str | None = None
    prev_cursor: str | None = None
    # Set when the scan window ran out before the page filled: the search
    # can go on from next_cursor (or prev_cursor) but has not yet.
    window_exhausted: bool = False


def conditions(entity: str, project: str, filters: Filters) -> tuple[list, list]:
    """Split the filters into the index's (primary) and the window's (secondary)."""
    texts = (filters.scorer, filters.prediction_id, filters.evaluation_run_id, filters.author)
    if not all(could_be_stored(text) for text in texts if text is not None):
        # No score holds such a text (NUL, say), and PostgreSQL cannot even
        # compare one: the filter matches nothing without asking.
        return [false()], []
    primary: list[ColumnElement] = [Score.entity == entity, Score.project == project]
    if filters.since is not None:
        primary.append(Score.id >= id_floor(filters.since))
    if filters.until is not None:
        primary.append(Score.id < id_floor(filters.until))
    indexed = []
    if filters.prediction_id is not None:
        indexed.append([Score.prediction_id == filters.prediction_id])
    if filters.evaluation_run_id is not None:
        indexed.append([Score.evaluation_run_id == filters.evaluation_run_id])
    if filters.scorer is not None:
        # The digest picks the index; the full name rules out collisions.
        indexed.append(
            [Score.scorer_digest == scorer_digest(filters.scorer), Score.scorer == filters.scorer]
        )
    secondary: list[ColumnElement] = [cond for group in indexed[1:] for cond in group]
    if indexed:
        primary.extend(indexed[0])
    if filters.author is not None:
        secondary.append(Score.created_by == filters.author)
    if filters.source is not None:
        secondary.append(Score.source == filters.source)
    return primary, secondary


def _row_columns() -> tuple:
    return (
        Score.id,
        Score.prediction_id,
        Score.scorer,
        func.substr(Score.value_json, 1, PREVIEW_CHARS),
        func.length(Score.value_json),
        Score.evaluation_run_id,
        Score.created_by,
        Score.source,
        Score.created_at,
    )


def windowed(
    primary: list, secondary: list, descending: bool, limit: int, columns: tuple
) -> tuple[Select, str | None]:
    """A query for up to `limit` matches, and the id where its scan window ends (if windowed).

    The window's far edge is found in the index alone (a bounded OFFSET over
    SCAN_WINDOW index entries); the query then reads only rows up to it.
    """
    order = Score.id.desc() if descending else Score.id.asc()
    edge = None
    if secondary:
        edge = db.session.scalar(
            select(Score.id).where(*primary).order_by(order).offset(SCAN_WINDOW - 1).limit(1)
        )
    if edge is None and secondary:
        # Fewer than SCAN_WINDOW rows pass the primary filter: drive the
        # query from them, so the planner cannot pick a secondary's index.
        scan = select(Score.entity, Score.project, Score.id).where(*primary).subquery()
        on_key = (Score.entity == scan.c.entity) & (Score.project == scan.c.project)
        query = select(*columns).join(scan, on_key & (Score.id == scan.c.id)).where(*secondary)
        return query.order_by(order).limit(limit), None
    bounded = list(primary)
    if edge is not None:
        # Every index ends in id, so whichever the planner picks, the range bounds it.
        bounded.append(Score.id >= edge if descending else Score.id <= edge)
    query = select(*columns).where(*bounded, *secondary).order_by(order).limit(limit)
    return query, edge


def _fetch(primary: list, secondary: list, descending: bool, size: int):
    """Rows in query order, whether more match beyond them, and the resume id if windowed."""
    query, edge = windowed(primary, secondary, descending, size + 1, _row_columns())
    rows = [Row(*values) for values in db.session.execute(query)]
    if len(rows) > size:
        return rows[:size], True, None
    if edge is not None:
        return rows, True, edge
    return rows, False, None


def page(
    entity: str,
    project: str,
    filters: Filters,
    *,
    newest_first: bool = True,
    size: int = 50,
    after: str | None = None,
    before: str | None = None,
) -> Page:
    """One page of matching scores, `after` or `before` a cursor id in display order."""
    primary, secondary = conditions(entity, project, filters)
    forward = before is None
    descending = newest_first if forward else not newest_first
    cursor = after if forward else before
    if cursor is not None:
        primary.append(Score.id < cursor if descending else Score.id > cursor)
    rows, more, resume = _fetch(primary, secondary, descending, size)
    beyond = resume or (rows[-1].id if rows else None)
    if forward:
        return Page(
            rows,
            next_cursor=beyond if more else None,
            prev_cursor=rows[0].id if rows and after else None,
            window_exhausted=resume is not None,
        )
    rows.reverse()
    return Page(
        rows,
        next_cursor=rows[-1].id if rows else before,
        prev_cursor=beyond if more else None,
        window_exhausted=resume is not None,
    )


def export_rows(entity: str, project: str, filters: Filters, newest_first: bool = True):
    """Every matching score with its full value, a keyset batch at a time (no window).

    The first batch is read now, so a database failure is an error page, not a
    cut download; later batches are separate short queries, so no cursor has
    to outlive the request's session.
    """
    primary, secondary = conditions(entity, project, filters)
    order = Score.id.desc() if newest_first else Score.id.asc()
    query = select(*EXPORT_COLUMNS).where(*primary, *secondary).order_by(order).limit(EXPORT_BATCH)
    first = db.session.execute(query).all()

    def batches() -> Iterator[Sequence]:
        batch = first
        while True:
            yield from batch
            if len(batch) < EXPORT_BATCH:
                return
            last = batch[-1][0]
            after = Score.id < last if newest_first else Score.id > last
            batch = db.session.execute(query.where(after)).all()

    return batches()
