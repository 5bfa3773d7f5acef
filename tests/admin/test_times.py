"""Every relative time in the UI is a <time> that shows the exact UTC time on hover."""

import re
from datetime import UTC, datetime
from html.parser import HTMLParser

from app.admin.templating import exacttime
from app.services import keys
from tests.admin.conftest import add_score, text
from tests.builders import make_key, post_score

RELATIVE = re.compile(r"\b(?:ago|just now)\b")


class TimeParser(HTMLParser):
    """The <time> elements of a page, and its text outside them."""

    def __init__(self):
        super().__init__()
        self.times: list[tuple[dict, str]] = []
        self.outside: list[str] = []
        self._open: dict | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "time":
            self._open, self._text = dict(attrs), []

    def handle_endtag(self, tag):
        if tag == "time" and self._open is not None:
            self.times.append((self._open, "".join(self._text)))
            self._open = None

    def handle_data(self, data):
        (self._text if self._open is not None else self.outside).append(data)


def times_of(html: str) -> TimeParser:
    parser = TimeParser()
    parser.feed(html)
    return parser


def assert_every_time_has_its_exact_moment(html: str, expected: int) -> None:
    parsed = times_of(html)
    assert len(parsed.times) == expected, parsed.times
    for attrs, shown in parsed.times:
        assert RELATIVE.search(shown), shown
        moment = datetime.fromisoformat(attrs["datetime"])
        assert moment.utcoffset().total_seconds() == 0, attrs
        assert attrs["title"] == exacttime(moment), attrs
    stray = RELATIVE.findall(" ".join(parsed.outside))
    assert not stray, "a relative time outside <time>"


def test_project_page_times(app, signed_in):
    for number in range(3):
        add_score(app, prediction_id=f"p{number}")
    html = text(signed_in.get("/p/team/proj"))
    assert_every_time_has_its_exact_moment(html, expected=3)


def test_score_page_time(app, signed_in):
    score_id = add_score(app)
    html = text(signed_in.get(f"/p/team/proj/scores/{score_id}"))
    assert_every_time_has_its_exact_moment(html, expected=1)


def test_home_page_times(app, signed_in):
    add_score(app, project="alpha")
    add_score(app, project="beta")
    assert_every_time_has_its_exact_moment(text(signed_in.get("/")), expected=2)


def test_keys_page_times_created_used_and_revoked(app, client, signed_in, user):
    used = make_key(app, user)
    post_score(client, used)
    revoked = make_key(app, user)
    with app.app_context():
        keys.revoke_key(revoked[:12])
    make_key(app, user)
    html = text(signed_in.get("/keys"))
    # Three created, one last used, one revoked; the unused ones say "never".
    assert_every_time_has_its_exact_moment(html, expected=5)
    assert html.count(">never<") == 2


def test_the_exact_time_is_utc_to_the_millisecond():
    moment = datetime(2026, 12, 6, 21, 4, 34, 123456, tzinfo=UTC)
    assert exacttime(moment) == "2026-12-06 21:04:34.123 UTC"
