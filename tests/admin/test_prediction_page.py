"""A prediction's page: inputs and output, every score given to it, and its row elsewhere."""

from tests.admin.conftest import add_score, text
from tests.admin.review_pages import hrefs, table_rows, visible
from tests.builders import add_scores, make_predictions, make_run

PAGE = "/p/team/proj/predictions/"
MATCH = "weave:///team/proj/object/exact_match:v1"
INPUTS = {"question": "Capital of Peru?", "context": {"continent": "South America"}}


def test_inputs_output_and_every_score_of_every_author(app, signed_in):
    run_id = make_run(app, model="model-a")
    (prediction_id,) = make_predictions(
        app, run_id, [(INPUTS, {"answer": "Lima", "n": 1})], model="model-a"
    )
    body = {"prediction_id": prediction_id, "evaluation_run_id": run_id}
    match_id = add_score(app, author="ci-bot", scorer=MATCH, value=True, **body)
    add_score(app, author="alice", source="ui", scorer="verdict", value="correct", **body)
    add_score(app, author="bob", source="ui", scorer="verdict", value="partly", **body)
    add_score(app, prediction_id="someone-else", scorer="verdict", value="nope")
    page = text(signed_in.get(PAGE + prediction_id))
    shown = visible(page)
    assert f"Prediction {prediction_id}" in shown
    assert f"Run {run_id} Model model-a" in shown
    # Pretty-printed JSON, one key a line, highlighted.
    inputs = page.split('id="inputs-title"')[1].split("</pre>")[0]
    assert (
        '{\n  <span class="j-key">&#34;question&#34;</span>: '
        '<span class="j-string">&#34;Capital of Peru?&#34;</span>,\n'
        '  <span class="j-key">&#34;context&#34;</span>: {\n'
        '    <span class="j-key">&#34;continent&#34;</span>: '
    ) in inputs
    output = page.split('id="output-title"')[1].split("</pre>")[0]
    assert '<span class="j-key">&#34;answer&#34;</span>: <span class="j-string">&#34;Lima' in output
    rows = table_rows(page, "prediction-scores")
    assert len(rows) == 3  # each scorer, each author; not the other prediction's
    assert rows[0].startswith("exact_match:v1 true")
    assert rows[0].endswith(f"…{run_id[-12:]} ci-bot api just now")
    assert [row.split()[0] for row in rows[1:]] == ["verdict", "verdict"]
    assert {row.split()[1] for row in rows[1:]} == {"correct", "partly"}
    assert "alice ui" in " ".join(rows) and "bob ui" in " ".join(rows)
    assert f"/p/team/proj/scores/{match_id}" in hrefs(page, "/p/team/proj/scores/")
    assert f"/p/team/proj/runs/{run_id}" in hrefs(page, "/p/team/proj/runs/")


def test_the_same_row_in_other_runs_links_to_each(app, signed_in):
    runs = [make_run(app, model=f"model-{n}") for n in range(3)]
    mine, *others = [
        make_predictions(app, run, [(INPUTS, f"answer {n}")], model=f"model-{n}")[0]
        for n, run in enumerate(runs)
    ]
    make_predictions(app, runs[1], [({"question": "Another row"}, "x")])
    add_scores(
        app,
        [
            {"prediction_id": others[0], "scorer": MATCH, "value": False},
            {"prediction_id": mine, "scorer": MATCH, "value": True},
        ],
    )
    page = text(signed_in.get(PAGE + mine))
    assert "The same row in other runs 2" in visible(page)
    rows = table_rows(page, "rows-table same-row-table")
    assert rows == [
        f"…{runs[0][-12:]} model-0 answer 0 true this one",
        f"…{runs[1][-12:]} model-1 answer 1 false Open",
        f"…{runs[2][-12:]} model-2 answer 2 — Open",
    ]
    assert set(hrefs(page, PAGE)) == {PAGE + other for other in others}


def test_a_row_in_no_other_run_says_so(app, signed_in):
    run_id = make_run(app)
    (prediction_id,) = make_predictions(app, run_id, [(INPUTS, None)])
    page = visible(text(signed_in.get(PAGE + prediction_id)))
    assert "No other prediction has the same inputs." in page
    assert "No scores given to it yet." in page


def test_a_prediction_only_scores_name_has_a_page(app, signed_in):
    add_score(app, prediction_id="pred/only ?scored", scorer=MATCH, value=False)
    page = visible(text(signed_in.get(PAGE + "pred/only%20%3Fscored")))
    assert "This prediction was not stored" in page
    assert "exact_match:v1 false" in page


def test_a_prediction_no_one_names_is_not_found(app, signed_in):
    add_score(app, prediction_id="known")
    assert signed_in.get(PAGE + "unknown").status_code == 404
