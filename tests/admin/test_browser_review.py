"""The review pages in real headless Chromium, wide and narrow: select runs to compare,
read a run, open a prediction; nothing scrolls sideways on a phone."""

import os
from urllib.parse import parse_qsl, urlsplit

import pytest

from tests.builders import PASSWORD, add_scores, make_predictions, make_run, make_user

pytestmark = pytest.mark.browser
playwright_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
WIDE = {"width": 1280, "height": 860}
NARROW = {"width": 390, "height": 844}
SHOTS = os.environ.get("REVIEW_SHOTS")  # a folder to keep screenshots in, when set


@pytest.fixture
def database_url(tmp_path):
    """Browser tests run on SQLite only, to save time."""
    return f"sqlite:///{tmp_path / 'scores.db'}"


@pytest.fixture
def browser(live_server):
    if not os.path.exists(CHROMIUM):
        pytest.skip("no Chromium at /usr/bin/chromium")
    with playwright_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()


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


def _open(browser, live_server, app, size):
    user = make_user(app, f"reviewer{size['width']}", entities=("team",))
    context = browser.new_context(viewport=size)
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    tab.goto(f"{live_server}/")
    tab.get_by_label("Username").fill(user.username)
    tab.get_by_label("Password").fill(PASSWORD)
    tab.get_by_role("button", name="Sign in").click()
    tab.wait_for_url(f"{live_server}/")
    return tab


def _no_sideways_scroll(tab, size) -> None:
    width = tab.evaluate("document.documentElement.scrollWidth")
    assert width <= size["width"], (tab.url, width)


def _shot(tab, name: str) -> None:
    if SHOTS:
        tab.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


@pytest.mark.parametrize("size", [WIDE, NARROW], ids=["1280", "390"])
def test_select_two_runs_to_compare_in_the_order_chosen(app, browser, live_server, runs, size):
    tab = _open(browser, live_server, app, size)
    tab.goto(f"{live_server}/p/team/proj/runs")
    assert tab.locator("table.runs-table tbody tr").count() == 3
    _no_sideways_scroll(tab, size)
    _shot(tab, f"runs-{size['width']}")
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
def test_a_run_page_and_a_prediction_page(app, browser, live_server, runs, size):
    run_id, predictions = runs[2]
    tab = _open(browser, live_server, app, size)
    tab.goto(f"{live_server}/p/team/proj/runs/{run_id}")
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
    _shot(tab, f"run-{size['width']}")

    rows.nth(3).locator("td[data-label=Prediction] a").click()
    tab.wait_for_url(f"**/p/team/proj/predictions/{predictions[3]}")
    assert tab.locator("pre.json").count() == 2
    assert "What is 3 + 3?" in tab.locator("pre.json").first.inner_text()
    assert tab.locator("table.prediction-scores tbody tr").count() == 4
    same_row = tab.locator("table.same-row-table tbody tr")
    assert same_row.count() == 3 and same_row.nth(2).get_by_text("this one").is_visible()
    _no_sideways_scroll(tab, size)
    _shot(tab, f"prediction-{size['width']}")

    same_row.first.get_by_role("link", name="Open").click()
    tab.wait_for_url(f"**/p/team/proj/predictions/{runs[0][1][3]}")
