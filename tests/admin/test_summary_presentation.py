"""Label statistics follow the config on the scores page: labels in its order with zero
counts, then other values seen; a scale as a count per point; a boolean as a pass rate; the
config's display name and direction; leaves it declares but no score has yet. A scorer
without a config is shown as its values come. Also the scorer_configs functions the pages
call (presentations, by_key, direction)."""

import json
import re
from datetime import timedelta

from app.models import ScorerConfig
from app.models._time import utcnow
from app.score_values import ROOT_PATH, path_text
from app.services import score_summary, scorer_configs, scorer_views
from app.services.distribution_folds import ALL_COUNTS, LeafDistribution
from app.services.run_summary import ScorerSummary
from app.validation import validate_scorer_config
from tests.admin.conftest import add_score, text
from tests.admin.review_pages import counts

PAGE = "/p/team/proj"


def _config(app, scorer, schema, **fields):
    with app.app_context():
        body = {"scorer": scorer, "field_schema": schema, **fields}
        scorer_configs.save_config("team", "proj", validate_scorer_config(body), "someone")


def _scorer_block(page: str, scorer: str) -> str:
    """The summary table's tbody of one scorer (found by the ref on its name's hover)."""
    for block in re.findall(r"<tbody>(.*?)</tbody>", page, re.S):
        if f'title="{scorer}"' in block:
            return block
    raise AssertionError(f"no summary of {scorer}")


def fields(block: str) -> list[str]:
    return re.findall(r'<td data-label="Field"[^>]*>(.*?)</td>', block)


def test_labels_in_the_configs_order_with_zeros_then_others(app, signed_in):
    add_score(app, scorer="sentiment", value="meh")  # from before the config
    _config(app, "sentiment", {"type": "string", "enum": ["positive", "neutral", "negative"]})
    for value in ("negative", "positive", "negative"):
        add_score(app, scorer="sentiment", value=value)
    block = _scorer_block(text(signed_in.get(PAGE)), "sentiment")
    assert counts(block) == [
        [("positive", 1, True), ("neutral", 0, True), ("negative", 2, True), ("meh", 1, False)]
    ]
    assert '<td class="num" data-label="Count">4</td>' in block
    assert '<td class="num muted" data-label="Mean">labels</td>' in block
    assert '<ol class="labels" aria-label="Labels, commonest first">' not in block


def test_a_scale_shows_each_point_its_mean_display_name_and_direction(app, signed_in):
    ref = "weave:///team/proj/object/rating:v1"
    _config(
        app,
        ref,
        {"type": "integer", "minimum": 1, "maximum": 5},
        display_name="Helpfulness",
        direction="higher",
    )
    for value in (4, 4, 5, 2):
        add_score(app, scorer=ref, value=value)
    block = _scorer_block(text(signed_in.get(PAGE)), ref)
    assert counts(block) == [
        [("1", 0, True), ("2", 1, True), ("3", 0, True), ("4", 2, True), ("5", 1, True)]
    ]
    assert '<td class="num" data-label="Mean">3.75</td>' in block
    # The display name where the name was, the ref on hover; which way is better.
    assert re.search(rf'title="{re.escape(ref)}">Helpfulness</a>', block)
    assert "rating" not in re.sub(r'(title|href)="[^"]*"', "", block)
    assert "↑ higher is better" in block
    assert '<figure class="histogram">' not in block


def test_a_wide_scale_is_a_histogram_with_a_bar_per_point(app, signed_in):
    add_score(app, scorer="share", value=7)  # from before the config, off the scale
    _config(app, "share", {"type": "number", "minimum": 0, "maximum": 1, "multipleOf": 0.05})
    for value in (0.05, 0.05, 0.3, 1):
        add_score(app, scorer="share", value=value)
    block = _scorer_block(text(signed_in.get(PAGE)), "share")
    bars = re.findall(r"<rect [^>]*><title>(.*?): (\d+)</title></rect>", block)
    assert len(bars) == 21 and bars[0] == ("0", "0") and bars[-1] == ("1", "1")
    assert ("0.05", "2") in bars and ("0.3", "1") in bars and ("0.1", "0") in bars
    assert counts(block) == [[("7", 1, False)]]  # the value the config does not name


