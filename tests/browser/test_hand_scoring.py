"""Hand scoring in real headless Chromium: ten predictions scored with the keyboard alone."""

import json
import time

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Score
from app.services import scorer_configs
from app.validation import validate_scorer_config
from tests.browser.conftest import shot, sign_in
from tests.builders import make_predictions, make_run, make_user

pytestmark = pytest.mark.browser

JUDGE = "weave:///team/proj/object/judge:v1"
SCHEMA = {
    "type": "object",
    "properties": {
        "correct": {"type": "boolean"},
        "quality": {"type": "integer", "minimum": 1, "maximum": 5},
        "reason": {"type": "string", "maxLength": 200},
    },
    "required": ["correct", "quality"],
    "additionalProperties": False,
}
# What the keyboard gives each of the ten predictions: t/f, a digit, a reason, a comment.
ANSWERS = [
    (n % 3 != 0, n % 5 + 1, f"reason {n}" if n % 2 else "", f"comment number {n}")
    for n in range(10)
]


def _run_of_ten(app) -> tuple[str, list[str]]:
    """A run with ten stored predictions, and the judge's config."""
    run_id = make_run(app)
    rows = [({"question": f"What is {n} + {n}?"}, f"It is {2 * n}.") for n in range(10)]
    ids = make_predictions(app, run_id, rows)
    with app.app_context():
        fields = validate_scorer_config({"scorer": JUDGE, "field_schema": SCHEMA})
        scorer_configs.save_config("team", "proj", fields, "tess")
    return run_id, ids


def test_ten_predictions_scored_with_the_keyboard_alone(app, page):
    user = make_user(app, "tess", entities=("team",))
    run_id, ids = _run_of_ten(app)
    sign_in(page, user.username)
    page.goto(f"{page.base}/p/team/proj/score?scorer={JUDGE}&evaluation_run_id={run_id}")
    page.wait_for_url(f"**prediction_id={ids[0]}**")
    shot(page, "score-form-object-1280")

    started = time.perf_counter()
    for number, (correct, quality, reason, comment) in enumerate(ANSWERS):
        assert page.locator("#prediction-title").inner_text().endswith(ids[number])
        page.keyboard.press("t" if correct else "f")
        page.keyboard.press(str(quality))
        if reason:
            page.keyboard.type(reason)
        page.keyboard.press("Tab")
        page.keyboard.type(comment)
        page.keyboard.press("Enter")
        page.get_by_text(f"Saved the score of {ids[number]}.").wait_for()
        # The text shows before the deferred score-form.js has bound the keys.
        page.wait_for_load_state()
    elapsed = time.perf_counter() - started
    page.get_by_text("No more to score").wait_for()
    print(f"\nten predictions scored with the keyboard in {elapsed:.2f} s")

    with app.app_context():
        stored = db.session.scalars(select(Score).order_by(Score.id)).all()
    assert [score.prediction_id for score in stored] == ids
    for score, (correct, quality, reason, comment) in zip(stored, ANSWERS, strict=True):
        value = {"correct": correct, "quality": quality} | ({"reason": reason} if reason else {})
        assert json.loads(score.value_json) == value
        assert (score.created_by, score.source, score.comment) == ("tess", "ui", comment)
        assert score.scorer_config_version == 1
        assert score.evaluation_run_id == run_id


def test_the_form_on_a_narrow_screen_fits(app, page):
    user = make_user(app, "tess", entities=("team",))
    run_id, ids = _run_of_ten(app)
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, user.username)
    page.goto(f"{page.base}/p/team/proj/score?scorer={JUDGE}&evaluation_run_id={run_id}")
    page.wait_for_url(f"**prediction_id={ids[0]}**")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # A refused value shows the config's message beside its field.
    page.keyboard.press("t")
    page.keyboard.press("Enter")
    assert page.locator("#value-1-error").inner_text() == "'quality' is a required property"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "score-form-object-390")


def test_injected_script_never_runs_on_the_config_and_scoring_pages(app, page):
    user = make_user(app, "tess", entities=("team",))
    evil = '"><img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'
    schema = {
        "type": "object",
        "properties": {
            evil: {"type": "string", "enum": [evil, "fine"], "title": evil, "description": evil},
            "ok": {"type": "boolean"},
        },
    }
    with app.app_context():
        fields = validate_scorer_config(
            {"scorer": evil, "field_schema": schema, "display_name": evil, "description": evil}
        )
        scorer_configs.save_config("team", "proj", fields, "tess")
    sign_in(page, user.username)
    from urllib.parse import quote

    scorer = quote(evil, safe="")
    for path in (
        f"/p/team/proj/score?scorer={scorer}&prediction_id={scorer}&evaluation_run_id={scorer}",
        "/p/team/proj/scorer-configs",
        f"/p/team/proj/scorer-configs/edit?scorer={scorer}",
        f"/p/team/proj/scorer-configs/history?scorer={scorer}",
        f"/p/team/proj/scorer-configs/archive?scorer={scorer}",
    ):
        page.goto(page.base + path)
        page.wait_for_load_state("load")
        assert page.evaluate("window.__xss") is None, path
    page.goto(f"{page.base}/p/team/proj/score?scorer={scorer}&prediction_id=p1")
    for key in ('"', "\\", "]", "1"):  # keys no selector may choke on, then the first label
        page.keyboard.press(key)
    assert page.evaluate("window.__xss") is None and page.page_errors == []
    page.keyboard.press("Enter")
    page.get_by_text("Score added.").wait_for()
    with app.app_context():
        (stored,) = db.session.scalars(select(Score)).all()
    assert json.loads(stored.value_json) == {evil: evil}
