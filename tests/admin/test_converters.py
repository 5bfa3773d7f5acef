"""Run and prediction ids in paths: readable when they can be, exact always."""

from urllib.parse import unquote

import pytest

from app.admin.converters import decode_id, encode_id

# (id, its path): plain ids keep their slashes and are percent-encoded; ids a browser or
# the router would change (empty, '.' or '..' parts, a leading '~') become '~' + base64url.
CASES = [
    ("run-1", "run-1"),
    ("a/b/c", "a/b/c"),
    ("sp ace?#%&+=", "sp%20ace%3F%23%25%26%2B%3D"),
    ("ünï/路", "%C3%BCn%C3%AF/%E8%B7%AF"),
    ("a.b/..c/d..", "a.b/..c/d.."),
    ("mid~tilde", "mid~tilde"),
    ("", "~"),
    ("/lead", "~L2xlYWQ"),
    ("trail/", "~dHJhaWwv"),
    ("dou//ble", "~ZG91Ly9ibGU"),
    (".", "~Lg"),
    ("..", "~Li4"),
    ("a/./b", "~YS8uL2I"),
    ("a/../b", "~YS8uLi9i"),
    ("~x", "~fng"),
]


@pytest.mark.parametrize(("value", "path"), CASES)
def test_each_kind_of_id_has_its_path_and_reads_back(value, path):
    assert encode_id(value) == path
    assert decode_id(_as_routed(path)) == value


def _as_routed(path: str) -> str:
    """The path as the router hands it to the converter: percent-decoded."""
    return unquote(path)


def test_a_long_id_round_trips():
    for value in ("r" * 256, "/" + "é" * 255):
        assert decode_id(_as_routed(encode_id(value))) == value


@pytest.mark.parametrize("path", ["~not base64!", "~a+b/", "~__8"])
def test_a_tilde_path_that_is_no_encoding_reads_as_itself(path):
    # Characters outside base64url; "~__8" is base64url of bytes that are not UTF-8.
    assert decode_id(path) == path
