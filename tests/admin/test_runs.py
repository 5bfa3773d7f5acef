"""The runs page and a run's page: what each run is, its rows a page at a time, access."""

import pytest
from markupsafe import escape

from app.services import run_page
from tests.admin.conftest import add_score, text
from tests.admin.review_pages import hrefs, link, table_rows, visible
from tests.builders import add_scores, make_predictions, make_run

RUNS = "/p/team/proj/runs"
MATCH = "weave:///team/proj/object/exact_match:v1"
JUDGE = "weave:///team/proj/object/judge:v2"


def _score(prediction_id, run_id, scorer=MATCH, value=True):
    return {
        "prediction_id": prediction_id,
        "scorer": scorer,
        "value": value,
        "evaluation_run_id": run_id,
    }


def test_every_kind_of_run_is_listed_with_what_it_is(app, signed_in):
    older = make_run(app, model="weave:///team/proj/object/small:v1")
    newer = make_run(app, evaluation="plain-eval", model="big-model")
    make_predictions(app, newer, [({"q": 1}, "a"), ({"q": 2}, "b")])
    add_score(app, evaluation_run_id="named-by-scores", value=0.5, scorer="f1")
    add_score(app, evaluation_run_id="named-by-scores", value=1.0, scorer="f1")
    page = text(signed_in.get(RUNS))
    rows = table_rows(page, "runs-table")
    # Created runs newest first, then those only named, by id.
    assert [row.split()[0] for row in rows] == [
        "…" + newer[-12:],
        "…" + older[-12:],
        "named-by-scores",
    ]
    assert rows[0].startswith(f"…{newer[-12:]} baseline plain-eval big-model running")
    assert "qa-eval:v1 small:v1 running" in rows[1]
    assert "— — not created — — 0 2 0.75" in rows[2]
    assert " 2 0 " in rows[0]  # two predictions, no scores
    # Started times show the exact moment on hover.
    assert page.count('<time datetime="') == 2
    # Each run links to its page; each checkbox offers it for comparison.
    assert hrefs(page, f"{RUNS}/") == [
        f"{RUNS}/{newer}",
        f"{RUNS}/{older}",
        f"{RUNS}/named-by-scores",
    ]
    assert 'action="/p/team/proj/compare"' in page
    for run_id in (newer, older, "named-by-scores"):
        assert f'name="runs" value="{run_id}"' in page


def test_headlines_use_each_scorers_main_leaf(app, signed_in):
    run_id = make_run(app)
    add_scores(
        app,
        [
            _score("p1", run_id, "weave:///team/proj/object/judge:v1", {"why": "x", "score": 2}),
            _score("p2", run_id, "weave:///team/proj/object/judge:v1", {"why": "y", "score": 3}),
            _score("p1", run_id, "weave:///team/proj/object/judge:v2", {"ok": True, "score": 9}),
            _score("p1", run_id, "tone", "calm"),
        ],
    )
    (row,) = table_rows(text(signed_in.get(RUNS)), "runs-table")
    # Two versions of judge count as one: its first boolean leaf wins over numbers.
    assert row.endswith("100.0% ok 1 labels")


def test_an_empty_project_has_no_runs_yet(app, signed_in):
    page = text(signed_in.get(RUNS))
    assert "No runs yet" in page and "evaluation_runs" in page


@pytest.mark.parametrize(
    "path",
    [RUNS, f"{RUNS}/run-1", "/p/team/proj/predictions/p-1"],
)
def test_other_entities_are_forbidden_and_bad_names_not_found(app, signed_in, path):
    add_score(app, entity="other", prediction_id="p-1", evaluation_run_id="run-1")
    assert signed_in.get(path.replace("/team/", "/other/")).status_code == 403
    assert signed_in.get(path.replace("/team/", "/bad%01name/")).status_code == 404


def test_a_run_no_one_names_is_not_found(app, signed_in):
    make_run(app)
    assert signed_in.get(f"{RUNS}/nothing-here").status_code == 404


def _prediction_ids(page: str) -> list[str]:
    return [href.rsplit("/", 1)[1] for href in hrefs(page, "/p/team/proj/predictions/")]


def test_rows_are_paged_by_id_both_ways(app, signed_in):
    run_id = make_run(app)
    ids = make_predictions(app, run_id, [({"n": n}, n * 2) for n in range(120)])
    first = text(signed_in.get(f"{RUNS}/{run_id}"))
    assert _prediction_ids(first) == ids[:50]
    assert link(first, "prev") is None
    second = text(signed_in.get(link(first, "next")))
    assert _prediction_ids(second) == ids[50:100]
    third = text(signed_in.get(link(second, "next")))
    assert _prediction_ids(third) == ids[100:]
    assert link(third, "next") is None
    back = text(signed_in.get(link(third, "prev")))
    assert _prediction_ids(back) == ids[50:100]
    assert _prediction_ids(text(signed_in.get(link(back, "prev")))) == ids[:50]
    assert "First page" in back


