"""The Compare page: statistics with changes from the baseline, rows lined up and marked,
filters, search, sorts, the every-run toggle, paging, bad input beside the form."""

import re

import pytest

from app.services import directions
from tests.admin.conftest import sign_in, text
from tests.admin.review_pages import row_inputs, stat_row
from tests.builders import make_prediction, make_run, make_score, make_user

EXACT = "weave:///team/proj/object/exact:v1"
SCORE = "weave:///team/proj/object/score:v1"
JUDGE = "weave:///team/proj/object/judge:v1"
# Row: (baseline exact, score), (candidate exact, score). r1 is the worst regression.
TABLE = {
    "r0": ((True, 0.8), (True, 0.9)),
    "r1": ((True, 0.8), (False, 0.1)),
    "r2": ((True, 0.8), (True, 0.8)),
    "r3": ((True, 0.8), (False, 0.5)),
    "r4": ((True, 0.8), (True, 0.8)),
}


@pytest.fixture
def runs(app):
    baseline = make_run(app, model="weave:///team/proj/object/small:v1")
    candidate = make_run(app, model="weave:///team/proj/object/small:v2")
    predictions = {}
    for row, sides in TABLE.items():
        for run, (exact, score) in zip((baseline, candidate), sides, strict=True):
            prediction = make_prediction(app, run, {"q": row}, f"answer to {row}")
            make_score(app, prediction, EXACT, exact, run)
            make_score(app, prediction, SCORE, score, run)
            make_score(app, prediction, JUDGE, {"passed": exact, "why": f"why {row}"}, run)
            predictions[run, row] = prediction
    only = make_prediction(app, baseline, {"q": "r9"}, "only in the baseline")
    make_score(app, only, EXACT, True, baseline)
    return {"baseline": baseline, "candidate": candidate, "predictions": predictions}


@pytest.fixture
def viewer(app, client):
    make_user(app, "carla", entities=("team",))
    assert sign_in(client, "carla").status_code == 302
    return client


def page(client, runs, **params):
    query = {"runs": [runs["baseline"], runs["candidate"]], **params}
    response = client.get("/p/team/proj/compare", query_string=query)
    assert response.status_code == 200, text(response)
    return text(response)


def test_statistics_side_by_side_with_changes_judged_by_direction(viewer, runs):
    html = page(viewer, runs)
    exact = stat_row(html, "exact", "value")
    assert "100.0%" in exact and "60.0%" in exact and "n=6" in exact and "n=5" in exact
    assert 'class="num change change-worse"' in exact and "−40.0 pts" in exact
    score = stat_row(html, "score", "value")
    assert "−0.18" in score and "change-worse" in score  # 0.8 to 0.62
    passed = stat_row(html, "judge", "passed")
    assert "change-worse" in passed
    why = stat_row(html, "judge", "why")
    assert "change-" not in why and "values" in why
    assert "Baseline" in html and "small:v1" in html and "small:v2" in html
    assert re.findall(r'href="([^"]*sort=worst%3Ascore)"', html)


def test_rows_line_up_and_mark_what_flipped_and_moved(viewer, runs):
    html = page(viewer, runs, sort="worst:score")
    assert row_inputs(html)[:2] == ["r1", "r3"]
    first_row = html.split("<tbody>")[-1].split("</tr>")[0]
    assert "leaf leaf-flipped change-worse" in first_row  # exact: true to false
    assert "leaf leaf-moved change-worse" in first_row  # score: 0.8 to 0.1
    # And judge.passed; the text 'why' is not marked.
    assert first_row.count('class="leaf leaf-') == 3
    for run in ("baseline", "candidate"):
        prediction = runs["predictions"][runs[run], "r1"]
        assert f'href="/p/team/proj/predictions/{prediction}"' in first_row
    best = page(viewer, runs, sort="best:score")
    assert row_inputs(best)[0] == "r0"
    assert row_inputs(page(viewer, runs, sort="high:score"))[0] == "r0"
    assert "not in this run" in page(viewer, runs)


def test_filters_search_and_the_every_run_toggle(viewer, runs):
    assert sorted(row_inputs(page(viewer, runs, f="exact = false"))) == ["r1", "r3"]
    assert row_inputs(page(viewer, runs, f=["exact = false", "score < 0.3"])) == ["r1"]
    assert row_inputs(page(viewer, runs, f="judge.passed != true")) == row_inputs(
        page(viewer, runs, f="exact = false")
    )
    assert row_inputs(page(viewer, runs, q="R3")) == ["r3"]
    assert row_inputs(page(viewer, runs, q="only in the")) == ["r9"]
    assert "r9" in row_inputs(page(viewer, runs))
    assert "r9" not in row_inputs(page(viewer, runs, every="1"))
    assert "6 rows" in page(viewer, runs) and "5 rows" in page(viewer, runs, every="1")
    assert "No rows match" in page(viewer, runs, f="score > 5")


