"""The admin summary's fold: which values count, how they are binned, and the fast parse."""

import json

import pytest

from app.services.summary import BINS, FieldStats, ScorerSummary, parse_json

TEXTS = [
    '{"correct":true,"score":0.86}',
    '{"n":' + "9" * 400 + "}",  # an integer past any float, kept exact
    "[1,2,3]",
    '"text"',
    "3.5",
    "null",
    '{"nested":{"a":[1,{"b":null}]},"s":"\\u00e9"}',
    " 7 ",  # spaces around: parsed by json.loads
    '{"a":1}\n',
    "NaN",
    "-Infinity",
]


@pytest.mark.parametrize("text", TEXTS)
def test_parse_json_gives_what_json_loads_gives(text):
    parsed, expected = parse_json(text), json.loads(text)
    assert type(parsed) is type(expected)
    assert json.dumps(parsed) == json.dumps(expected)


@pytest.mark.parametrize("text", ['{"a":1} {"b":2}', '{"a":', "", "tru"])
def test_parse_json_refuses_what_json_loads_refuses(text):
    with pytest.raises(json.JSONDecodeError) as expected:
        json.loads(text)
    with pytest.raises(json.JSONDecodeError) as refused:
        parse_json(text)
    assert str(refused.value) == str(expected.value)


def test_only_finite_numbers_and_booleans_are_counted():
    summary = ScorerSummary("s")
    summary.add(
        {
            "inf": float("inf"),
            "nan": float("nan"),
            "huge": 10**400,
            "text": "1",
            "none": None,
            "list": [1],
            "ok": True,
            "n": 2,
            "x": 0.5,
        }
    )
    summary.add(7)
    summary.add("not a number")
    assert summary.count == 3
    assert {name: stats.numbers for name, stats in summary.fields.items()} == {
        "ok": [1.0],
        "n": [2.0],
        "x": [0.5],
        "": [7.0],
    }
    assert summary.fields["ok"].is_boolean and not summary.fields["n"].is_boolean


def test_histogram_puts_the_largest_value_in_the_last_bin():
    stats = FieldStats("v", numbers=[float(n) for n in range(BINS + 1)])
    bins = stats.histogram
    assert len(bins) == BINS
    assert [count for _low, count in bins] == [1] * (BINS - 1) + [2]
    assert bins[0][0] == 0.0 and bins[-1][0] == pytest.approx(BINS - 1)


def test_histogram_of_one_value_and_of_booleans():
    assert FieldStats("v", numbers=[3.0, 3.0]).histogram == [(3.0, 2)]
    booleans = FieldStats("b", numbers=[1.0, 0.0, 1.0], booleans=3)
    assert booleans.histogram == [(0.0, 1), (1.0, 2)]