def test_a_boolean_is_a_pass_rate_and_an_object_follows_its_fields(app, signed_in):
    schema = {
        "type": "object",
        "properties": {
            "tone": {"type": "string", "enum": ["kind", "curt"], "title": "Tone"},
            "correct": {"type": "boolean"},
            "reason": {"type": "string"},
            "grade": {"type": "integer", "minimum": 1, "maximum": 3},
        },
        "additionalProperties": False,
    }
    add_score(app, scorer="judge", value={"score": 0.5})  # a field the config does not name
    _config(app, "judge", schema, direction="lower", display_name="Judge")
    for correct in (True, True, False):
        add_score(app, scorer="judge", value={"correct": correct, "tone": "kind", "reason": "r"})
    block = _scorer_block(text(signed_in.get(PAGE)), "judge")
    # The config's fields in its order (a title for a name, the path on hover), then others.
    assert fields(block) == ["Tone", "correct", "reason", "grade", "score"]
    assert '<td data-label="Field" title="tone">Tone</td>' in block
    # grade has no score yet: each point at zero.
    assert counts(block) == [
        [("kind", 3, True), ("curt", 0, True)],
        [("1", 0, True), ("2", 0, True), ("3", 0, True)],
    ]
    assert "66.7% true" in block and "↓ lower is better" in block
    assert re.search(r'title="judge">Judge</a>', block)


def test_a_declared_boolean_no_score_has_yet_counts_zero(app, signed_in):
    schema = {
        "type": "object",
        "properties": {"correct": {"type": "boolean"}, "tone": {"type": "string", "enum": ["a"]}},
    }
    _config(app, "judge", schema)
    add_score(app, scorer="judge", value={"tone": "a"})
    block = _scorer_block(text(signed_in.get(PAGE)), "judge")
    assert fields(block) == ["correct", "tone"]
    correct = block.split('<td data-label="Field">correct</td>')[1].split("</tr>")[0]
    assert '<td class="num" data-label="Count">0</td>' in correct and "no scores yet" in correct
    assert counts(block) == [[("a", 1, True)]]


def test_a_scorer_without_a_config_is_shown_as_before(app, signed_in):
    _config(app, "other", {"type": "boolean"})
    add_score(app, scorer="plain", value={"correct": True, "label": "x"})
    add_score(app, scorer="plain", value={"correct": False, "label": "y"})
    block = _scorer_block(text(signed_in.get(PAGE)), "plain")
    assert fields(block) == ["correct", "label"]
    assert counts(block) == [] and "50.0% true" in block
    assert '<ol class="labels" aria-label="Labels, commonest first">' in block
    assert "is better" not in block and '">plain</a>' in block


def test_an_archived_config_presents_nothing(app, signed_in):
    _config(app, "sentiment", {"type": "string", "enum": ["positive", "neutral"]})
    add_score(app, scorer="sentiment", value="positive")
    with app.app_context():
        scorer_configs.archive_config("team", "proj", "sentiment")
    block = _scorer_block(text(signed_in.get(PAGE)), "sentiment")
    assert counts(block) == [] and "neutral" not in block
    assert '<ol class="labels" aria-label="Labels, commonest first">' in block


def test_filters_read_from_the_scores_present_by_the_config_too(app, signed_in):
    _config(app, "sentiment", {"type": "string", "enum": ["positive", "neutral", "negative"]})
    add_score(app, scorer="sentiment", value="negative", author="ann")
    add_score(app, scorer="sentiment", value="positive", author="bob")
    page = text(signed_in.get(PAGE, query_string={"author": "ann"}))
    assert "read for these filters" in page
    assert counts(_scorer_block(page, "sentiment")) == [
        [("positive", 0, True), ("neutral", 0, True), ("negative", 1, True)]
    ]
    run_page = text(signed_in.get(PAGE, query_string={"evaluation_run_id": "run-1"}))
    assert "No scores to summarise" in run_page


def test_counts_wait_for_the_distributions_the_page_reads(app, signed_in, monkeypatch):
    _config(app, "sentiment", {"type": "string", "enum": ["positive", "neutral"]})
    _config(app, "passed", {"type": "boolean"})
    add_score(app, scorer="sentiment", value="positive")
    add_score(app, scorer="passed", value=True)
    monkeypatch.setattr(score_summary, "DISTRIBUTION_LIMIT", 1)
    page = text(signed_in.get(PAGE))
    assert "Distributions and label counts are shown for at most 1 scores" in page
    assert counts(_scorer_block(page, "sentiment")) == []
    assert "100.0% true" in _scorer_block(page, "passed")  # from the kept statistics


