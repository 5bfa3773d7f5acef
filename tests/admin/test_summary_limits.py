"""The project page's per-scorer summary counts every value, however long, up to the body limit."""

import csv
import io
import json
import re

from tests.admin.conftest import text
from tests.builders import basic, make_api_user

PAGE = "/p/team/proj"
SCORES = "/v2/team/proj/scores"
# The summary parses values of up to 2,000 characters of stored JSON; longer ones are
# only counted. Bodies of up to 1 MiB are accepted (MAX_BODY_BYTES's default).
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


def summary_of(page: str, scorer: str) -> str:
    """The summary's rows for one scorer: from its header cell to the next scorer's."""
    section = page[page.index('<section class="summary card"') :]
    section = section[: section.index("</section>")]
    start = section.index(f'title="{scorer}"')
    end = section.find('<tr class="scorer-row">', start)
    return section[start : end if end != -1 else len(section)]


def scorer_count(block: str) -> int:
    """The count shown beside the scorer's name."""
    match = re.search(r'<span class="muted">([\d,]+)</span>', block)
    assert match, f"no count in: {block}"
    return int(match.group(1).replace(",", ""))


def field_count(block: str, field: str) -> int:
    """The count shown in the row of one field of the scorer's values."""
    match = re.search(rf'<td[^>]*>{field}</td>\s*<td class="num"[^>]*>([\d,]+)</td>', block)
    assert match, f"no row for the field {field!r} in: {block}"
    return int(match.group(1).replace(",", ""))


def test_values_at_and_over_each_size_limit_are_all_counted(app, signed_in):
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

    page = text(signed_in.get(PAGE))
    at = summary_of(page, "at-limit")
    assert scorer_count(at) == 2
    # At the limit a value is still read: both scores reach the field's statistics.
    assert field_count(at, "score") == 2
    assert scorer_count(summary_of(page, "over-limit")) == 3
