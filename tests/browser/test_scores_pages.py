"""The UI in real headless Chromium: sign in, add, find, filter, page, open, delete."""

import pytest

from app.services import keys
from tests.admin.conftest import add_score
from tests.browser.conftest import NARROW, WIDE, shot, sign_in
from tests.builders import make_user

pytestmark = pytest.mark.browser


def test_add_find_filter_page_open_delete(app, page):
    user = make_user(app, "browser", entities=("team",))
    for number in range(30):
        add_score(app, prediction_id=f"seed-{number:02d}", value=number / 30)
    sign_in(page, user.username)
    shot(page, "home")

    page.goto(f"{page.base}/scores/new?entity=team&project=proj")
    page.get_by_label("Scorer").fill("weave:///team/proj/object/judge:v2")
    page.get_by_label("Value", exact=True).fill('{"correct": true}')
    page.get_by_role("button", name="Add score").click()
    error = page.locator("#prediction_id-error")
    assert error.inner_text() == "String should have at least 1 character"
    assert (
        page.get_by_label("Prediction ID").get_attribute("aria-describedby")
        == "prediction_id-error"
    )
    shot(page, "add-score-error")

    page.get_by_label("Prediction ID").fill("from-the-browser")
    page.get_by_role("button", name="Add score").click()
    page.get_by_text("Score added.").wait_for()
    assert "from-the-browser" in page.locator("main").inner_text()
    shot(page, "score-detail")

    page.goto(f"{page.base}/p/team/proj")
    assert (
        page.locator("table.score-table tbody tr").first.inner_text().count("from-the-browser") == 1
    )
    shot(page, "project")

    page.locator("summary", has_text="Filters").click()
    page.get_by_label("Per page").select_option("25")
    page.get_by_role("button", name="Apply").click()
    assert page.locator("table.score-table tbody tr").count() == 25
    page.get_by_role("link", name="Older →").click()
    assert page.locator("table.score-table tbody tr").count() == 6
    assert "size=25" in page.url and "after=" in page.url
    page.get_by_role("link", name="← Newer").click()
    assert page.locator("table.score-table tbody tr").count() == 25

    page.goto(f"{page.base}/p/team/proj")
    page.locator("summary", has_text="Filters").click()
    page.get_by_label("Prediction ID").fill("from-the-browser")
    page.get_by_role("button", name="Apply").click()
    rows = page.locator("table.score-table tbody tr")
    assert rows.count() == 1 and "prediction_id=from-the-browser" in page.url

    rows.first.locator("a").first.click()
    page.get_by_role("link", name="Delete…").click()
    page.get_by_role("button", name="Delete score").click()
    page.get_by_text("Deleted score").wait_for()
    assert "from-the-browser" not in page.locator("table.score-table").inner_text()


def test_bulk_delete_from_the_list(app, page):
    user = make_user(app, "bulk", entities=("team",))
    for number in range(3):
        add_score(app, prediction_id=f"bulk-{number}")
    sign_in(page, user.username)
    page.goto(f"{page.base}/p/team/proj")
    page.get_by_label("Select all on this page").check()
    assert page.get_by_text("3 selected").is_visible()
    page.get_by_role("button", name="Delete selected…").click()
    page.get_by_role("button", name="Delete 3 scores").click()
    page.get_by_text("Deleted 3 scores.").wait_for()
    assert page.get_by_text("No scores yet").is_visible()


def test_injected_script_never_runs(app, page):
    user = make_user(app, "victim", entities=("team",))
    evil = '"><img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'
    score_id = add_score(
        app, prediction_id=evil, scorer=evil, evaluation_run_id=evil, value={"html": evil}
    )
    sign_in(page, user.username)
    for path in (
        "/",
        "/p/team/proj",
        f"/p/team/proj/scores/{score_id}",
        f"/p/team/proj?scorer={evil}",
    ):
        page.goto(page.base + path)
        page.wait_for_load_state("load")
        assert page.evaluate("window.__xss") is None, path
    assert page.dialogs == []
    assert evil in page.locator("main").inner_text()