def _in_memory_config(scorer, schema, created_at, direction=None, display_name=None):
    """A config row as storage returns one (not stored: the service reads what it is given)."""
    return ScorerConfig(
        entity="team",
        project="proj",
        scorer=scorer,
        version=1,
        display_name=display_name,
        direction=direction,
        field_schema_json=json.dumps(schema),
        archived=False,
        created_at=created_at,
        created_by="someone",
    )


def _texts_summary(scorer: str, texts: int) -> ScorerSummary:
    """A scorer whose kept statistics are `texts` text values."""
    summary = ScorerSummary(scorer)
    summary.add(
        {
            "scorer": scorer,
            "path": ROOT_PATH,
            "value_count": texts,
            "numeric_count": 0,
            "numeric_sum": 0.0,
            "numeric_min": None,
            "numeric_max": None,
            "bool_count": 0,
            "true_count": 0,
            "text_count": texts,
            "skipped_leaves": 0,
        }
    )
    return summary


def test_too_many_distinct_values_are_not_counted_one_by_one():
    shown = scorer_configs.Presentations(
        [_in_memory_config("s", {"type": "string", "enum": ["a", "b"]}, utcnow())]
    )
    summary = _texts_summary("s", 9)
    few = {"s": {ROOT_PATH: LeafDistribution(label_counts={"b": 4, "zz": 5})}}
    many = {"s": {ROOT_PATH: LeafDistribution(label_counts=None)}}
    (leaf,) = scorer_views.present([summary], few, shown)[0].leaves
    assert [(c.text, c.count, c.expected) for c in leaf.counts] == [
        ("a", 0, True),
        ("b", 4, True),
        ("zz", 5, False),
    ]
    (leaf,) = scorer_views.present([summary], many, shown)[0].leaves
    assert leaf.counts is None and leaf.uncounted
    (leaf,) = scorer_views.present([summary], {}, shown)[0].leaves
    assert leaf.counts is None and not leaf.uncounted  # not read at all
    assert ALL_COUNTS >= 101  # a scale's every point (field_leaves.MAX_POINTS)


def test_a_long_label_is_counted_by_its_start():
    long = "x" * 130
    shown = scorer_configs.Presentations(
        [_in_memory_config("s", {"type": "string", "enum": [long, "b"]}, utcnow())]
    )
    summary = _texts_summary("s", 3)
    found = {"s": {ROOT_PATH: LeafDistribution(label_counts={"x" * 120: 3})}}
    (leaf,) = scorer_views.present([summary], found, shown)[0].leaves
    assert [(c.text, c.count) for c in leaf.counts] == [(long, 3), ("b", 0)]
    alike = scorer_configs.Presentations(
        [_in_memory_config("s", {"type": "string", "enum": [long, long + "y"]}, utcnow())]
    )
    (leaf,) = scorer_views.present([summary], found, alike)[0].leaves
    assert leaf.counts is None and leaf.uncounted


def test_by_key_takes_the_config_saved_last_of_a_short_names_scorers():
    now = utcnow()
    older = _in_memory_config(
        "weave:///team/proj/object/judge:v2", {"type": "boolean"}, now, "lower", "Old"
    )
    newer = _in_memory_config(
        "weave:///team/proj/object/judge:v1", {"type": "boolean"}, now + timedelta(seconds=1),
        None, "New",
    )  # fmt: skip
    plain = _in_memory_config("exact", {"type": "boolean"}, now, "higher")
    for order in ([older, newer, plain], [plain, newer, older]):
        keyed = scorer_configs.Presentations(order).by_key()
        assert keyed.config("judge").display_name == "New"
        assert keyed.direction("judge") is None
        assert keyed.direction("exact") == "higher"
        assert keyed.config("weave:///team/proj/object/judge:v1") is None
    # A tie in time goes to the scorer's name, so the choice never depends on read order.
    tied = _in_memory_config("weave:///team/proj/object/judge:v3", {"type": "boolean"}, now)
    assert scorer_configs.Presentations([older, tied]).by_key().config("judge") is tied
    assert scorer_configs.Presentations([tied, older]).by_key().config("judge") is tied


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
