"""The leaves of a value: paths kept up to their limit, however the walk remembers them."""

import json

import pytest

from app.score_values import MAX_PATH_LENGTH, ROOT_PATH, TEXT, leaves, path_text


def _key_for(length: int, fill: str = "k") -> str:
    """A key whose one-key path is exactly `length` characters: ["..."] is 4 more."""
    return fill * (length - 4)


@pytest.mark.parametrize("repeat", [1, 2])  # the second walk meets remembered paths
def test_a_path_at_the_limit_is_kept_and_one_over_is_skipped(repeat):
    at, over = _key_for(MAX_PATH_LENGTH), _key_for(MAX_PATH_LENGTH + 1)
    assert len(path_text((at,))) == MAX_PATH_LENGTH
    for _ in range(repeat):
        found, skipped = leaves({at: 1, over: 2})
        assert [leaf.path for leaf in found] == [ROOT_PATH, path_text((at,))]
        assert skipped == 1


def test_a_key_that_fits_but_whose_json_does_not_is_skipped():
    # Each quote is one character but two in JSON: the path outgrows the limit.
    key = '"' * (MAX_PATH_LENGTH - 4)
    assert len(key) < MAX_PATH_LENGTH < len(path_text((key,)))
    found, skipped = leaves({key: True, "ok": 1})
    assert [leaf.path for leaf in found] == [ROOT_PATH, json.dumps(["ok"])]
    assert skipped == 1


def test_a_nested_path_counts_every_key():
    half = "h" * (MAX_PATH_LENGTH // 2)
    found, skipped = leaves({half: {half: 1}, "x": {"y": 2}})
    assert [leaf.path for leaf in found] == [ROOT_PATH, '["x","y"]']
    assert skipped == 1


def test_text_leaves_carry_their_text():
    found, _ = leaves({"label": "good", "n": 1, "b": False})
    assert [(leaf.path, leaf.kind, leaf.text) for leaf in found if leaf.kind == TEXT] == [
        ('["label"]', TEXT, "good")
    ]
    assert leaves("alone")[0][0].text == "alone"
    assert all(leaf.text is None for leaf in found if leaf.kind != TEXT)
