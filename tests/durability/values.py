"""Score bodies whose values are hard to store exactly, and a strict comparison."""

import math
import random
from typing import Any

SCORER = "weave:///team/proj/object/exact_match:v1"
UNICODE_SCORER = "weave:///team/proj/object/sçörer-日本-🎯:v2"


def _nested(depth: int) -> Any:
    value: Any = {"leaf": [0.1, 2**65, "\u0000"]}
    for level in range(depth):
        value = [value] if level % 2 else {f"k{level}": value}
    return value


# Big integers beyond 64 bits, floats with no short binary form, -0.0, the
# extremes of a double, NUL and other escapes, astral characters, empty
# containers, deep but allowed nesting, key order.
TRICKY_VALUES: list[Any] = [
    0.1,
    2**64 + 1,
    -(2**70) - 3,
    123456789012345678901234567890123456789,
    0.30000000000000004,
    1e308,
    5e-324,
    -0.0,
    0,
    1.0,
    True,
    False,
    None,
    "",
    "\u0000",
    "nul\u0000inside\u0000",
    "héllo wörld ✓ 日本語 🎉 \U0001f9ea",
    "\u2028\u2029\u00a0\ufeff",
    '"quotes" \\ back\\slash /slash \n\t\r\b\f',
    "\x01\x1f\x7f",
    [],
    {},
    [None, True, False, 0, -1, 1.5, "s", [], {}],
    {"z": 1, "a": 2, "m": {"y": [3, 2, 1], "b": None}},
    {"": "", "ключ": "значение", "\u0000k": [0.1, 0.2, 0.3]},
    {"correct": True, "score": 0.75, "reason": "mostly right"},
    _nested(40),
    "x" * 2000,
]


def score_body(rng: random.Random, prediction_id: str, run_id: str, seq: int) -> dict:
    """A valid create body; its value is one of TRICKY_VALUES, bare or wrapped."""
    tricky = TRICKY_VALUES[seq % len(TRICKY_VALUES)]
    value = tricky if rng.random() < 0.5 else {"seq": seq, "v": tricky}
    body: dict[str, Any] = {
        "prediction_id": prediction_id,
        "scorer": UNICODE_SCORER if rng.random() < 0.2 else SCORER,
        "value": value,
    }
    draw = rng.random()
    if draw < 0.5:
        body["evaluation_run_id"] = run_id
    elif draw < 0.75:
        body["evaluation_run_id"] = None
    return body


def same_json(left: Any, right: Any) -> bool:
    """Equal as JSON values, strictly: 1 is not 1.0 nor True, -0.0 is not 0.0, key order counts."""
    if type(left) is not type(right):
        return False
    if isinstance(left, dict):
        return list(left) == list(right) and all(same_json(left[k], right[k]) for k in left)
    if isinstance(left, list):
        return len(left) == len(right) and all(map(same_json, left, right))
    if isinstance(left, float):
        return left == right and math.copysign(1, left) == math.copysign(1, right)
    return left == right


def matches(score: dict, score_id: str, body: dict) -> bool:
    """Whether a score object returned by the API is exactly the one created with body."""
    return (
        score.get("score_id") == score_id
        and same_json(score.get("prediction_id"), body["prediction_id"])
        and same_json(score.get("scorer"), body["scorer"])
        and "value" in score
        and same_json(score["value"], body["value"])
        and score.get("evaluation_run_id") == body.get("evaluation_run_id")
        and score.get("wb_user_id") == "loadtester"
    )


MODEL = "weave:///team/proj/object/model-日本:v3"
SPANS = [{"span_id": "span-1", "trace_id": "trace-\u00e9"}]


def prediction_body(rng: random.Random, tag: str, run_id: str | None, seq: int) -> dict:
    """A valid prediction body; its inputs carry the tag that tells it apart, and a tricky value."""
    tricky = TRICKY_VALUES[seq % len(TRICKY_VALUES)]
    body: dict[str, Any] = {
        "model": MODEL if rng.random() < 0.5 else "m",
        "inputs": {"tag": tag, "seq": seq, "value": tricky},
        "output": tricky if rng.random() < 0.5 else {"answer": tricky},
    }
    if run_id is not None:
        body["evaluation_run_id"] = run_id
    if rng.random() < 0.3:
        body["genai_span_ref"] = SPANS
    return body


def run_body(tag: str, source: str | None) -> dict:
    """A valid run body; its evaluation ref is the tag that tells it apart."""
    body: dict[str, Any] = {"evaluation": f"weave:///team/proj/object/{tag}:v0", "model": MODEL}
    if source is not None:
        body["source_evaluation_run_id"] = source
    return body


def prediction_matches(found: dict, prediction_id: str, body: dict) -> bool:
    """Whether a prediction returned by the API is exactly the one created with body."""
    return (
        found.get("prediction_id") == prediction_id
        and found.get("model") == body["model"]
        and same_json(found.get("inputs"), body["inputs"])
        and "output" in found
        and same_json(found["output"], body["output"])
        and found.get("evaluation_run_id") == body.get("evaluation_run_id")
        and found.get("genai_span_ref") == body.get("genai_span_ref")
        and found.get("wb_user_id") == "loadtester"
    )


def run_matches(found: dict, run_id: str, body: dict) -> bool:
    """Whether a run returned by the API is exactly the one created with body, still running."""
    return (
        found.get("evaluation_run_id") == run_id
        and found.get("evaluation") == body["evaluation"]
        and found.get("model") == body["model"]
        and found.get("source_evaluation_run_id") == body.get("source_evaluation_run_id")
        and (found.get("status"), found.get("finished_at"), found.get("summary"))
        == ("running", None, None)
    )
