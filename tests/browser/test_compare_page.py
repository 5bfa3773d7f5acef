"""The Compare page in real headless Chromium: pick two runs, compare, find the worst regression."""

import pytest

from tests.browser.conftest import shot, sign_in
from tests.builders import make_prediction, make_run, make_score, make_user

pytestmark = pytest.mark.browser

EXACT = "weave:///team/proj/object/exact:v1"
SCORE = "weave:///team/proj/object/score:v1"


@pytest.fixture
def runs(app):
    """A baseline and a candidate over 30 rows; the candidate is worst on row 17."""
    baseline = make_run(app, model="weave:///team/proj/object/rag:v1")
    candidate = make_run(app, model="weave:///team/proj/object/rag:v2")
    for number in range(30):
        drop = {17: 0.7, 4: 0.2, 9: 0.1}.get(number, -0.05)
        for run, score in ((baseline, 0.8), (candidate, round(0.8 - drop, 2))):
            prediction = make_prediction(app, run, {"question": f"row {number}"}, f"a{number}")
            make_score(app, prediction, SCORE, score, run)
            make_score(app, prediction, EXACT, score >= 0.5, run)
    return baseline, candidate


def test_compare_two_runs_and_find_the_worst_regression(app, page, runs):
    baseline, candidate = runs
    user = make_user(app, "reviewer", entities=("team",))
    sign_in(page, user.username)
    page.goto(f"{page.base}/p/team/proj")
    page.get_by_role("link", name="Compare runs").click()
    page.get_by_label(baseline).check()
    page.get_by_label(candidate).check()
    page.get_by_role("button", name="Compare").click()
    page.get_by_role("heading", name="Scorers").wait_for()
    assert page.url.count("runs=") == 2
    # Better on the whole (the mean rose), worse on three rows: the rows say which.
    change = page.locator("table.compare-stats tr", has_text="score").locator("td.change")
    assert "change-better" in change.get_attribute("class")
    shot(page, "compare")

    page.get_by_role("link", name="Worst regressions of score first").click()
    first = page.locator("table.compare-rows tbody tr").first
    assert '"row 17"' in first.locator("td.row-inputs").inner_text()
    moved = first.locator("li.leaf-moved").first
    assert "change-worse" in moved.get_attribute("class")
    assert "moved, worse" in moved.inner_text()
    flipped = first.locator("li.leaf-flipped")
    assert flipped.count() == 1 and "exact" in flipped.inner_text()
    second = page.locator("table.compare-rows tbody tr").nth(1)
    assert '"row 4"' in second.locator("td.row-inputs").inner_text()
    shot(page, "compare-worst-first")

    # Narrow it down from the form, as a link that can be shared.
    # The panel is open whenever a sort or filter is applied, so the view says what it shows.
    assert page.locator("details.filters").get_attribute("open") is not None
    page.get_by_label("Filter 1").fill("exact = false")
    page.get_by_role("button", name="Apply").click()
    assert page.locator("table.compare-rows tbody tr").count() == 1
    assert "f=exact+%3D+false" in page.url and "sort=worst%3Ascore" in page.url

    page.get_by_label("Filter 1").fill("exactly false")
    page.get_by_role("button", name="Apply").click()
    assert "is not a filter" in page.locator("#f-0-error").inner_text()
    assert page.get_by_label("Filter 1").get_attribute("aria-invalid") == "true"
    assert page.console_errors == []


def test_compare_fits_a_narrow_screen(app, page, runs):
    baseline, candidate = runs
    user = make_user(app, "phone", entities=("team",))
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, user.username)
    page.goto(f"{page.base}/p/team/proj/compare?runs={baseline}&runs={candidate}")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width
    shot(page, "compare-390")
