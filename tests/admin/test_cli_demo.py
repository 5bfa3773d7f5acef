"""`flask demo-data` seeds a project whose ids match their times, and runs to compare."""

from sqlalchemy import func, select

from app.extensions import db
from app.models import EvaluationRun, Prediction, Score
from app.score_ids import id_floor
from app.services import run_summary


def test_demo_data_seeds_a_project(app):
    result = app.test_cli_runner().invoke(
        args=["demo-data", "--count", "40", "--project", "x", "--runs", "0"]
    )
    assert result.exit_code == 0, result.output
    assert "Added 40 demo scores to demo/x." in result.output
    with app.app_context():
        rows = db.session.scalars(select(Score).where(Score.project == "x")).all()
        assert len(rows) == 40
        assert {row.scorer.split("/")[-1] for row in rows} > {"exact_match:v3"}
        for row in rows:
            assert id_floor(row.created_at) <= row.id


def test_demo_data_adds_runs_with_predictions_scores_and_statistics(app):
    args = ["demo-data", "--count", "1", "--project", "y", "--runs", "2", "--rows", "5"]
    result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code == 0, result.output
    assert "Added 2 evaluation runs of 5 predictions each." in result.output
    with app.app_context():
        runs = db.session.scalars(select(EvaluationRun.id).order_by(EvaluationRun.id)).all()
        assert len(runs) == 2
        for run in runs:
            predictions = db.session.scalar(
                select(func.count()).where(Prediction.evaluation_run_id == run)
            )
            assert predictions == 5
        scored = db.session.scalar(
            select(func.count()).where(Score.project == "y", Score.evaluation_run_id.in_(runs))
        )
        assert scored == 2 * 5 * 4
        # The statistics were kept as the scores went in.
        summaries = run_summary.run_summaries("demo", "y", runs, by_key=True)
        assert {s.key: s.count for s in summaries[runs[0]]} == {
            "exact_match": 5,
            "f1_score": 5,
            "faithfulness": 5,
            "llm_judge": 5,
        }
