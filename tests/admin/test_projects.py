"""The project page: rows, filters in the query string, keyset pages, permissions."""

import html
import re
import shlex
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest

from app.admin import filtering
from app.services import browse, score_summary
from tests.admin.conftest import add_score, text
from tests.admin.review_pages import visible
from tests.builders import basic, make_key

PAGE = "/p/team/proj"


def _unlabelled(html: str) -> str:
    """The markup without data-label attributes (test_table_labels.py checks those)."""
    return re.sub(r' data-label="[^"]*"', "", html)


def _row_ids(response) -> list[str]:
    return re.findall(r'name="score_ids" value="([^"]+)"', text(response))


@pytest.fixture
def three(app):
    """Three scores, oldest first, that differ in every filterable field."""
    return [
        add_score(
            app,
            prediction_id="p-a",
            scorer="weave:///team/proj/object/judge:v1",
            evaluation_run_id="run-1",
            author="alice",
            value={"ok": True, "s": 0.5},
        ),
        add_score(
            app,
            prediction_id="p-b",
            scorer="exact",
            evaluation_run_id="run-2",
            author="bob",
            source="ui",
            value=3,
        ),
        add_score(app, prediction_id="p-c", scorer="exact", author="alice", value="text"),
    ]


def test_rows_newest_first_with_every_column(app, signed_in, three):
    response = signed_in.get(PAGE)
    assert response.status_code == 200
    assert _row_ids(response) == three[::-1]
    page = text(response)
    assert 'title="weave:///team/proj/object/judge:v1" data-label="Scorer">judge:v1</td>' in page
    assert '<td class="value value-number clip" data-label="Value">3</td>' in page
    assert '<td class="value value-string clip" data-label="Value">&#34;text&#34;</td>' in page
    assert "run-2" in page and ">bob<" in page and 'tag-ui">ui<' in page
    assert "3 matching scores" in page


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("scorer=exact", [2, 1]),
        ("prediction_id=p-b", [1]),
        ("evaluation_run_id=run-1", [0]),
        ("author=alice", [2, 0]),
        ("source=ui", [1]),
        ("scorer=exact&author=alice", [2]),
        ("scorer=exact&sort=old", [1, 2]),
        ("prediction_id=none", []),
    ],
)
def test_filters_from_the_query_string(app, signed_in, three, query, expected):
    response = signed_in.get(f"{PAGE}?{query}")
    assert _row_ids(response) == [three[index] for index in expected]


