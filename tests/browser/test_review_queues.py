"""Review queues in real headless Chromium: a reviewer's keyboard review, two reviewers in
two browsers racing for the same items (never both given one), and the screenshots of a
reviewer's page and the agreement page."""

import asyncio
import json
import os
from urllib.parse import parse_qs, urlparse

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import ReviewAnswer, Score
from app.services import review_queues, reviewing
from app.validation import validate_score
from tests.browser.conftest import ARGS, CHROMIUM, shot, sign_in
from tests.builders import PASSWORD, add_scores, make_user
from tests.queue_builders import make_config, make_items, make_queue

pytestmark = pytest.mark.browser
async_api = pytest.importorskip("playwright.async_api")
# Reviewers racing for one item is the database's business: run on both.
BOTH_DATABASES = True
SCHEMA = {
    "type": "object",
    "properties": {
        "correct": {"type": "boolean"},
        "quality": {"type": "integer", "minimum": 1, "maximum": 5},
    },
    "required": ["correct", "quality"],
}
QUESTIONS = ["Capital of France?", "2 + 2?", "Largest planet?", "Author of Hamlet?"]
OUTPUTS = ["Paris.", "5", "Jupiter.", "Shakespeare"]


def _queue_of_questions(app, reviewers: int = 2) -> tuple[int, list[str]]:
    run_rows = list(zip(({"question": q} for q in QUESTIONS), OUTPUTS, strict=True))
    from tests.builders import make_predictions, make_run

    ids = make_predictions(app, make_run(app), run_rows)
    # A judge scored them first (the builder stores at the configs' first generation).
    add_scores(
        app,
        [
            {"prediction_id": pid, "scorer": "llm_judge", "value": {"passed": n != 1}}
            for n, pid in enumerate(ids)
        ],
    )
    make_config(app, "answer_check", SCHEMA)
    queue_id = make_queue(
        app, name="Answer check", scorers=("answer_check",), reviewers=reviewers, predictions=ids
    )
    return queue_id, ids


def test_a_reviewer_reviews_with_the_keyboard_alone(app, page):
    queue_id, ids = _queue_of_questions(app)
    for name in ("ann", "bob"):
        make_user(app, name, entities=("team",))
    # Bob answered the first two already; the queue is open, so Ann sees his scores.
    with app.app_context():
        queue = review_queues.get_queue("team", "proj", queue_id)
        for value in ({"correct": True, "quality": 5}, {"correct": True, "quality": 2}):
            turn = reviewing.next_item(queue, "bob")
            body = {"prediction_id": turn.prediction_id, "scorer": "answer_check", "value": value}
            reviewing.submit(queue, turn, "bob", [validate_score(body)], None)
    sign_in(page, "ann")
    page.goto(f"{page.base}/p/team/proj/queues")
    page.get_by_role("link", name="Review").click()
    page.wait_for_url("**/review?item=*")
    assert "Capital of France?" in page.locator(".prediction").inner_text()
    shot(page, "queue-review")
    answers = [("t", "5"), ("f", "1"), ("t", "4")]
    for number, (correct, quality) in enumerate(answers):
        assert QUESTIONS[number] in page.locator(".prediction").inner_text()
        page.keyboard.press(correct)
        page.keyboard.press(quality)
        with page.expect_navigation():
            page.keyboard.press("Enter")
        page.wait_for_url("**/review?item=*")
    assert QUESTIONS[3] in page.locator(".prediction").inner_text()
    page.get_by_role("button", name="Skip").click()
    page.locator("#done").wait_for()
    with app.app_context():
        query = select(Score.prediction_id, Score.value_json).where(Score.created_by == "ann")
        stored = db.session.execute(query.order_by(Score.id)).all()
    assert [row[0] for row in stored] == ids[:3]
    assert [json.loads(row[1]) for row in stored] == [
        {"correct": True, "quality": 5},
        {"correct": False, "quality": 1},
        {"correct": True, "quality": 4},
    ]
    page.goto(f"{page.base}/p/team/proj/queues/{queue_id}/agreement?judge=llm_judge")
    page.locator(".between-reviewers").first.wait_for()
    shot(page, "queue-agreement")


async def _review_until_done(
    launched, base: str, name: str, queue_id: int, start, shown: list, errors: list
):
    """Sign in, wait at the barrier, then take and answer items until there are none."""
    context = await launched.new_context()
    tab = await context.new_page()
    tab.set_default_timeout(30_000)  # two browsers at once on a loaded 2-CPU machine
    tab.on("pageerror", lambda error: errors.append(f"{name}: {error}"))
    await tab.goto(f"{base}/login")
    await tab.get_by_label("Username").fill(name)
    await tab.get_by_label("Password").fill(PASSWORD)
    await tab.get_by_role("button", name="Sign in").click()
    await tab.wait_for_url(f"{base}/")
    await start.wait()  # both browsers signed in: they ask for their first item at once
    while True:
        await tab.goto(f"{base}/p/team/proj/queues/{queue_id}/review")
        if await tab.locator("#done").count():
            return
        shown.append(parse_qs(urlparse(tab.url).query)["item"][0])
        await tab.keyboard.press("t")
        await tab.keyboard.press("3")
        async with tab.expect_navigation():
            await tab.keyboard.press("Enter")


def test_two_reviewers_racing_never_get_the_same_last_review(app, live_server):
    # Two browsers driven at once by Playwright's async API, launched here: the sync
    # `browser` fixture cannot share a thread with an asyncio loop.
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"no Chromium at {CHROMIUM}")
    items = make_items(app, 8)
    make_config(app, "answer_check", SCHEMA)
    queue_id = make_queue(app, scorers=("answer_check",), reviewers=1, predictions=items)
    for name in ("ann", "bob"):
        make_user(app, name, entities=("team",))
    shown: dict[str, list[str]] = {"ann": [], "bob": []}
    errors: list[str] = []

    async def race():
        async with async_api.async_playwright() as playwright:
            launches = [
                await playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS) for _ in shown
            ]
            start = asyncio.Barrier(len(shown))
            await asyncio.gather(
                *(
                    _review_until_done(
                        launched, live_server, name, queue_id, start, shown[name], errors
                    )
                    for launched, name in zip(launches, shown, strict=True)
                )
            )
            for launched in launches:
                await launched.close()

    asyncio.run(race())
    assert errors == []
    assert not set(shown["ann"]) & set(shown["bob"])
    assert len(shown["ann"]) + len(shown["bob"]) == len(items)
    with app.app_context():
        answers = db.session.execute(
            select(ReviewAnswer.item_id, func.count()).group_by(ReviewAnswer.item_id)
        ).all()
    assert len(answers) == len(items) and all(count == 1 for _, count in answers)


def test_add_selected_runs_to_a_queue_from_the_runs_page(app, page):
    # The runs page's form compares by script; its second button must still reach the add page.
    _queue_of_questions(app)
    make_user(app, "tess", entities=("team",))
    sign_in(page, "tess")
    page.goto(f"{page.base}/p/team/proj/runs")
    page.locator("td.check input").first.check()
    with page.expect_navigation():
        page.get_by_role("button", name="Add selected to a queue").click()
    assert "/queues/add" in page.url
    assert page.locator("#add-count strong").inner_text() == str(len(QUESTIONS))
