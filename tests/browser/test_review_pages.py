"""The review pages in real headless Chromium, wide and narrow: select runs to compare,
read a run, open a prediction; nothing scrolls sideways on a phone."""

from urllib.parse import parse_qsl, urlsplit

import pytest

from tests.browser.conftest import NARROW, WIDE, shot, sign_in
from tests.builders import add_scores, make_predictions, make_run, make_user

pytestmark = pytest.mark.browser


@pytest.fixture
def runs(app):
    """Three runs of one model each over the same eight questions, scored four ways."""
    made = []
    for number, model in enumerate(("small", "medium", "a-model-with-a-rather-long-name")):
        run_id = make_run(app, model=f"weave:///team/proj/object/{model}:v1")
        rows = [
            ({"question": f"What is {n} + {n}? " + "Explain. " * n, "id": n}, f"{2 * n + number}")
            for n in range(8)
        ]
        predictions = make_predictions(app, run_id, rows)
        scores = []
        for n, prediction_id in enumerate(predictions):
            for scorer, value in (
                ("exact_match:v1", number == 0 or n % 2 == 0),
                ("f1:v2", round(1 - number * 0.1 - n * 0.01, 3)),
                ("judge:v3", {"passed": n % 3 != 0, "relevance": n % 5 + 1, "why": "w " * 30}),
                ("verdict:v1", ("correct", "wrong", "partly correct")[(n + number) % 3]),
            ):
                scores.append(
                    {
                        "prediction_id": prediction_id,
                        "scorer": f"weave:///team/proj/object/{scorer}",
                        "value": value,
                        "evaluation_run_id": run_id,
                    }
                )
        add_scores(app, scores)
        made.append((run_id, predictions))
    return made


def _open(browser, app, size):
    user = make_user(app, f"reviewer{size['width']}", entities=("team",))
    tab = browser.tab(size)
    sign_in(tab, user.username)
    return tab


def _no_sideways_scroll(tab, size) -> None:
    width = tab.evaluate("document.documentElement.scrollWidth")
    assert width <= size["width"], (tab.url, width)


@pytest.mark.parametrize("size", [WIDE, NARROW], ids=["1280", "390"])
def test_select_two_runs_to_compare_in_the_order_chosen(app, browser, runs, size):
    tab = _open(browser, app, size)
    tab.goto(f"{tab.base}/p/team/proj/runs")
    assert tab.locator("table.runs-table tbody tr").count() == 3
    _no_sideways_scroll(tab, size)
    shot(tab, f"runs-{size['width']}")
    button = tab.get_by_role("button", name="Compare selected")
    assert button.is_disabled()
    oldest, _middle, newest = (run_id for run_id, _ in runs)
    # Chosen newest-last: the oldest (third row) first, so it is the baseline.
    tab.get_by_label(f"Select run {oldest}").check()
    assert button.is_disabled()
    tab.get_by_label(f"Select run {newest}").check()
    assert button.is_enabled()
    baseline = tab.locator(".baseline-tag:visible")
    assert baseline.count() == 1
    assert tab.get_by_text("2 selected; baseline: the first selected (marked).").is_visible()
    with tab.expect_navigation():
        button.click()
    url = urlsplit(tab.url)
    assert url.path == "/p/team/proj/compare"
    assert parse_qsl(url.query) == [("runs", oldest), ("runs", newest)]


@pytest.mark.parametrize("size", [WIDE, NARROW], ids=["1280", "390"])
def test_a_run_page_and_a_prediction_page(app, browser, runs, size):
    run_id, predictions = runs[2]
    tab = _open(browser, app, size)
    tab.goto(f"{tab.base}/p/team/proj/runs/{run_id}")
    cards = tab.locator("section.scorer-card")
    assert cards.count() == 4
    assert "8 scores" in cards.first.inner_text()
    # Histograms and labels are drawn without script: SVG bars with labelled axes.
    assert tab.locator("figure.histogram svg[role=img]").count() >= 2
    assert tab.locator("figure.histogram text.axis-title", has_text="relevance").count() == 1
    assert tab.locator("ol.labels li").count() >= 3
    rows = tab.locator("table.rows-table tbody tr")
    assert rows.count() == 8
    _no_sideways_scroll(tab, size)
    shot(tab, f"run-{size['width']}")

    rows.nth(3).locator("td[data-label=Prediction] a").click()
    tab.wait_for_url(f"**/p/team/proj/predictions/{predictions[3]}")
    assert tab.locator("pre.json").count() == 2
    assert "What is 3 + 3?" in tab.locator("pre.json").first.inner_text()
    assert tab.locator("table.prediction-scores tbody tr").count() == 4
    same_row = tab.locator("table.same-row-table tbody tr")
    assert same_row.count() == 3 and same_row.nth(2).get_by_text("this one").is_visible()
    _no_sideways_scroll(tab, size)
    shot(tab, f"prediction-{size['width']}")

    same_row.first.get_by_role("link", name="Open").click()
    tab.wait_for_url(f"**/p/team/proj/predictions/{runs[0][1][3]}")