def test_time_range_filters_by_id_time(app, signed_in, three):
    soon = (datetime.now(UTC) + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M")
    past = (datetime.now(UTC) - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M")
    assert _row_ids(signed_in.get(f"{PAGE}?since={soon}")) == []
    assert len(_row_ids(signed_in.get(f"{PAGE}?since={past}&until={soon}"))) == 3
    assert _row_ids(signed_in.get(f"{PAGE}?until={past}")) == []


def test_a_bad_time_is_shown_beside_its_field(app, signed_in, three):
    response = signed_in.get(f"{PAGE}?since=yesterday")
    assert 'id="since-error"' in text(response)
    assert len(_row_ids(response)) == 3


def test_a_project_without_scores_is_an_empty_project(app, signed_in, three):
    response = signed_in.get("/p/team/fresh")
    assert response.status_code == 200
    page = html.unescape(text(response))
    assert "No scores yet" in page
    assert 'href="/scores/new?entity=team&project=fresh"' in page
    assert (
        "curl -u api:$KEY -H 'Content-Type: application/json' \\\n"
        """  -d '{"prediction_id":"pred-1","scorer":"exact_match","value":1}' \\\n"""
        "  http://localhost/v2/team/fresh/scores"
    ) in page
    # Nothing to filter, summarise or export yet.
    assert "Filters" not in page and "Scorers" not in page and "Export CSV" not in page


def test_the_empty_projects_command_quotes_the_url_for_the_shell(app, signed_in):
    page = html.unescape(text(signed_in.get("/p/team/it's new")))
    assert "  'http://localhost/v2/team/it'\"'\"'s%20new/scores'" in page


def test_the_empty_projects_command_posts_a_score(app, client, signed_in, user):
    page = text(signed_in.get("/p/team/fresh"))
    shown = re.search(r'<pre class="command"[^>]*><code>(.*?)</code>', page, re.S).group(1)
    copied = re.search(r'data-copy="([^"]*)"', page).group(1)
    assert html.unescape(copied) == html.unescape(shown)
    words = shlex.split(html.unescape(shown).replace("$KEY", make_key(app, user)))
    username, key = words[words.index("-u") + 1].split(":", 1)
    response = client.post(
        urlsplit(words[-1]).path,
        data=words[words.index("-d") + 1],
        headers={"Content-Type": "application/json", **basic(key, username)},
    )
    assert response.status_code == 200, text(response)
    assert "No scores yet" not in text(signed_in.get("/p/team/fresh"))


def test_an_invalid_project_name_is_not_found(app, signed_in):
    assert signed_in.get("/p/team/" + "x" * 129).status_code == 404
    assert signed_in.get("/p/team/bad%01name").status_code == 404
    assert signed_in.get("/p/bad%7Fentity/proj").status_code == 404


def test_a_project_of_an_entity_you_may_not_use_is_forbidden_even_empty(app, signed_in):
    assert signed_in.get("/p/other/fresh").status_code == 403


def test_no_matches_has_its_own_empty_state(app, signed_in, three):
    page = text(signed_in.get(f"{PAGE}?author=nobody"))
    assert "No scores match" in page and "Clear the filters" in page
    assert "No scores yet" not in page


def _link(response, rel: str) -> str | None:
    match = re.search(rf'rel="{rel}" href="([^"]+)"', text(response))
    return match.group(1).replace("&amp;", "&") if match else None


def test_keyset_pages_forward_and_back(app, signed_in, monkeypatch):
    monkeypatch.setattr(filtering, "PAGE_SIZES", (3, 50))
    newest_first = sorted((add_score(app, prediction_id=f"p{n}") for n in range(7)), reverse=True)
    seen, url, response = [], f"{PAGE}?size=3", None
    while url:
        response = signed_in.get(url)
        seen.append(_row_ids(response))
        url = _link(response, "next")
    assert seen == [newest_first[0:3], newest_first[3:6], newest_first[6:7]]
    assert _row_ids(signed_in.get(_link(response, "prev"))) == newest_first[3:6]
    oldest = signed_in.get(f"{PAGE}?size=3&sort=old")
    assert _row_ids(oldest) == newest_first[::-1][:3]
    assert "size=3" in _link(oldest, "next") and "sort=old" in _link(oldest, "next")


def test_page_size_outside_the_choices_falls_back(app, signed_in):
    ids = [add_score(app, prediction_id=f"p{n}") for n in range(4)]
    assert len(_row_ids(signed_in.get(f"{PAGE}?size=2"))) == len(ids)


def test_a_rare_match_is_searched_a_window_at_a_time(app, signed_in, monkeypatch):
    monkeypatch.setattr(browse, "SCAN_WINDOW", 3)
    rare = add_score(app, author="rare")
    time.sleep(0.002)  # ids within one millisecond are not ordered
    for number in range(5):
        add_score(app, prediction_id=f"p{number}")
    first = signed_in.get(f"{PAGE}?author=rare")
    assert _row_ids(first) == [] and "Keep searching" in text(first)
    second = signed_in.get(_link(first, "next"))
    assert _row_ids(second) == [rare]


def _summary(page: str) -> str:
    """The summary card's visible text."""
    return visible(page.split('<section class="summary card"', 1)[1].split("</section>", 1)[0])


def test_summary_per_scorer_and_field(app, signed_in, three):
    add_score(app, scorer="exact", value=5)
    page = text(signed_in.get(PAGE))
    summary = _summary(page)
    assert "judge:v1 1 ok 1 100.0% true true true s 1 0.5 0.5 0.5" in summary
    # exact: the numbers 3 and 5, and one text label.
    assert "exact 3 value 2 4 3 5" in summary
    exact = _unlabelled(page.split(">exact</a>", 1)[1].split("</tbody>", 1)[0])
    assert "<svg" in exact and "<title>3: 1</title>" in exact and "<title>5: 1</title>" in exact
    assert "Exact over every matching score." in summary


def test_summary_follows_the_run_and_scorer_filters_exactly(app, signed_in, three):
    page = text(signed_in.get(f"{PAGE}?scorer=exact"))
    assert "judge:v1</a>" not in page and "2 matching scores" in page
    page = text(signed_in.get(f"{PAGE}?evaluation_run_id=run-1&scorer=judge"))
    assert re.search(r"\b1 matching score\s*<", page) and ">exact</a>" not in page
    assert "Exact over every matching score." in _summary(page)


def test_other_filters_are_summarised_from_the_matching_scores(app, signed_in, three):
    page = text(signed_in.get(f"{PAGE}?author=alice"))
    summary = _summary(page)
    assert "2 matching scores" in page
    assert "Exact over 2 scores, read for these filters." in summary
    assert "judge:v1 1 ok 1 100.0% true" in summary and "exact 1 value 1 text" in summary
    assert "text 1 100.0%" in summary  # the label's count
    page = text(signed_in.get(f"{PAGE}?source=ui&prediction_id=p-b"))
    assert "Exact over 1 score, read for these filters." in _summary(page)
    assert "exact 1 value 1 3 3 3" in _summary(page)


def test_a_filter_that_leaves_too_much_to_read_gets_no_summary(app, signed_in, three, monkeypatch):
    monkeypatch.setattr(score_summary, "SCAN_LIMIT", 2)
    page = text(signed_in.get(f"{PAGE}?source=api"))
    assert "No summary: these filters leave more than 2 scores to read." in page
    assert "Matching scores not counted" in page
    # Rows still list, and a narrower filter is summarised again.
    assert len(_row_ids(signed_in.get(f"{PAGE}?source=api"))) == 2
    assert "Exact over 1 score" in text(signed_in.get(f"{PAGE}?source=api&prediction_id=p-a"))


def test_distributions_need_a_run_or_a_small_project(app, signed_in, three, monkeypatch):
    monkeypatch.setattr(score_summary, "DISTRIBUTION_LIMIT", 2)
    page = text(signed_in.get(PAGE))
    assert "Distributions and label counts are shown for at most 2 scores" in page
    card = page.split('<section class="summary card"', 1)[1].split("</section>")[0]
    assert 'class="histogram"' not in card and 'class="labels"' not in card
    page = text(signed_in.get(f"{PAGE}?evaluation_run_id=run-2"))
    assert "Distributions and label counts" not in page
    assert "<title>3: 1</title>" in page


def test_the_scorer_filter_matches_a_short_name_as_well_as_the_ref(app, signed_in, three):
    newer = add_score(app, scorer="weave:///team/proj/object/judge:v2", value={"ok": False})
    other = add_score(app, scorer="weave:///team/proj/object/judge-2:v1", value=1)
    by_name = signed_in.get(f"{PAGE}?scorer=judge")
    assert _row_ids(by_name) == [newer, three[0]]
    assert "2 matching scores" in text(by_name)
    assert _row_ids(signed_in.get(f"{PAGE}?scorer=weave:///team/proj/object/judge:v1")) == [
        three[0]
    ]
    assert _row_ids(signed_in.get(f"{PAGE}?scorer=judge-2")) == [other]
    assert _row_ids(signed_in.get(f"{PAGE}?scorer=exact")) == [three[2], three[1]]
    # The datalist offers the short names first.
    options = re.findall(r'<option value="([^"]+)">', text(by_name))
    assert options[:3] == ["exact", "judge", "judge-2"]


def test_prediction_and_run_cells_link_to_their_pages(app, signed_in, three):
    page = text(signed_in.get(PAGE))
    for prediction_id in ("p-a", "p-b", "p-c"):
        assert f'href="/p/team/proj/predictions/{prediction_id}"' in page
    for run_id in ("run-1", "run-2"):
        assert f'href="/p/team/proj/runs/{run_id}"' in page


def test_other_entities_are_forbidden(app, signed_in):
    add_score(app, entity="other", project="proj")
    assert signed_in.get("/p/other/proj").status_code == 403
    assert signed_in.get("/p/other/proj/export.csv").status_code == 403


def test_injected_markup_shows_as_text(app, signed_in):
    evil = '<script>alert(1)</script><img src=x onerror="alert(2)">'
    add_score(app, prediction_id=evil, scorer=evil, evaluation_run_id=evil, value={"x": evil})
    page = text(signed_in.get(PAGE))
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_summary_skips_numbers_past_a_float_and_shows_boolean_extremes(app, signed_in, three):
    # Integers are stored exactly, however large; the summary cannot count them as numbers.
    add_score(app, scorer="huge", value={"n": 10**400, "ok": False, "m": 2})
    add_score(app, scorer="huge", value={"n": 3, "ok": True, "m": 4})
    response = signed_in.get(PAGE)
    assert response.status_code == 200
    summary = _summary(text(response))
    assert "huge 2 m 2 3 2 4" in summary
    assert "n 1 3 3 3" in summary
    assert "ok 2 50.0% true false true" in summary
