"""`flask compare` (the CI gate: exit 0 passed, 1 failed, 2 bad arguments) and
`flask stats recount`."""

import pytest
from sqlalchemy import delete, func, select

from app.extensions import db
from app.models import FoldHorizon, RunPredictionCount, ScoreStat
from app.services import run_summary
from app.storage import project_runs
from tests.builders import make_prediction, make_run, make_score

EXACT = "weave:///team/proj/object/exact_match:v1"
JUDGE = "weave:///team/proj/object/judge:v1"


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


@pytest.fixture
def runs(app):
    """Baseline: exact 3/4, judge.score mean 0.5. Candidate: exact 2/4, mean 0.6. A fifth row
    in the baseline alone, all right."""
    baseline, candidate = make_run(app), make_run(app)
    rows = [(True, True, 0.5, 0.6), (True, False, 0.5, 0.6), (True, True, 0.5, 0.6),
            (False, False, 0.5, 0.6)]  # fmt: skip
    for number, (before, after, low, high) in enumerate(rows):
        for run_id, exact, score in ((baseline, before, low), (candidate, after, high)):
            prediction = make_prediction(app, run_id, {"n": number}, "out")
            make_score(app, prediction, EXACT, exact, run_id)
            make_score(app, prediction, JUDGE, {"score": score, "note": "x"}, run_id)
    extra = make_prediction(app, baseline, {"n": 99}, "out")
    make_score(app, extra, EXACT, True, baseline)
    return baseline, candidate


def test_passing_gates_exit_0_with_a_table(app, runs):
    baseline, candidate = runs
    result = run(app, "compare", baseline, candidate, "--project", "team/proj",
                 "--fail-if", "exact_match < -0.5", "--fail-if", "judge.score < 0")  # fmt: skip
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["scorer", "baseline", "candidate", "change", "gate", "result"]
    assert lines[1].split() == ["exact_match", "80.0%", "50.0%", "-0.3000", "exact_match", "<",
                                "-0.5", "ok"]  # fmt: skip
    assert lines[2].split() == ["judge.score", "0.5", "0.6", "+0.1", "judge.score", "<", "0",
                                "ok"]  # fmt: skip
    assert lines[-1] == "Passed: 2 gates."


def test_a_failing_gate_exits_1_and_says_which(app, runs):
    baseline, candidate = runs
    result = run(app, "compare", baseline, candidate, "--project", "team/proj",
                 "--fail-if", "exact_match < -0.02", "--fail-if", "exact_match <= -0.5",
                 "--fail-if", "judge.score > 0.05")  # fmt: skip
    assert result.exit_code == 1, result.output
    rows = [line.split()[-4:] for line in result.output.splitlines()[1:4]]
    assert rows == [
        ["exact_match", "<", "-0.02", "FAILED"],
        ["exact_match", "<=", "-0.5", "ok"],
        ["judge.score", ">", "0.05", "FAILED"],
    ]
    assert result.output.splitlines()[-1] == (
        "FAILED: 2 of 3 gates: exact_match < -0.02; judge.score > 0.05"
    )


def test_only_rows_both_runs_have(app, runs):
    baseline, candidate = runs
    result = run(app, "compare", baseline, candidate, "--project", "team/proj", "--every",
                 "--fail-if", "exact_match < -0.2")  # fmt: skip
    # Over the four shared rows the baseline is 3/4: the change is -0.25.
    assert result.exit_code == 1 and "75.0%" in result.output and "-0.2500" in result.output


def test_without_gates_every_measured_leaf_is_listed(app, runs):
    baseline, candidate = runs
    result = run(app, "compare", baseline, candidate, "--project", "team/proj")
    assert result.exit_code == 0, result.output
    assert [line.split()[0] for line in result.output.splitlines()[1:]] == [
        "exact_match",
        "judge.score",
    ]


def test_a_gate_on_a_leaf_one_run_lacks_fails_closed(app, runs):
    baseline, candidate = runs
    prediction = make_prediction(app, baseline, {"n": 100}, "out")
    make_score(app, prediction, "weave:///team/proj/object/only_before:v1", 0.9, baseline)
    result = run(app, "compare", baseline, candidate, "--project", "team/proj",
                 "--fail-if", "only_before < -1")  # fmt: skip
    assert result.exit_code == 1, result.output
    assert "only_before  90.0%" not in result.output and "-  " in result.output


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--fail-if", "exact_match less -1"], "is not a gate"),
        (["--fail-if", "exact_match < lots"], "is not a gate"),
        (["--fail-if", "exact_match < nan"], "is not a gate"),
        (["--fail-if", "exact_match = 1"], "is not a gate"),
        (["--fail-if", "nope < 1"], "'nope' in 'nope < 1' is no measured scorer"),
        (["--fail-if", "judge.note < 1"], "is no measured scorer"),
    ],
)
def test_bad_gates_exit_2(app, runs, args, words):
    baseline, candidate = runs
    result = run(app, "compare", baseline, candidate, "--project", "team/proj", *args)
    assert result.exit_code == 2, result.output
    assert words in result.output


def test_bad_runs_and_projects_exit_2(app, runs):
    baseline, candidate = runs
    for args, words in [
        ([baseline, "missing", "--project", "team/proj"], "Run 'missing' has no predictions"),
        ([baseline, baseline, "--project", "team/proj"], "are the same run"),
        ([baseline, candidate, "--project", "team"], "is not ENTITY/PROJECT"),
        ([baseline, candidate, "--project", "team/a/b"], "is not ENTITY/PROJECT"),
        ([baseline, candidate], "Missing option '--project'"),
        ([baseline, candidate, "--project", "other/proj"], "has no predictions"),
    ]:
        result = run(app, "compare", *args)
        assert result.exit_code == 2, (args, result.output)
        assert words in result.output, (args, result.output)


def test_recount_restores_the_statistics(app, runs, database_url):
    baseline, candidate = runs
    with app.app_context():
        before = run_summary.run_summaries("team", "proj", [baseline, candidate])
        runs_before = [(t.run_id, t.predictions, t.scores) for t in project_runs("team", "proj")]
        db.session.execute(delete(ScoreStat))
        db.session.execute(delete(RunPredictionCount))
        db.session.commit()
        # Lost on SQLite; on PostgreSQL these few scores are not folded in yet (readers
        # count them from the scores), and the recount must not count them twice.
        folded = db.session.scalar(select(func.count()).select_from(FoldHorizon))
        lost = run_summary.run_summaries("team", "proj", [baseline, candidate])
        assert (_numbers(lost) == _numbers(before)) == (database_url.startswith("postgresql"))
        assert not folded
    result = run(app, "stats", "recount", "--project", "team/proj")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "Counted 17 scores and 9 predictions of team/proj."
    with app.app_context():
        after = run_summary.run_summaries("team", "proj", [baseline, candidate])
        runs_after = [(t.run_id, t.predictions, t.scores) for t in project_runs("team", "proj")]
    # The same numbers; the statistics' versions start afresh with a recount.
    assert _numbers(after) == _numbers(before) and runs_after == runs_before
    assert run(app, "stats", "recount", "--project", "bad").exit_code == 2


def _numbers(summaries: dict) -> dict:
    return {
        run: [(summary.name, summary.scorers, summary.leaves) for summary in scorers]
        for run, scorers in summaries.items()
    }
