"""Label statistics follow the config: labels in its order with zero counts, a scale as its
points, a boolean as a pass rate, and which way is better; for the project page and for the
run and compare pages (scorer_configs.presentation and direction)."""

import re

from app.score_values import ROOT_PATH, path_text
from app.services import scorer_configs
from app.validation import validate_scorer_config
from tests.admin.conftest import add_score, text

PAGE = "/p/team/proj"


def _config(app, scorer, schema, **fields):
    with app.app_context():
        body = {"scorer": scorer, "field_schema": schema, **fields}
        scorer_configs.save_config("team", "proj", validate_scorer_config(body), "someone")


def _scorer_block(page: str, scorer: str) -> str:
    """The summary table's tbody of one scorer."""
    for block in re.findall(r"<tbody>(.*?)</tbody>", page, re.S):
        if f'title="{scorer}"' in block:
            return block
    raise AssertionError(f"no summary of {scorer}")


def _counts(block: str) -> list[list[tuple[str, int]]]:
    """Each label list of the block: (label, count) in the order shown."""
    return [
        [
            (label, int(count.replace(",", "")))
            for label, count in re.findall(
                r'<li><span class="break">(.*?)</span><svg.*?</svg>'
                r'<span class="num">([\d,]+)</span>',
                ul,
            )
        ]
        for ul in re.findall(r'<ul class="label-counts">(.*?)</ul>', block, re.S)
    ]


def test_labels_in_the_configs_order_with_zeros_then_others(app, signed_in):
    add_score(app, scorer="sentiment", value="meh")  # from before the config
    _config(app, "sentiment", {"type": "string", "enum": ["positive", "neutral", "negative"]})
    for value in ("negative", "positive", "negative"):
        add_score(app, scorer="sentiment", value=value)
    block = _scorer_block(text(signed_in.get(PAGE)), "sentiment")
    assert _counts(block) == [[("positive", 1), ("neutral", 0), ("negative", 2), ("meh", 1)]]
    assert '<td class="num" data-label="Count">4</td>' in block


def test_a_scale_shows_each_point_and_its_mean(app, signed_in):
    _config(
        app,
        "rating",
        {"type": "integer", "minimum": 1, "maximum": 5},
        display_name="Helpfulness",
        direction="higher",
    )
    for value in (4, 4, 5, 2):
        add_score(app, scorer="rating", value=value)
    block = _scorer_block(text(signed_in.get(PAGE)), "rating")
    assert _counts(block) == [[("1", 0), ("2", 1), ("3", 0), ("4", 2), ("5", 1)]]
    assert '<td class="num" data-label="Mean">3.75</td>' in block
    assert "Helpfulness" in block and "↑ higher is better" in block


def test_a_boolean_is_a_pass_rate_and_an_object_follows_its_fields(app, signed_in):
    schema = {
        "type": "object",
        "properties": {
            "tone": {"type": "string", "enum": ["kind", "curt"]},
            "correct": {"type": "boolean"},
            "reason": {"type": "string"},
        },
        "additionalProperties": False,
    }
    add_score(app, scorer="judge", value={"score": 0.5})  # a field the config does not name
    _config(app, "judge", schema, direction="lower")
    for correct in (True, True, False):
        add_score(app, scorer="judge", value={"correct": correct, "tone": "kind", "reason": "r"})
    block = _scorer_block(text(signed_in.get(PAGE)), "judge")
    fields = re.findall(r'<td data-label="Field">(.*?)</td>', block)
    assert fields == ["tone", "correct", "reason", "score"]
    assert _counts(block) == [[("kind", 3), ("curt", 0)]]
    assert "66.7% true" in block and "↓ lower is better" in block


def test_a_scorer_without_a_config_is_shown_as_before(app, signed_in):
    add_score(app, scorer="plain", value={"correct": True, "label": "x"})
    block = _scorer_block(text(signed_in.get(PAGE)), "plain")
    assert re.findall(r'<td data-label="Field">(.*?)</td>', block) == ["correct"]
    assert _counts(block) == [] and "100.0% true" in block


def test_an_archived_config_presents_nothing(app, signed_in):
    _config(app, "sentiment", {"type": "string", "enum": ["positive", "neutral"]})
    add_score(app, scorer="sentiment", value="positive")
    with app.app_context():
        scorer_configs.archive_config("team", "proj", "sentiment")
    block = _scorer_block(text(signed_in.get(PAGE)), "sentiment")
    assert _counts(block) == [] and "no numeric or boolean values" in block


def test_the_functions_the_run_and_compare_pages_call(app):
    schema = {
        "type": "object",
        "properties": {
            "tone": {"type": "string", "enum": ["kind", "neutral", "curt"], "title": "Tone"},
            "quality": {"type": "number", "minimum": 0, "maximum": 1, "multipleOf": 0.5},
            "correct": {"type": "boolean"},
        },
    }
    _config(app, "judge", schema, direction="higher")
    _config(app, "plain", {"type": "boolean"})
    for tone, quality in (("curt", 1), ("curt", 0.5), ("kind", 1)):
        add_score(
            app, scorer="judge", evaluation_run_id="run-1", value={"tone": tone, "quality": quality}
        )
    add_score(app, scorer="judge", evaluation_run_id="run-2", value={"tone": "kind"})
    with app.app_context():
        tone = scorer_configs.presentation("team", "proj", "judge", path_text(("tone",)))
        assert (tone.kind, tone.title, tone.labels, tone.direction, tone.version) == (
            "labels",
            "Tone",
            ("kind", "neutral", "curt"),
            "higher",
            1,
        )
        values = scorer_configs.leaf_values("team", "proj", "run-1", "judge", path_text(("tone",)))
        assert tone.ordered(tone.counts(values)) == [("kind", 1), ("neutral", 0), ("curt", 2)]

        shown = scorer_configs.presentations("team", "proj")
        quality = shown.leaf("judge", path_text(("quality",)))
        assert (quality.kind, quality.points) == ("number", (0, 0.5, 1))
        numbers = scorer_configs.leaf_values("team", "proj", "run-1", "judge", '["quality"]')
        assert quality.ordered(quality.counts(numbers)) == [(0, 0), (0.5, 1), (1, 2)]
        correct = shown.leaf("judge", path_text(("correct",)))
        assert correct.ordered(correct.counts([True, False, True, 1, "true"])) == [
            (False, 1),
            (True, 2),
        ]
        assert [path for path, _ in shown.leaves("judge")] == [
            '["tone"]',
            '["quality"]',
            '["correct"]',
        ]
        assert shown.leaf("judge", ROOT_PATH) is None  # an object has no scalar root
        assert shown.leaf("judge", path_text(("missing",))) is None
        assert shown.leaf("plain", ROOT_PATH).kind == "boolean"
        assert shown.leaf("unknown", ROOT_PATH) is None

        assert scorer_configs.direction("team", "proj", "judge") == "higher"
        assert scorer_configs.direction("team", "proj", "plain") is None
        assert scorer_configs.direction("team", "proj", "unknown") is None
        assert scorer_configs.presentation("team", "proj", "unknown") is None
        scorer_configs.archive_config("team", "proj", "judge")
        assert scorer_configs.direction("team", "proj", "judge") is None