@pytest.mark.parametrize(
    ("params", "where", "words"),
    [
        ({"f": "exact equals false"}, "f-0-error", "is not a filter"),
        ({"f": ["score < 1", "nope = 1"]}, "f-1-error", "no scorer of the requested runs"),
        ({"f": "bogus.prefix.x = 1"}, "f-0-error", "no scorer of the requested runs"),
        ({"f": "inputz.q = 1"}, "f-0-error", "no scorer"),
        ({"sort": "worst:nope"}, "sort-0-error", "Unknown field &#39;scores.nope&#39;"),
        ({"sort": "sideways:score"}, "sort-0-error", "is not a sort"),
        ({"sort": "worst:judge.why"}, "sort-0-error", None),
    ],
)
def test_bad_filters_and_sorts_are_shown_beside_the_form(viewer, runs, params, where, words):
    html = page(viewer, runs, **params)
    if words is None:  # a text leaf has no better or worse: sorted by how much it moved
        assert where not in html
        return
    match = re.search(rf'<p class="error" id="{where}">(.*?)</p>', html)
    assert match and words in match.group(1), html[-3000:]
    assert "Fix the filter or sort above to see the rows." in html
    assert "n=6" in html  # the statistics are still shown


def test_paging(app, viewer):
    baseline, candidate = make_run(app), make_run(app)
    for number in range(55):
        for run in (baseline, candidate):
            prediction = make_prediction(app, run, {"q": f"p{number:02d}"}, "x")
            make_score(app, prediction, SCORE, number / 100, run)
    runs = {"baseline": baseline, "candidate": candidate}
    first = page(viewer, runs)
    assert first.count('class="row-inputs"') == 50 and "Page 1 of 2" in first
    second = page(viewer, runs, page="2")
    assert second.count('class="row-inputs"') == 5 and "Page 2 of 2" in second
    assert 'rel="prev"' in second and 'rel="next"' not in second


def test_fewer_than_two_runs_shows_the_runs_to_pick(viewer, runs):
    listing = text(viewer.get("/p/team/proj/compare"))
    assert "Pick two or more runs" in listing and "Pick at least two" not in listing
    assert listing.index(runs["baseline"]) < listing.index(runs["candidate"])  # oldest first
    one = text(viewer.get("/p/team/proj/compare", query_string={"runs": runs["baseline"]}))
    assert "Pick at least two runs to compare." in one
    again = page(viewer, runs, pick="1")
    assert again.count("checked") == 2
    empty = text(viewer.get("/p/team/empty/compare"))
    assert "No runs yet" in empty


def test_make_baseline_swaps_the_runs(viewer, runs):
    html = page(viewer, runs)
    link = re.search(r'href="(\?runs=[^"]+)">Make baseline', html).group(1).replace("&amp;", "&")
    swapped = text(viewer.get("/p/team/proj/compare" + link))
    table = swapped.split('id="runs-title"')[1].split("</table>")[0]
    first, second = table.split("<tbody>")[1].split("</tr>")[:2]
    assert "Baseline" in first and runs["candidate"] in first and runs["baseline"] not in first
    assert runs["baseline"] in second and "Baseline" not in second
    assert "change-better" in stat_row(swapped, "exact", "value")


def test_access(app, client, runs):
    assert client.get("/p/team/proj/compare").status_code == 302  # to the sign-in page
    make_user(app, "outsider", entities=("other",))
    sign_in(client, "outsider")
    assert client.get("/p/team/proj/compare").status_code == 403
    assert client.get("/p/te%00am/proj/compare").status_code == 404


def test_direction_decides_better_and_worse(app):
    with app.app_context():
        ways = directions.of_project("team", "proj")  # no configs: higher is better
    assert ways.leaf("exact", None, "binary") == directions.HIGHER
    assert ways.leaf("score", None, "continuous") == directions.HIGHER
    assert ways.leaf("judge", "why", "text") == directions.NONE
    assert directions.verdict(0.1, directions.HIGHER) == directions.BETTER
    assert directions.verdict(-0.1, directions.HIGHER) == directions.WORSE
    assert directions.verdict(-0.1, directions.LOWER) == directions.BETTER
    assert directions.verdict(0.1, directions.LOWER) == directions.WORSE
    assert directions.verdict(0.0, directions.HIGHER) == directions.SAME
    assert directions.verdict(0.5, directions.NONE) is None
    assert directions.verdict(None, directions.HIGHER) is None
