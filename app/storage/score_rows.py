"""Scores as the API reads them: one row, a page, a stream; and deleting them.

Reads run on the driver cursor of the request's Core connection
(compiled.py). A bounded page is read at once; anything larger streams in
batches over a connection of its own. Deep offsets start from a remembered
id (list_anchors.py).
"""

from collections.abc import Iterator, Sequence
from functools import cache

from sqlalchemy import Integer, bindparam, literal_column, select
from sqlalchemy.sql import ColumnElement

from app.extensions import db
from app.models import Score
from app.storage import api_lines, deletions, list_anchors
from app.storage.compiled import DriverStatement, inline_number
from app.storage.digests import could_be_stored
from app.storage.engine import is_postgresql
from app.storage.transactions import core_write, request_connection

STREAM_BATCH = 2000

# The columns of a score as the API returns it, in the order of the contract, then ours.
API_COLUMNS = (
    Score.id,
    Score.prediction_id,
    Score.scorer,
    Score.value_json,
    Score.evaluation_run_id,
    Score.created_by,
    api_lines.api_timestamp(Score.created_at),
    Score.scorer_config_version,
)


_IN_PROJECT = (Score.entity == bindparam("entity"), Score.project == bindparam("project"))
_READ_ONE = DriverStatement(select(*API_COLUMNS).where(Score.id == bindparam("id"), *_IN_PROJECT))


def read_api_row(entity: str, project: str, score_id: str) -> Sequence | None:
    """The API row of one score of this entity/project, or None."""
    if not could_be_stored(score_id):
        return None
    params = {"id": score_id, "entity": entity, "project": project}
    return _READ_ONE.first(request_connection(), params)


class RowStream:
    """Rows of a list read in batches, on the driver cursor of a connection of its own.

    A streamed response outlives the request's session (Flask tears the
    context down before the body is sent), so the stream holds its own
    connection and closes it when the body is done. Rows come as the driver
    returns them, as pages do: no per-row work in SQLAlchemy.
    """

    def __init__(self, statement: DriverStatement, params: dict):
        self._connection = db.engine.connect()
        try:
            self._batches = statement.batches(self._connection, params, STREAM_BATCH)
            # The first batch is read now, in the view: a server-side cursor
            # (PostgreSQL) fetches only here, and a database failure before
            # the body starts must still be a JSON 503, not the server's 500.
            self._first = next(self._batches, [])
        except BaseException:
            self._connection.close()
            raise

    def __iter__(self) -> Iterator[Sequence]:
        yield from self._first
        for batch in self._batches:
            yield from batch

    def close(self) -> None:
        self._batches.close()
        self._connection.close()


class FetchedRows(list):
    """A short result read in full on the request's own connection."""

    def close(self) -> None:
        """Nothing to release: the rows are already here."""


def list_api_rows(
    entity: str,
    project: str,
    evaluation_run_id: str | None = None,
    limit: int | None = None,
    offset: int | None = None,
) -> RowStream | FetchedRows:
    """Run the list query now; yields API rows oldest first.

    A bounded page is read at once on the request's connection; anything
    larger streams in batches over a connection of its own.
    """
    if evaluation_run_id is not None and not could_be_stored(evaluation_run_id):
        return FetchedRows()
    params: dict = {"entity": entity, "project": project, "run": evaluation_run_id}
    anchor = None
    if offset and offset >= list_anchors.ANCHOR_EVERY:
        # Start from a remembered id near the offset, then skip the rest on
        # the covering index alone (ids only) before reading full rows.
        listing = (entity, project, evaluation_run_id)
        anchor, offset = list_anchors.start_of(request_connection(), listing, offset)
    params.update(anchor=anchor, skip=offset, limit=limit)
    if limit is not None and limit <= STREAM_BATCH:
        # A page: a cached statement, run on the driver cursor.
        connection = request_connection()
        filtered, anchored = evaluation_run_id is not None, anchor is not None
        skip = offset or 0
        if is_postgresql(connection) and skip < list_anchors.ANCHOR_EVERY:
            # An anchored page starts from a subquery's id even with no skip.
            page = _list_statement(filtered, anchored, bool(skip) or anchored, inline=True)
        else:
            page = _list_statement(filtered, anchored, bool(skip))
        return FetchedRows(page.all(connection, params))
    shape = (evaluation_run_id is not None, anchor is not None, bool(offset), limit is not None)
    return RowStream(_list_statement(*shape), params)


def _page_conditions(filtered: bool, anchored: bool) -> tuple[ColumnElement[bool], ...]:
    conditions: tuple[ColumnElement[bool], ...] = _IN_PROJECT
    if filtered:
        conditions += (Score.evaluation_run_id == bindparam("run"),)
    if anchored:
        conditions += (Score.id >= bindparam("anchor"),)
    return conditions


def _page_query(
    filtered: bool, anchored: bool, skipping: bool, limited: bool, inline: bool = False
):
    """The list query of one shape, its values left as named parameters.

    inline: skip and limit written into the statement's text instead.
    """
    skip: ColumnElement[int]
    limit: ColumnElement[int]
    if inline:
        skip, limit = inline_number("skip"), inline_number("limit")
    else:
        skip, limit = bindparam("skip"), bindparam("limit")
    conditions = _page_conditions(filtered, anchored)
    if skipping:
        first_id = (
            select(Score.id)
            .where(*conditions)
            .order_by(Score.id)
            .offset(skip)
            .limit(literal_column("1", Integer))  # a number PostgreSQL can cost
            .scalar_subquery()
        )
        # The anchor bounds the skip; the page itself starts at its first id.
        conditions = (*_page_conditions(filtered, anchored=False), Score.id >= first_id)
    query = select(*API_COLUMNS).where(*conditions).order_by(Score.id)
    if limited:
        query = query.limit(limit)
    return query


@cache
def _list_statement(
    filtered: bool, anchored: bool, skipping: bool, limited: bool = True, inline: bool = False
) -> DriverStatement:
    """The list query of one shape, built and compiled once.

    inline (PostgreSQL's pages): skip and limit are written into the text.
    PostgreSQL keeps one plan for all values of a prepared statement only if
    that plan costs no more than those it makes for the values given. It
    cannot cost a LIMIT or OFFSET that is a parameter, nor a comparison with
    the anchor, so it planned every page anew. With the numbers in the text,
    and an anchored page starting from a subquery's id, which no plan knows
    in advance, one plan serves every request for the page. Each skip and
    limit makes a text of its own (compiled.py), which earns its plan only
    once it repeats. So only a skip below ANCHOR_EVERY is written in, as
    every skip is once a listing's anchors are built (list_anchors.py); a
    larger one (no anchors yet, each page a new skip) keeps the parameters.
    SQLite plans when it prepares, so it keeps them all.
    """
    return DriverStatement(_page_query(filtered, anchored, skipping, limited, inline))


def delete_score_rows(entity: str, project: str, score_ids: Sequence[str]) -> int:
    """Delete the given ids of this entity/project; return how many existed."""
    ids = [score_id for score_id in score_ids if could_be_stored(score_id)]
    with core_write() as connection:
        return deletions.delete_scores(connection, entity, project, ids)
