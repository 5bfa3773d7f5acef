"""The run page's scorer cards follow each scorer's config: its display name (the refs on
hover), version and direction; labels in its order with zeros, then others; a scale as a
count per point; a boolean as a pass rate; declared leaves with no score yet. A short name
shared by several versions takes the config saved last among theirs. A scorer without a
config keeps its card as it was."""

import re

from app.services import run_page, scorer_configs
from app.validation import validate_scorer_config
from tests.admin.conftest import text
from tests.admin.review_pages import counts, visible
from tests.builders import make_prediction, make_run, make_score

RATING = "weave:///team/proj/object/rating:v1"
VERDICT = "weave:///team/proj/object/verdict:v1"
JUDGE_V1 = "weave:///team/proj/object/judge:v1"
JUDGE_V2 = "weave:///team/proj/object/judge:v2"
PLAIN = "weave:///team/proj/object/plain:v1"


def _config(app, scorer, schema, **fields):
    with app.app_context():
        body = {"scorer": scorer, "field_schema": schema, **fields}
        scorer_configs.save_config("team", "proj", validate_scorer_config(body), "someone")


def card(page: str, heading: str) -> str:
    """The markup of the card whose heading is `heading`."""
    for found in page.split('<section class="card scorer-card"')[1:]:
        found = found.split("</section>", 1)[0]
        if re.search(rf">{re.escape(heading)}</h3>", found):
            return found
    raise AssertionError(f"no card headed {heading}")


def _unplaced(markup: str) -> str:
    return re.sub(r"scorer-\d+", "scorer-N", markup)


def _score_rows(app, run_id, values_by_scorer):
    for number, values in enumerate(zip(*values_by_scorer.values(), strict=True)):
        prediction = make_prediction(app, run_id, {"n": number}, f"out {number}")
        for scorer, value in zip(values_by_scorer, values, strict=True):
            if value is not None:
                make_score(app, prediction, scorer, value, run_id)


def test_labels_a_scale_and_a_boolean_as_their_configs_say(app, signed_in):
    run_id = make_run(app)
    _score_rows(app, run_id, {VERDICT: ["meh"], PLAIN: [0.5]})  # before any config
    before = card(text(signed_in.get(f"/p/team/proj/runs/{run_id}")), "plain")
    _config(app, VERDICT, {"type": "string", "enum": ["correct", "verbose", "incorrect"]},
            display_name="Verdict")  # fmt: skip
    _config(app, RATING, {"type": "integer", "minimum": 1, "maximum": 5},
            display_name="Helpfulness", direction="higher")  # fmt: skip
    judge = {
        "type": "object",
        "properties": {
            "passed": {"type": "boolean"},
            "tone": {"type": "string", "enum": ["kind", "curt"], "title": "Tone"},
            "checked": {"type": "boolean"},
        },
    }
    _config(app, JUDGE_V1, judge, direction="lower")
    _score_rows(
        app,
        run_id,
        {
            VERDICT: ["incorrect", "correct", "incorrect", "correct", "incorrect"],
            RATING: [4, 4, 5, 2, None],
            JUDGE_V1: [{"passed": True, "tone": "kind"}] * 3 + [{"passed": False}] * 2,
        },
    )
    page = text(signed_in.get(f"/p/team/proj/runs/{run_id}"))

    verdict = card(page, "Verdict")
    assert f'title="{VERDICT}"' in verdict and ">verdict</span>" in verdict
    assert counts(verdict) == [
        [("correct", 2, True), ("verbose", 0, True), ("incorrect", 3, True), ("meh", 1, False)]
    ]
    assert "6 scores" in visible(verdict) and "config v1" in visible(verdict)
    assert "is better" not in verdict  # no direction

    rating = card(page, "Helpfulness")
    assert counts(rating) == [
        [("1", 0, True), ("2", 1, True), ("3", 0, True), ("4", 2, True), ("5", 1, True)]
    ]
    shown = visible(rating)
    assert "value scale" in shown and "Mean 3.75" in shown and "↑ higher is better" in shown
    assert '<figure class="histogram">' not in rating

    judge_card = card(page, "judge")
    leaves = re.findall(r"<h4[^>]*>(.*?) <span", judge_card)
    assert leaves == ["passed", "Tone", "checked"]  # the config's order, its titles
    assert "60.0%" in visible(judge_card) and "3 of 5 true" in visible(judge_card)
    assert counts(judge_card) == [[("kind", 3, True), ("curt", 0, True)]]
    checked = judge_card.split(">checked <span")[1]
    assert "No scores yet." in checked
    assert "↓ lower is better" in judge_card
    history = "/p/team/proj/scorer-configs/history?scorer=weave:///team/proj/object/judge:v1"
    assert f'href="{history}"' in judge_card.replace("%3A", ":").replace("%2F", "/")

    # A scorer without a config: the card it had (but for its place on the page).
    assert _unplaced(card(page, "plain")) == _unplaced(before)
    assert counts(before) == [] and "config v" not in before


def test_a_short_name_takes_the_config_saved_last_of_its_versions(app, signed_in):
    run_id = make_run(app)
    _config(app, JUDGE_V1, {"type": "string", "enum": ["a", "b"]}, display_name="Judge one")
    _score_rows(app, run_id, {JUDGE_V1: ["a", "b", "b"]})
    _config(app, JUDGE_V2, {"type": "string", "enum": ["b", "c", "a"]}, display_name="Judge two")
    _score_rows(app, run_id, {JUDGE_V2: ["c"]})
    path = f"/p/team/proj/runs/{run_id}"
    newest = card(text(signed_in.get(path)), "Judge two")
    assert counts(newest) == [[("b", 2, True), ("c", 1, True), ("a", 1, True)]]
    assert "2 versions counted together" in visible(newest)
    # Saving v1's config again makes it the one saved last.
    _config(app, JUDGE_V1, {"type": "string", "enum": ["c", "b", "a"]}, display_name="Judge one")
    again = card(text(signed_in.get(path)), "Judge one")
    assert counts(again) == [[("c", 1, True), ("b", 2, True), ("a", 1, True)]]
    assert "config v2" in visible(again)
    # Archived, it no longer counts: v2's config is the only active one.
    with app.app_context():
        scorer_configs.archive_config("team", "proj", JUDGE_V2)
    assert "Judge one" in text(signed_in.get(path))
    with app.app_context():
        scorer_configs.archive_config("team", "proj", JUDGE_V1)
    plain = card(text(signed_in.get(path)), "judge")
    assert counts(plain) == [] and "config v" not in plain


def test_a_scorer_past_the_read_limit_keeps_its_pass_rates(app, signed_in, monkeypatch):
    run_id = make_run(app)
    schema = {
        "type": "object",
        "properties": {"ok": {"type": "boolean"}, "tone": {"type": "string", "enum": ["x", "y"]}},
    }
    _config(app, JUDGE_V1, schema)
    _score_rows(app, run_id, {JUDGE_V1: [{"ok": True, "tone": "x"}, {"ok": False, "tone": "x"}]})
    monkeypatch.setattr(run_page, "RUN_DISTRIBUTION_LIMIT", 1)
    judge = card(text(signed_in.get(f"/p/team/proj/runs/{run_id}")), "judge")
    assert counts(judge) == []  # not read: no counts, rather than zeros
    assert "50.0%" in visible(judge) and "Distribution not read" in visible(judge)
