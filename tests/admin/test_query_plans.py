"""The project page reads only its own project's index entries, whatever the other projects hold.

A database analysed with one project holding most scores, and another
project's scores newer (or older) than all of them, is the case where an
index on id alone lets PostgreSQL walk every project's ids in order and
step over the other project's rows. Each query the page runs is explained
on the real database: on PostgreSQL with ANALYZE (no row of scores may be
read and thrown away), on SQLite by its plan (scores searched, never
scanned).
"""

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import event, insert

from app.extensions import db
from app.models import Score
from app.services import scores
from app.validation import validate_score
from tests.builders import score_body

BIG, SMALL = 4_000, 400


def _score_id(n: int) -> str:
    return f"{n:08x}-0000-7000-8000-000000000000"


def _rows(project: str, numbers: range) -> list[dict]:
    fields = validate_score(score_body())
    template = scores.new_score_row("team", project, fields, "someone", "api")
    moment = datetime(2026, 12, 3, tzinfo=UTC)
    return [{**template, "id": _score_id(n), "created_at": moment} for n in numbers]


@pytest.fixture(params=["newer", "older"])
def crowded(request, app):
    """'big' holds most scores; 'small' holds the newest (or the oldest) ones."""
    small_first = request.param == "older"
    small = range(0, SMALL) if small_first else range(BIG, BIG + SMALL)
    big = range(SMALL, SMALL + BIG) if small_first else range(0, BIG)
    with app.app_context():
        db.session.execute(insert(Score), _rows("big", big) + _rows("small", small))
        db.session.commit()
        with db.engine.connect() as connection:
            connection.exec_driver_sql("ANALYZE")
            connection.commit()
    return request.param


def _queries_of(app, client, path: str) -> list[tuple[str, object]]:
    """The statements on scores that serving path runs, with their parameters."""
    seen: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if "FROM scores" in statement:
            seen.append((statement, parameters))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        response = client.get(path)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert response.status_code == 200
    assert seen, f"{path} ran no query on scores"
    return seen


def _rows_thrown_away(node: dict) -> int:
    own = node.get("Rows Removed by Filter", 0) if node.get("Relation Name") == "scores" else 0
    return own + sum(_rows_thrown_away(child) for child in node.get("Plans", []))


def _wasted_reads(app, statement: str, parameters) -> list[str]:
    """What in the plan reads scores rows it does not return (empty: nothing)."""
    with app.app_context(), db.engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            explained = connection.exec_driver_sql(
                "EXPLAIN (ANALYZE, FORMAT JSON) " + statement, parameters
            ).scalar()
            plan = (json.loads(explained) if isinstance(explained, str) else explained)[0]
            thrown = _rows_thrown_away(plan["Plan"])
            return [f"{thrown} rows of scores read and filtered out"] if thrown else []
        details = [
            row[3]
            for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
        ]
        return [detail for detail in details if detail.startswith("SCAN scores")]


@pytest.mark.parametrize("query", ["", "?sort=old"])
def test_the_project_page_reads_only_its_project(app, signed_in, crowded, query):
    for project in ("big", "small"):
        for statement, parameters in _queries_of(app, signed_in, f"/p/team/{project}{query}"):
            assert _wasted_reads(app, statement, parameters) == [], statement
