"""Label counts and histograms: folded as the statistics fold, remembered only while exact."""

import json
import math
from collections import Counter

import pytest

from app import storage
from app.services import distributions, scores
from app.services.distribution_folds import ALL_COUNTS, BINS, LABEL_CHARS, LABELS, Fold, histogram
from app.services.run_summary import run_summaries
from tests.builders import add_scores
from tests.test_score_stats import VALUES

RUN = "run-1"
LABEL = "weave:///team/proj/object/verdict:v1"
RATING = "weave:///team/proj/object/rating:v1"


def test_the_largest_value_falls_in_the_last_bin():
    bins = histogram(Counter({float(n): 1 for n in range(0, 120, 5)}))
    assert len(bins) == BINS
    assert bins[0].low == 0.0 and bins[-1].high == 115.0
    # Bins 115 / 12 wide: the last runs from 105.4 to 115 and holds 110 and 115 itself.
    assert sum(b.count for b in bins) == 24 and bins[-1].count == 2


def test_the_widest_range_of_floats_is_binned_without_overflow():
    bins = histogram(Counter({-1e308: 1, 0.0: 2, 1e308: 3, 1.7976931348623157e308: 4}))
    assert [b.count for b in bins] == [1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 4]
    assert bins[0].low == -1e308 and bins[-1].high == 1.7976931348623157e308
    assert all(math.isfinite(b.low) and math.isfinite(b.high) for b in bins)


def test_one_value_is_one_bin_and_counts_weigh():
    assert [(b.low, b.high, b.count) for b in histogram(Counter({2.5: 7}))] == [(2.5, 2.5, 7)]


def test_small_whole_ranges_get_a_bin_per_number_gaps_included():
    bins = histogram(Counter({1.0: 3, 2.0: 1, 5.0: 2}))
    assert [(b.low, b.count, b.whole) for b in bins] == [
        (1.0, 3, True),
        (2.0, 1, True),
        (3.0, 0, True),
        (4.0, 0, True),
        (5.0, 2, True),
    ]
    # At 20 apart and more, or with a fraction, the bins are ranges.
    assert len(histogram(Counter({0.0: 1, 20.0: 1}))) == BINS
    assert len(histogram(Counter({0.0: 1, 19.0: 1}))) == 20
    assert len(histogram(Counter({0.0: 1, 1.5: 1}))) == BINS


def test_labels_are_the_commonest_twenty_then_other_cut_to_a_length():
    fold = Fold()
    for number in range(LABELS + 5):
        for _ in range(number + 1):
            fold.add("s", "s", json.dumps(f"label-{number:02d}"))
    long = "x" * (LABEL_CHARS + 50)
    fold.add("s", "s", json.dumps(long))
    fold.add("s", "s", json.dumps(long[:-1]))  # the same start: the same label
    found = fold.distributions("s")[""]
    assert found.labels[0] == ("label-24", 25)
    assert len(found.labels) == LABELS and found.labels[-1] == ("label-05", 6)
    assert found.other_labels == 1 + 2 + 3 + 4 + 5 + 2
    assert found.distinct_labels == LABELS + 5 + 1


def test_every_label_and_number_is_counted_while_there_are_few():
    fold = Fold()
    for number in range(ALL_COUNTS):
        fold.add("few", "few", json.dumps({"label": f"l{number}", "n": number}), number + 1)
        fold.add("many", "many", json.dumps({"label": f"l{number}", "n": number + 0.5}))
    fold.add("many", "many", json.dumps({"label": "one more", "n": -1}))
    few = fold.distributions("few")
    labels, numbers = few['["label"]'], few['["n"]']
    assert len(labels.label_counts) == ALL_COUNTS and len(labels.labels) == LABELS
    assert labels.label_counts["l0"] == 1 and labels.label_counts["l255"] == 256
    assert numbers.number_counts[0.0] == 1 and numbers.number_counts[255.0] == 256
    many = fold.distributions("many")
    assert many['["label"]'].label_counts is None and many['["n"]'].number_counts is None
    assert len(many['["label"]'].labels) == LABELS  # the commonest still shown


def test_the_counts_kept_are_weighed_in_what_is_remembered():
    bare = distributions._size({"s": {"": distributions.LeafDistribution()}})
    counted = distributions.LeafDistribution(
        label_counts={"x" * 1000: 1, "y": 2}, number_counts={1.0: 1, 2.0: 1, 3.0: 1}
    )
    assert distributions._size({"s": {"": counted}}) >= bare + 1001 + 5 * distributions.ITEM_BYTES


