"""The scorer filter by short name: every version, merged in id order, paged and exported."""

import csv
import io
import re

import pytest

from app.services import browse
from tests.admin.conftest import text
from tests.builders import add_scores

PAGE = "/p/team/proj"
V1 = "weave:///team/proj/object/judge:v1"
V2 = "weave:///team/proj/object/judge:v2"


def _row_ids(response) -> list[str]:
    return re.findall(r'name="score_ids" value="([^"]+)"', text(response))


def _link(response, rel: str) -> str | None:
    match = re.search(rf'rel="{rel}" href="([^"]+)"', text(response))
    return match.group(1).replace("&amp;", "&") if match else None


@pytest.fixture
def versions(app):
    """Sixty scores alternating between two versions of judge (and another scorer)."""
    ids = []
    for number in range(60):
        scorer = (V1, V2, "other")[number % 3]
        author = "alice" if number % 2 else "bob"
        (score_id,) = add_scores(
            app, [{"prediction_id": f"p{number}", "scorer": scorer, "value": number}], author=author
        )
        ids.append((score_id, scorer, author))
    return ids


@pytest.mark.parametrize("sort", ["new", "old"])
def test_pages_of_a_short_name_merge_its_versions_in_order(app, signed_in, versions, sort):
    judged = [score_id for score_id, scorer, _ in versions if scorer != "other"]
    if sort == "new":
        judged.reverse()
    response = signed_in.get(f"{PAGE}?scorer=judge&size=25&sort={sort}")
    seen = _row_ids(response)
    while _link(response, "next"):
        response = signed_in.get(_link(response, "next"))
        seen += _row_ids(response)
    assert seen == judged
    back = signed_in.get(_link(response, "prev"))
    assert _row_ids(back) == judged[:25]
    assert "40 matching scores" in text(back)


def test_a_short_name_with_a_window_filter_and_the_export(app, signed_in, versions, monkeypatch):
    monkeypatch.setattr(browse, "SCAN_WINDOW", 7)
    wanted = [i for i, scorer, author in versions if scorer != "other" and author == "alice"]
    response = signed_in.get(f"{PAGE}?scorer=judge&author=alice&sort=old&size=25")
    seen = _row_ids(response)
    while _link(response, "next"):
        response = signed_in.get(_link(response, "next"))
        seen += _row_ids(response)
    assert seen == wanted
    export = text(signed_in.get(f"{PAGE}/export.csv?scorer=judge&sort=old"))
    rows = list(csv.DictReader(io.StringIO(export)))
    assert [row["scorer"] for row in rows] == [s for _, s, _ in versions if s != "other"]
