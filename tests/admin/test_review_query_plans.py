"""The review pages read scores and predictions through their indexes only.

Each statement the runs, run, prediction and scores pages run on scores or
predictions is explained on the real database after ANALYZE: SQLite must
search, never scan, and PostgreSQL must never read either table
sequentially, with another project holding most of the rows.
"""

import json

import pytest
from sqlalchemy import event

from app.extensions import db
from tests.admin.conftest import text
from tests.builders import add_scores, make_predictions, make_run

TABLES = ("scores", "predictions")


@pytest.fixture
def projects(app):
    """'big' holds most rows; 'small' two runs of a few predictions, scored."""
    made = {}
    for project, size in (("big", 400), ("small", 12)):
        runs = []
        for number in range(2):
            run_id = make_run(app, project=project)
            rows = [({"q": n, "p": project}, f"answer {n}") for n in range(size)]
            ids = make_predictions(app, run_id, rows, project=project)
            add_scores(
                app,
                [
                    {
                        "prediction_id": prediction_id,
                        "scorer": scorer,
                        "value": value,
                        "evaluation_run_id": run_id,
                    }
                    for n, prediction_id in enumerate(ids)
                    for scorer, value in (("match", n % 2 == 0), ("label", f"l{n % 3 + number}"))
                ],
                project=project,
            )
            runs.append((run_id, ids))
        made[project] = runs
    with app.app_context(), db.engine.connect() as connection:
        connection.exec_driver_sql("ANALYZE")
        connection.commit()
    return made


def _statements(app, client, path: str) -> list[tuple[str, object]]:
    seen: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if any(f"FROM {table}" in statement for table in TABLES):
            seen.append((statement, parameters))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        response = client.get(path)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert response.status_code == 200, text(response)
    return seen


def _scans(node: dict) -> list[str]:
    own = [node["Relation Name"]] if node.get("Node Type") == "Seq Scan" else []
    return [*own, *(scan for child in node.get("Plans", []) for scan in _scans(child))]


def _full_reads(app, statement: str, parameters) -> list[str]:
    with app.app_context(), db.engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            explained = connection.exec_driver_sql(
                "EXPLAIN (FORMAT JSON) " + statement, parameters
            ).scalar()
            plan = (json.loads(explained) if isinstance(explained, str) else explained)[0]
            return [name for name in _scans(plan["Plan"]) if name in TABLES]
        details = [
            row[3]
            for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
        ]
        return [d for d in details if any(d.startswith(f"SCAN {table}") for table in TABLES)]


def test_review_pages_search_their_project_only(app, signed_in, projects):
    (run_id, ids), (other_run, _) = projects["small"]
    paths = [
        "/p/team/small/runs",
        f"/p/team/small/runs/{run_id}",
        f"/p/team/small/runs/{run_id}?after={ids[5]}",
        f"/p/team/small/predictions/{ids[3]}",
        f"/p/team/small?evaluation_run_id={other_run}",
        "/p/team/small?scorer=label",
        "/p/team/small",
    ]
    for path in paths:
        for statement, parameters in _statements(app, signed_in, path):
            assert _full_reads(app, statement, parameters) == [], (path, statement)
