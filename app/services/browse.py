"""Browsing a project's scores: filters, keyset pages and bounded scans.

Every query walks one of the indexes on scores, all of which end in `id`
(UUIDv7, so id order is time order). A time range becomes an id range on
that same index. Filters that no index covers (author, source, or a second
indexed filter) are applied to a window of at most SCAN_WINDOW index rows,
so a page never scans an unbounded set, however rare the match.

A scorer filter may stand for several scorers (a short name matches every
version): each is a branch of its own, read in id order on its own part of
the index, and the branches are merged (UNION ALL), so no database has to
sort every matching row to find the newest.
"""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, fields
from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, false, func, or_, select, union_all

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
    # The scorers the scorer filter stands for (resolved from a short name);
    # None: the filter is one scorer, named in full.
    scorer_refs: tuple[str, ...] | None = None

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


# A query's primary conditions: one list per branch; a row matches if it meets any one.
Branches = list[list[ColumnElement]]


def conditions(entity: str, project: str, filters: Filters) -> tuple[Branches, list]:
    """Split the filters into the index's (primary, in branches) and the window's (secondary)."""
    texts = (filters.scorer, filters.prediction_id, filters.evaluation_run_id, filters.author)
    if not all(could_be_stored(text) for text in texts if text is not None):
        # No score holds such a text (NUL, say), and PostgreSQL cannot even
        # compare one: the filter matches nothing without asking.
        return [[false()]], []
    common: list[ColumnElement] = [Score.entity == entity, Score.project == project]
    if filters.since is not None:
        common.append(Score.id >= id_floor(filters.since))
    if filters.until is not None:
        common.append(Score.id < id_floor(filters.until))
    indexed: list[Branches] = []  # per indexed filter, its branches
    if filters.prediction_id is not None:
        indexed.append([[Score.prediction_id == filters.prediction_id]])
    if filters.evaluation_run_id is not None:
        indexed.append([[Score.evaluation_run_id == filters.evaluation_run_id]])
    if filters.scorer is not None:
        refs = filters.scorer_refs if filters.scorer_refs is not None else (filters.scorer,)
        # The digest picks the index; the full name rules out collisions.
        indexed.append(
            [[Score.scorer_digest == scorer_digest(ref), Score.scorer == ref] for ref in refs]
        )
    secondary: list[ColumnElement] = []
    for branches in indexed[1:]:
        if len(branches) == 1:
            secondary.extend(branches[0])
        else:
            secondary.append(or_(*(and_(*branch) for branch in branches)))
    primary = [[*common, *branch] for branch in (indexed[0] if indexed else [[]])]
    if filters.author is not None:
        secondary.append(Score.created_by == filters.author)
    if filters.source is not None:
        secondary.append(Score.source == filters.source)
    return primary, secondary


def ordered(
    branches: Branches, extra: list, columns: tuple, descending: bool, limit: int | None
) -> Select:
    """Rows meeting any branch and every extra condition, in id order, up to limit.

    columns must start with the score's id.
    """
    order = Score.id.desc() if descending else Score.id.asc()
    if len(branches) == 1:
        return select(*columns).where(*branches[0], *extra).order_by(order).limit(limit)
    parts = [
        select(*columns).where(*branch, *extra).order_by(order).limit(limit).subquery()
        for branch in branches
    ]
    merged = union_all(*(select(*part.c) for part in parts)).subquery()
    first = merged.c[0]
    return select(*merged.c).order_by(first.desc() if descending else first).limit(limit)


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
    primary: Branches, secondary: list, descending: bool, limit: int, columns: tuple
) -> tuple[Select, str | None]:
    """A query for up to `limit` matches, and the id where its scan window ends (if windowed).

    The window's far edge is found in the index alone (a bounded OFFSET over
    SCAN_WINDOW index entries); the query then reads only rows up to it.
    """
    edge = None
    if secondary:
        ids = ordered(primary, [], (Score.id,), descending, SCAN_WINDOW).subquery()
        first = ids.c[0]
        edge = db.session.scalar(
            select(first)
            .order_by(first.desc() if descending else first)
            .offset(SCAN_WINDOW - 1)
            .limit(1)
        )
    if edge is None and secondary:
        # Fewer than SCAN_WINDOW rows pass the primary filter: drive the
        # query from them, so the planner cannot pick a secondary's index.
        keys = [select(Score.entity, Score.project, Score.id).where(*branch) for branch in primary]
        scan = (keys[0] if len(keys) == 1 else union_all(*keys)).subquery()
        on_key = (Score.entity == scan.c.entity) & (Score.project == scan.c.project)
        order = Score.id.desc() if descending else Score.id.asc()
        query = select(*columns).join(scan, on_key & (Score.id == scan.c.id)).where(*secondary)
        return query.order_by(order).limit(limit), None
    bounded = list(secondary)
    if edge is not None:
        # Every index ends in id, so whichever the planner picks, the range bounds it.
        bounded.append(Score.id >= edge if descending else Score.id <= edge)
    return ordered(primary, bounded, columns, descending, limit), edge


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
        for branch in primary:
            branch.append(Score.id < cursor if descending else Score.id > cursor)
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

    def batch_after(last: str | None) -> list[Sequence]:
        extra = list(secondary)
        if last is not None:
            extra.append(Score.id < last if newest_first else Score.id > last)
        query = ordered(primary, extra, EXPORT_COLUMNS, newest_first, EXPORT_BATCH)
        return list(db.session.execute(query).all())

    first = batch_after(None)

    def batches() -> Iterator[Sequence]:
        batch = first
        while True:
            yield from batch
            if len(batch) < EXPORT_BATCH:
                return
            batch = batch_after(batch[-1][0])

    return batches()