def test_small_screen_has_no_page_overflow(app, page):
    user = make_user(app, "phone", entities=("team",))
    add_score(app, prediction_id="p-1", value={"correct": True, "score": 0.5})
    page.set_viewport_size({"width": 375, "height": 800})
    sign_in(page, user.username)
    for path, name in (("/p/team/proj", "project-375"), ("/scores/new", "add-score-375")):
        page.goto(page.base + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, (path, width)
        shot(page, name)


def _layout(tab) -> dict:
    """The page's width, the cards' right edge, and how the first labelled cell is laid out."""
    return tab.evaluate(
        """() => {
          const cell = document.querySelector("table.table tbody td[data-label]");
          const cards = document.querySelectorAll("table.table tbody tr, table.table tbody td");
          const right = Math.max(...Array.from(cards, (e) => e.getBoundingClientRect().right));
          return {
            width: document.documentElement.scrollWidth,
            right: right,
            cell: getComputedStyle(cell).display,
            row: getComputedStyle(cell.parentElement).display,
            label: getComputedStyle(cell, "::before").content,
          };
        }"""
    )


def _assert_cards(tab, first_label: str) -> None:
    layout = _layout(tab)
    assert layout["width"] <= NARROW["width"], layout
    assert layout["right"] <= NARROW["width"], layout
    assert layout["cell"] == "block" and layout["row"] == "block", layout
    assert layout["label"] == f'"{first_label}"', layout


def test_narrow_keys_page_fits_and_shows_keys_as_cards(app, page):
    user = make_user(app, "narrow", entities=("team",))
    with app.app_context():
        for number in range(30):
            keys.create_key(user, label=f"nightly evaluation runner number {number} of many")
        keys.revoke_key(keys.create_key(user, label="x" * 64)[0].prefix)
    page.set_viewport_size(NARROW)
    sign_in(page, user.username)
    page.goto(f"{page.base}/keys")
    page.get_by_label("Label (optional)").fill("laptop-" + "y" * 57)
    page.get_by_role("button", name="Create a key").click()
    page.locator("#new-key").wait_for()
    assert page.locator("table.keys tbody tr").count() == 32
    _assert_cards(page, "Prefix")
    shot(page, "keys-390")

    page.get_by_label("Label (optional)").fill("z" * 65)
    page.get_by_role("button", name="Create a key").click()
    assert page.locator("#label-error").inner_text() == "Label should have at most 64 characters"
    assert page.evaluate("document.documentElement.scrollWidth") <= NARROW["width"]

    page.set_viewport_size(WIDE)
    assert _layout(page)["cell"] == "table-cell"


def test_narrow_project_and_home_pages_show_cards(app, page):
    user = make_user(app, "narrow2", entities=("team",))
    for number in range(12):
        add_score(
            app,
            prediction_id=f"prediction-{number:03d}-" + "with-a-long-identifier-" * 3,
            evaluation_run_id="run-" + "n" * 80,
            value={"correct": number % 2 == 0, "score": number / 12, "why": "w" * 200},
        )
    add_score(app, scorer="words", value="no numbers here")
    page.set_viewport_size(NARROW)
    sign_in(page, user.username)

    page.goto(f"{page.base}/p/team/proj")
    _assert_cards(page, "Field")  # the summary comes first
    table = page.locator("table.score-table")
    cell = table.locator("tbody td[data-label=Time]").first
    assert cell.evaluate("(td) => getComputedStyle(td).display") == "block"
    assert cell.evaluate("(td) => getComputedStyle(td, '::before').content") == '"Time"'
    page.get_by_text("Select all").click()
    assert page.get_by_text("13 selected").is_visible()
    shot(page, "project-390")

    page.goto(f"{page.base}/")
    _assert_cards(page, "Project")
    shot(page, "home-390")

    page.goto(f"{page.base}/p/team/fresh")
    assert page.get_by_text("No scores yet").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= NARROW["width"]
    shot(page, "empty-project-390")