@pytest.mark.parametrize("times", [1, 3])
def test_a_fold_counts_what_the_kept_statistics_count(app, times):
    bodies = [
        {"prediction_id": f"p{index}", "scorer": RATING, "value": value, "evaluation_run_id": RUN}
        for index, value in enumerate(VALUES)
    ] * times
    add_scores(app, bodies)
    fold = Fold()
    for body in bodies:
        fold.add(RATING, RATING, json.dumps(body["value"], separators=(",", ":")))
    (folded,) = fold.summaries()
    with app.app_context():
        (kept,) = run_summaries("team", "proj", [RUN])[RUN]
    assert set(folded.leaves) == set(kept.leaves)
    for path, leaf in kept.leaves.items():
        mine = folded.leaves[path]
        for name in ("value_count", "numeric_count", "bool_count", "true_count", "text_count"):
            assert getattr(mine, name) == getattr(leaf, name), (path, name)
        assert mine.numeric_min == leaf.numeric_min and mine.numeric_max == leaf.numeric_max
        assert mine.numeric_sum == pytest.approx(leaf.numeric_sum)
    assert folded.skipped_leaves == kept.skipped_leaves


def _shown(app):
    """The run's distributions as a view computes them (remembered or read)."""
    with app.app_context():
        summaries = run_summaries("team", "proj", [RUN], by_key=True)[RUN]
        deletions = storage.project_deletions("team", "proj")
        found = distributions.of_scope("team", "proj", summaries, deletions, RUN)
    return {
        name: {
            path: (dist.labels, dist.other_labels, [(b.low, b.count) for b in dist.bins])
            for path, dist in by_path.items()
        }
        for name, by_path in found.items()
    }


def _afresh(app):
    remembered = dict(distributions._cache)
    distributions.forget_all()
    try:
        return _shown(app)
    finally:
        distributions.forget_all()
        for key, (result, _size) in remembered.items():
            distributions._remember(key, result)


def _score(prediction_id, scorer, value):
    return {
        "prediction_id": prediction_id,
        "scorer": scorer,
        "value": value,
        "evaluation_run_id": RUN,
    }


def test_what_is_remembered_agrees_with_a_fresh_read_through_writes_and_deletions(app):
    ids = add_scores(app, [_score(f"p{n}", LABEL, "yes" if n % 3 else "no") for n in range(9)])
    add_scores(app, [_score(f"p{n}", RATING, n % 4) for n in range(9)])
    first = _shown(app)
    assert first["verdict"][""][0] == [("yes", 6), ("no", 3)]
    assert len(distributions._cache) == 1
    assert _shown(app) == first  # remembered

    add_scores(app, [_score("p9", LABEL, "no")])
    assert _shown(app) == _afresh(app) != first
    with app.app_context():
        scores.delete_scores("team", "proj", ids[:2])
    after_delete = _shown(app)
    assert after_delete == _afresh(app)
    # p0 said no, p1 yes; p9's no came after.
    assert after_delete["verdict"][""][0] == [("yes", 5), ("no", 3)]


def test_a_group_emptied_and_filled_again_is_read_again(app):
    # Deleting every score of a group removes its statistics; new scores start its
    # version again from 1, so only the deletion count tells the two apart.
    ids = add_scores(app, [_score("p1", LABEL, "before")])
    assert _shown(app)["verdict"][""][0] == [("before", 1)]
    with app.app_context():
        scores.delete_scores("team", "proj", ids)
    assert _shown(app) == {}
    add_scores(app, [_score("p1", LABEL, "after")])
    assert _shown(app)["verdict"][""][0] == [("after", 1)]


def test_a_read_that_raced_a_write_is_not_remembered(app, monkeypatch):
    add_scores(app, [_score("p1", LABEL, "a")])
    real = storage.scope_values

    def with_a_write_in_between(*args, **kwargs):
        add_scores(app, [_score("p2", LABEL, "b")])
        return real(*args, **kwargs)

    monkeypatch.setattr(storage, "scope_values", with_a_write_in_between)
    raced = _shown(app)["verdict"][""][0]
    monkeypatch.setattr(storage, "scope_values", real)
    if raced == [("a", 1), ("b", 1)]:
        # The read saw the write (PostgreSQL reads each statement afresh): not remembered.
        assert distributions._cache == {}
    else:
        # The read kept its snapshot (SQLite's read transaction): exact for that moment.
        assert raced == [("a", 1)]
    assert _shown(app)["verdict"][""][0] == [("a", 1), ("b", 1)] == _afresh(app)["verdict"][""][0]


def test_what_is_remembered_stays_within_its_bytes(app, monkeypatch):
    monkeypatch.setattr(distributions, "CACHE_BYTES", 3000)
    add_scores(app, [_score("p1", LABEL, "x" * 100)])
    for number in range(2, 12):
        add_scores(app, [_score(f"p{number}", LABEL, f"label {number}")])
        _shown(app)
        assert distributions._cached_bytes <= 3000
        assert distributions._cached_bytes == sum(
            size for _r, size in distributions._cache.values()
        )
    assert 1 <= len(distributions._cache) < 10


def test_scorers_of_booleans_alone_are_not_read(app, monkeypatch):
    add_scores(app, [_score("p1", "exact", True), _score("p1", LABEL, "x")])
    asked = []
    real = storage.scope_values
    monkeypatch.setattr(storage, "scope_values", lambda *args: asked.append(args[3]) or real(*args))
    found = _shown(app)
    assert found["exact"] == {} and found["verdict"][""][0] == [("x", 1)]
    assert asked == [[storage.scorer_digest(LABEL)]]
