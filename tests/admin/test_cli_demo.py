"""`flask demo-data` seeds a project whose ids match their times."""

from sqlalchemy import select

from app.extensions import db
from app.models import Score
from app.score_ids import id_floor


def test_demo_data_seeds_a_project(app):
    result = app.test_cli_runner().invoke(args=["demo-data", "--count", "40", "--project", "x"])
    assert result.exit_code == 0, result.output
    assert "Added 40 demo scores to demo/x." in result.output
    with app.app_context():
        rows = db.session.scalars(select(Score).where(Score.project == "x")).all()
        assert len(rows) == 40
        assert {row.scorer.split("/")[-1] for row in rows} > {"exact_match:v3"}
        for row in rows:
            assert id_floor(row.created_at) <= row.id
