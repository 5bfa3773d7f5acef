"""`flask demo-data` seeds three runs of one dataset, scored, with one run regressing."""

from sqlalchemy import func, select

from app import storage
from app.extensions import db
from app.models import EvaluationRun, Prediction, Score
from app.score_ids import id_floor
from app.services.run_summary import run_summaries
from tests.admin.conftest import text
from tests.admin.review_pages import table_rows


def test_demo_data_seeds_three_runs_of_one_dataset(app):
    result = app.test_cli_runner().invoke(args=["demo-data", "--questions", "30", "--project", "x"])
    assert result.exit_code == 0, result.output
    assert "Added 3 runs of 30 predictions each (360 scores) to demo/x." in result.output
    with app.app_context():
        runs = db.session.scalars(select(EvaluationRun).order_by(EvaluationRun.id)).all()
        assert [run.status for run in runs] == ["finished"] * 3
        assert all(run.started_at < run.finished_at for run in runs)
        digests = [
            set(
                db.session.scalars(
                    select(Prediction.row_digest).where(Prediction.evaluation_run_id == run.id)
                )
            )
            for run in runs
        ]
        # The same thirty rows in every run, so runs line up row by row.
        assert len(digests[0]) == 30 and digests[0] == digests[1] == digests[2]
        rows = db.session.scalars(select(Score).where(Score.project == "x")).all()
        assert len(rows) == 360
        for row in rows:
            assert id_floor(row.created_at) <= row.id
        assert {row.source for row in rows} == {"api", "ui"}
        # Statistics were kept with the scores: exact_match over 30 per run.
        summaries = run_summaries("demo", "x", [run.id for run in runs], by_key=True)
        rates = {}
        for run in runs:
            by_key = {summary.key: summary for summary in summaries[run.id]}
            assert {key: summary.count for key, summary in by_key.items()} == {
                "exact_match": 30,
                "f1_score": 30,
                "llm_judge": 30,
                "verdict": 30,
            }
            assert by_key["llm_judge"].main.kind == "boolean"
            assert by_key["verdict"].main.kind == "text"
            rates[run.model.rsplit("/", 1)[1]] = by_key["llm_judge"].main.pass_rate
        # The newest run is clearly worse than the other two.
        assert (
            rates["qwen2.5-7b-instruct:v2"]
            < min(rates["gpt-4o-mini:v3"], rates["claude-3-5-haiku:v1"]) - 0.1
        )
        assert storage.project_deletions("demo", "x") == 1
        assert db.session.scalar(select(func.count()).select_from(Prediction)) == 90


def test_the_demo_runs_page_lists_them(app, signed_in):
    app.test_cli_runner().invoke(args=["demo-data", "--project", "proj", "--entity", "team"])
    rows = table_rows(text(signed_in.get("/p/team/proj/runs")), "runs-table")
    assert len(rows) == 3
    assert all(" finished " in row and " 60 240 " in row for row in rows)
