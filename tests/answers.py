"""Reading the API's answers in tests: FastAPI's errors, and JSON lines with their framing."""

import json


def errors_of(response) -> list[dict]:
    """The errors of a 422, which must be JSON."""
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    return response.get_json()["detail"]


def error_locs(response) -> list[tuple]:
    """(type, loc) of each error of a 422."""
    return [(error["type"], error["loc"]) for error in errors_of(response)]


def jsonl(response) -> list[dict]:
    """The objects of a list's 200: JSON lines, each ending in "\\n" alone, none blank."""
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Content-Type"] == "application/jsonl"
    text = response.get_data(as_text=True)
    if text:
        assert text.endswith("\n") and "\n\n" not in text and "\r" not in text
    return [json.loads(line) for line in text.splitlines()]
