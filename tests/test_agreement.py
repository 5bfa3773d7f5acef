"""Agreement statistics against worked examples with published values."""

import pytest

from app.services.agreement import (
    INTERVAL,
    NOMINAL,
    agreement,
    cohen_kappa,
    krippendorff_alpha,
    level_of,
    percent_agreement,
)

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", the example with
# four coders, twelve units and missing values: alpha is 0.743 (nominal), 0.849 (interval).
_ = None
CODERS = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, _, _, _],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, _, 3],
    [_, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, _],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, _],
]
UNITS = [list(unit) for unit in zip(*CODERS, strict=True)]


def test_krippendorffs_own_example_nominal_and_interval():
    assert krippendorff_alpha(UNITS, NOMINAL) == pytest.approx(0.743, abs=5e-4)
    assert krippendorff_alpha(UNITS, INTERVAL) == pytest.approx(0.849, abs=5e-4)


def test_labels_are_categories_whatever_they_are():
    labels = {1: "a", 2: "b", 3: "c", 4: "d", 5: "e"}
    as_labels = [[None if v is None else labels[v] for v in unit] for unit in UNITS]
    assert krippendorff_alpha(as_labels, NOMINAL) == pytest.approx(0.743, abs=5e-4)


def test_cohens_kappa_of_the_textbook_yes_no_table():
    # 50 items: both yes 20, first yes second no 5, first no second yes 10, both no 15.
    # Observed agreement 0.7, chance agreement 0.5: kappa 0.4.
    first = [True] * 25 + [False] * 25
    second = [True] * 20 + [False] * 5 + [True] * 10 + [False] * 15
    assert cohen_kappa(first, second) == pytest.approx(0.4)
    assert percent_agreement(list(zip(first, second, strict=True))) == pytest.approx(0.7)


def test_perfect_and_chance_agreement():
    assert cohen_kappa(["a", "b", "a", "b"], ["a", "b", "a", "b"]) == pytest.approx(1.0)
    # Agreement exactly at chance level: kappa 0.
    assert cohen_kappa(["a", "a", "b", "b"], ["a", "b", "a", "b"]) == pytest.approx(0.0)


def test_percent_agreement_counts_every_pair_of_raters_per_item():
    # Item one: 3 pairs, 1 agreeing; item two: 1 pair, agreeing; item three: one rating.
    units = [["x", "x", "y"], ["z", None, "z"], ["q", None, None]]
    assert percent_agreement(units) == pytest.approx(2 / 4)


def test_true_and_one_are_not_the_same_answer_but_one_and_one_point_oh_are():
    assert percent_agreement([[True, 1]]) == 0.0
    assert percent_agreement([[1, 1.0]]) == 1.0


def test_undefined_statistics_are_none_not_an_error():
    assert cohen_kappa(["a", "a"], ["a", "a"]) is None  # one category only
    assert cohen_kappa(["a"], ["b"]) is None  # fewer than two items
    assert krippendorff_alpha([["a", None], [None, "b"]], NOMINAL) is None  # none rated twice
    assert krippendorff_alpha([[2, 2], [2, 2]], INTERVAL) is None  # no variation
    assert percent_agreement([["a"], [None, "b"]]) is None


def test_the_level_follows_the_values():
    assert level_of([1, 2.5, None]) == INTERVAL
    assert level_of([True, False]) == NOMINAL
    assert level_of(["good", "bad"]) == NOMINAL


def test_agreement_gives_kappa_for_two_raters_only():
    two = agreement([[True, True], [False, True], [True, True], [False, False]])
    assert (two.level, two.units, two.kappa is not None) == (NOMINAL, 4, True)
    assert two.percent == pytest.approx(0.75)
    three = agreement(UNITS, NOMINAL)
    assert three.kappa is None
    assert three.alpha == pytest.approx(0.743, abs=5e-4)
