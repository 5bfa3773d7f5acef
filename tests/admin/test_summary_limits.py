"""The project page's per-scorer summary counts every value, however long, up to the body limit."""

import csv
import io
import json

from tests.admin.conftest import text
from tests.admin.review_pages import visible
from tests.builders import basic, make_api_user

PAGE = "/p/team/proj"
SCORES = "/v2/team/proj/scores"
# The old, sampled summary parsed values of up to 2,000 characters of stored JSON and
# only counted longer ones; the statistics now read every value. Bodies of up to 1 MiB
# are accepted (MAX_BODY_BYTES's default).
PARSE_LIMIT = 2_000
BODY_LIMIT = 1024 * 1024
SHELL = '{"score":0,"pad":""}'  # values are stored as compact JSON


def value_of_length(length: int, score: int, pad: str = "x") -> dict:
    """A value whose stored JSON is `length` characters: a one-digit score, then pad repeated."""
    return {"score": score, "pad": (pad * length)[: length - len(SHELL)]}


def body_of_size(size: int, scorer: str) -> bytes:
    """A create body of exactly `size` bytes, its value a long string."""
    shell = json.dumps({"prediction_id": "p", "scorer": scorer, "value": ""}).encode()
    return shell[:-2] + b"x" * (size - len(shell)) + shell[-2:]


def post(client, key: str, body) -> int:
    if isinstance(body, bytes):
        response = client.post(
            SCORES, data=body, headers={**basic(key), "Content-Type": "application/json"}
        )
    else:
        response = client.post(SCORES, json=body, headers=basic(key))
    return response.status_code


def stored_length(client, prediction_id: str) -> int:
    """The length of a score's value as stored: the CSV export shows the stored text."""
    export = text(client.get(f"{PAGE}/export.csv", query_string={"prediction_id": prediction_id}))
    (row,) = csv.DictReader(io.StringIO(export))
    return len(row["value"])


def summary_of(page: str) -> str:
    """The summary card's visible text."""
    return visible(page.split('<section class="summary card"', 1)[1].split("</section>", 1)[0])


def test_values_of_every_size_up_to_the_body_limit_are_all_counted(app, signed_in):
    _user, key = make_api_user(app)
    at_limit = {
        "ascii": value_of_length(PARSE_LIMIT, 1),
        # Characters, not bytes: two- and four-byte characters count one each.
        "wide": value_of_length(PARSE_LIMIT, 2, pad="é😀"),
    }
    over_limit = {
        "ascii+1": value_of_length(PARSE_LIMIT + 1, 3),
        "wide+1": value_of_length(PARSE_LIMIT + 1, 4, pad="é😀"),
    }
    for prediction_id, value in at_limit.items():
        body = {"prediction_id": prediction_id, "scorer": "at-limit", "value": value}
        assert post(signed_in, key, body) == 200
    for prediction_id, value in over_limit.items():
        body = {"prediction_id": prediction_id, "scorer": "over-limit", "value": value}
        assert post(signed_in, key, body) == 200
    # The largest body accepted, and one byte more, which is refused and never stored.
    assert post(signed_in, key, body_of_size(BODY_LIMIT, "over-limit")) == 200
    assert post(signed_in, key, body_of_size(BODY_LIMIT + 1, "over-limit")) == 413

    assert {name: stored_length(signed_in, name) for name in [*at_limit, *over_limit]} == {
        "ascii": PARSE_LIMIT,
        "wide": PARSE_LIMIT,
        "ascii+1": PARSE_LIMIT + 1,
        "wide+1": PARSE_LIMIT + 1,
    }

    # Every value is read whole, however long: each reaches its fields' statistics.
    summary = summary_of(text(signed_in.get(PAGE)))
    assert "at-limit 2 pad 2 text" in summary and "score 2 1.5 1 2" in summary
    assert "over-limit 3 value 1 text" in summary and "score 2 3.5 3 4" in summary
    assert "5 matching scores" in text(signed_in.get(PAGE))
