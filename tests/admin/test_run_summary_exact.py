"""A run of 600 predictions scored by 4 scorers: every number on the pages is exact.

The expected figures are computed here, by hand, from the values the test
stores; the pages must show them after writes and deletions alike, on
every database.
"""

import statistics

import pytest

from app.services import scores
from tests.admin.conftest import text
from tests.admin.review_pages import scorer_card, table_rows, visible
from tests.builders import add_scores, make_predictions, make_run

ROWS = 600
REF = "weave:///team/proj/object/{}:v1"
REASONS = ("good", "bad", "meh")


def values_of(index: int) -> dict:
    """The four scorers' values for row `index`."""
    verdict = "incorrect" if index % 6 == 0 else ("verbose" if index % 6 in (1, 2) else "correct")
    return {
        "exact_match": index % 3 != 0,
        "f1": (index % 10) / 10,
        "judge": {
            "passed": index % 4 != 0,
            "relevance": index % 5 + 1,
            "reasoning": REASONS[index % 3],
        },
        "verdict": verdict,
    }


@pytest.fixture
def big_run(app):
    """A created run of ROWS predictions, each scored by the four scorers."""
    run_id = make_run(app, model="weave:///team/proj/object/gpt:v2")
    predictions = make_predictions(
        app,
        run_id,
        [({"question": f"q{index}", "n": index}, f"answer {index}") for index in range(ROWS)],
    )
    bodies = [
        {
            "prediction_id": prediction_id,
            "scorer": REF.format(name),
            "value": value,
            "evaluation_run_id": run_id,
        }
        for index, prediction_id in enumerate(predictions)
        for name, value in values_of(index).items()
    ]
    score_ids = add_scores(app, bodies)
    by_row = [score_ids[index * 4 : index * 4 + 4] for index in range(ROWS)]
    return run_id, predictions, by_row


def expected(rows: list[int]) -> dict[str, str]:
    """What each card says for the values of these rows, computed from them alone."""
    values = [values_of(index) for index in rows]
    count = len(values)
    exact_true = sum(value["exact_match"] for value in values)
    f1 = [value["f1"] for value in values]
    passed = sum(value["judge"]["passed"] for value in values)
    relevance = [value["judge"]["relevance"] for value in values]
    return {
        "exact_match": (
            f"exact_match {count} scores value pass rate "
            f"{exact_true / count * 100:.1f}% {exact_true} of {count} true"
        ),
        "f1": (
            f"Count {count} Mean {statistics.fmean(f1):.4g} Min {min(f1):.4g} Max {max(f1):.4g}"
        ),
        "judge.passed": f"passed pass rate {passed / count * 100:.1f}% {passed} of {count} true",
        "judge.relevance": (
            f"relevance number Count {count} Mean {statistics.fmean(relevance):.4g}"
            f" Min {min(relevance)} Max {max(relevance)}"
        ),
    }


def label_counts(rows: list[int], pick) -> dict[str, int]:
    counts: dict[str, int] = {}
    for index in rows:
        label = pick(values_of(index))
        counts[label] = counts.get(label, 0) + 1
    return counts


def assert_labels(card: str, counts: dict[str, int]) -> None:
    total = sum(counts.values())
    for label, count in counts.items():
        assert f"{label} {count} {count / total * 100:.1f}%" in card, (label, card)


def assert_exact(page: str, rows: list[int]) -> None:
    want = expected(rows)
    assert want["exact_match"] in scorer_card(page, "exact_match")
    assert f"f1 {len(rows)} scores" in scorer_card(page, "f1")
    assert want["f1"] in scorer_card(page, "f1")
    judge = scorer_card(page, "judge")
    assert want["judge.passed"] in judge and want["judge.relevance"] in judge
    assert_labels(judge, label_counts(rows, lambda value: value["judge"]["reasoning"]))
    verdict = scorer_card(page, "verdict")
    assert f"verdict {len(rows)} scores" in verdict
    assert_labels(verdict, label_counts(rows, lambda value: value["verdict"]))


def test_the_run_page_is_exact_over_every_score(app, signed_in, big_run):
    run_id, _predictions, _ids = big_run
    page = text(signed_in.get(f"/p/team/proj/runs/{run_id}"))
    rows = list(range(ROWS))
    assert_exact(page, rows)
    # By hand: 400 of 600 true, mean f1 0.45, relevance 1-5 evenly (mean 3), labels 300/200/100.
    assert "66.7% 400 of 600 true" in scorer_card(page, "exact_match")
    assert "Mean 0.45 Min 0 Max 0.9" in scorer_card(page, "f1")
    assert "correct 300 50.0%" in scorer_card(page, "verdict")
    assert "incorrect 100 16.7%" in scorer_card(page, "verdict")
    # The histogram of relevance has a bar per rating, 120 scores each.
    assert all(f"<title>{rating}: 120</title>" in page for rating in range(1, 6))


def test_a_deletion_and_a_new_score_are_reflected(app, signed_in, big_run):
    run_id, predictions, ids = big_run
    path = f"/p/team/proj/runs/{run_id}"
    assert "incorrect 100 " in scorer_card(text(signed_in.get(path)), "verdict")

    gone = [0, 6, 12, 13, 599]  # rows of every verdict, and the largest f1
    with app.app_context():
        deleted = scores.delete_scores("team", "proj", [i for row in gone for i in ids[row]])
    assert deleted == 4 * len(gone)
    rows = [index for index in range(ROWS) if index not in gone]
    page = text(signed_in.get(path))
    assert_exact(page, rows)
    assert "incorrect 97 " in scorer_card(page, "verdict")

    add_scores(
        app,
        [
            {
                "prediction_id": predictions[0],
                "scorer": REF.format("verdict"),
                "value": "refused",
                "evaluation_run_id": run_id,
            }
        ],
    )
    verdict = scorer_card(text(signed_in.get(path)), "verdict")
    assert f"verdict {len(rows) + 1} scores" in verdict and "refused 1 " in verdict


def test_the_runs_page_shows_counts_and_headline_numbers(app, signed_in, big_run):
    run_id, _predictions, _ids = big_run
    page = text(signed_in.get("/p/team/proj/runs"))
    (row,) = table_rows(page, "runs-table")
    assert "…" + run_id[-12:] in row
    assert "qa-eval:v1 gpt:v2 running" in row
    assert "600 2,400 66.7% 0.45 75.0% passed 600 labels" in row


def test_the_scores_page_summary_is_exact_for_the_run(app, signed_in, big_run):
    run_id, _predictions, _ids = big_run
    page = text(signed_in.get(f"/p/team/proj?evaluation_run_id={run_id}"))
    assert "2,400 matching scores" in page
    summary = visible(page.split('<section class="summary card"', 1)[1].split("</section>")[0])
    assert "exact_match:v1 600 value 600 66.7% true false true" in summary
    assert "f1:v1 600 value 600 0.45 0 0.9" in summary
    assert "correct 300 50.0%" in summary