def test_each_row_shows_inputs_output_and_one_cell_per_scorer(app, signed_in):
    run_id = make_run(app)
    first, second = make_predictions(
        app, run_id, [({"question": "2+2?", "hint": None}, "4"), ({"question": "3+3?"}, {"a": 6})]
    )
    add_scores(app, [_score(first, run_id, JUDGE, {"passed": False, "why": "old"})])
    add_scores(app, [_score(first, run_id, JUDGE, {"passed": True, "why": "new"})])
    add_scores(app, [_score(first, run_id, MATCH, True), _score(second, run_id, MATCH, False)])
    page = text(signed_in.get(f"{RUNS}/{run_id}"))
    header = page.split('class="table rows-table"', 1)[1].split("</thead>", 1)[0]
    assert visible("<table" + header) == "Prediction Inputs Output exact_match judge"
    rows = table_rows(page, "rows-table")
    # The newest judge score of the row wins; the older one is counted.
    assert (
        rows[0] == f"…{first[-12:]} question: 2+2? hint: null 4 true passed: true why: new +1 older"
    )
    assert rows[1] == f"…{second[-12:]} question: 3+3? a: 6 false —"
    assert 'class="jv-true"' in page and 'class="jv-false"' in page


def test_a_run_named_only_by_scores_lists_the_predictions_they_name(app, signed_in, monkeypatch):
    monkeypatch.setattr(run_page, "PAGE_SIZE", 3)
    # p-a is scored again after p-d: it stays on the first page, once.
    for prediction_id in ("p-a", "p-b", "p-c", "p-d", "p-a", "p-e", "p-b", "p-f", "p-g"):
        add_score(app, prediction_id=prediction_id, evaluation_run_id="old-run")
    first = text(signed_in.get(f"{RUNS}/old-run"))
    assert "Predictions its scores name" in first and "not stored" in first
    assert _prediction_ids(first) == ["p-a", "p-b", "p-c"]
    second = text(signed_in.get(link(first, "next")))
    assert _prediction_ids(second) == ["p-d", "p-e", "p-f"]
    third = text(signed_in.get(link(second, "next")))
    assert _prediction_ids(third) == ["p-g"] and link(third, "next") is None


def test_the_run_page_says_what_the_run_is(app, signed_in):
    run_id = make_run(app, evaluation="weave:///team/proj/object/qa:v3", model="my-model")
    page = visible(text(signed_in.get(f"{RUNS}/{run_id}")))
    assert f"Run {run_id}" in page
    assert "Evaluation weave:///team/proj/object/qa:v3 Model my-model Status running" in page
    assert "Predictions 0 Scores 0" in page and "No scores in this run yet." in page


ODD_IDS = [
    "plain-run",
    "with/slash",
    "/leading-slash",
    "trailing-slash/",
    "double//slash",
    ".",
    "..",
    "a/../b",
    "a/./b",
    "~tilde-first",
    "mid~tilde",
    "spaces and ? # % & + =",
    "ünïcødé/路径",
    "r" * 256,
]


@pytest.mark.parametrize("run_id", ODD_IDS)
def test_any_run_id_has_a_page_reached_from_its_links(app, signed_in, run_id):
    prediction_id = f"pred {run_id}"[:256]
    add_score(app, prediction_id=prediction_id, evaluation_run_id=run_id, value=0.25)
    runs = text(signed_in.get(RUNS))
    (path,) = [href for href in hrefs(runs, f"{RUNS}/")]
    page = text(signed_in.get(path))
    assert signed_in.get(path).status_code == 200
    assert f'name="runs" value="{_attr(run_id)}"' in runs
    assert f'Run <span class="mono break">{_attr(run_id)}</span>' in page
    # The scores page links its run cell there too, and the row to its prediction's page.
    scores = text(signed_in.get("/p/team/proj"))
    assert path in hrefs(scores, f"{RUNS}/")
    (prediction,) = hrefs(page, "/p/team/proj/predictions/")
    assert _attr(prediction_id) in text(signed_in.get(prediction))


def _attr(value: str) -> str:
    return str(escape(value))


def test_injected_markup_shows_as_text_on_every_review_page(app, signed_in):
    evil = '<script>alert(1)</script><img src=x onerror="alert(2)">'
    run_id = make_run(app, evaluation=evil, model=evil)
    (prediction_id,) = make_predictions(app, run_id, [({evil: evil}, {evil: [evil]})], model=evil)
    add_scores(app, [_score(prediction_id, run_id, evil, {evil: evil, "n": 1})])
    add_score(app, prediction_id=evil, evaluation_run_id=evil, scorer=evil, value=evil)
    for path in (
        RUNS,
        f"{RUNS}/{run_id}",
        f"/p/team/proj/predictions/{prediction_id}",
        "/p/team/proj",
        f"/p/team/proj?evaluation_run_id={run_id}",
    ):
        page = text(signed_in.get(path))
        assert "<script>alert" not in page and "<img src=x" not in page, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page, path
    (named,) = [href for href in hrefs(text(signed_in.get(RUNS)), f"{RUNS}/") if run_id not in href]
    page = text(signed_in.get(named))
    assert "<script>alert" not in page and "&lt;script&gt;" in page
