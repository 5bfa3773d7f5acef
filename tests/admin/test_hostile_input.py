"""Hostile input to the pages: NUL where PostgreSQL cannot compare it, and redirects
that a browser would follow off the site."""

import pytest

from app.services import users
from app.services.errors import DomainError
from tests.admin.conftest import add_score, csrf_token, post_form, sign_in, text

PAGE = "/p/team/proj"
# Each survives a check for a leading "//" and is then read by a browser as
# another site (tab and newline are dropped, a backslash is a slash), or
# cannot go in a Location header at all.
OFF_SITE = ["/\t/evil.example", "/\n/evil.example", "/\\/evil.example", "/ /evil.example"]
UNSENDABLE = ["/a\r\nSet-Cookie: x=1", "/a\rb", "/a\nb"]


def test_nul_in_the_sign_in_username_is_a_wrong_password(app, client, user):
    response = sign_in(client, "te\x00ss")
    assert response.status_code == 401
    assert "Wrong username or password." in text(response)


def test_a_username_with_control_characters_cannot_be_created(app):
    with app.app_context(), pytest.raises(DomainError):
        users.create_user("bad\x00name", "long enough password")


@pytest.mark.parametrize(
    "name", ["author", "scorer", "prediction_id", "evaluation_run_id", "after", "before"]
)
def test_nul_in_a_filter_or_cursor_matches_nothing(app, signed_in, name):
    score_id = add_score(app)
    page = signed_in.get(PAGE, query_string={name: "a\x00b"})
    assert page.status_code == 200
    for kind in ("csv", "jsonl"):
        export = signed_in.get(f"{PAGE}/export.{kind}", query_string={name: "a\x00b"})
        assert export.status_code == 200
        body = text(export)
        if name not in ("after", "before"):  # a bad cursor is no cursor; filters match nothing
            assert score_id not in body
    if name not in ("after", "before"):
        assert score_id not in text(page)


def test_nul_in_a_key_prefix_to_revoke_is_no_such_key(app, signed_in):
    response = post_form(signed_in, "/keys/sk_%00abc/revoke", {}, form_page="/keys")
    assert response.status_code == 302
    assert "No such active key." in text(signed_in.get("/keys"))


@pytest.mark.parametrize("target", OFF_SITE + UNSENDABLE)
def test_sign_in_goes_nowhere_but_this_site(app, client, user, target):
    response = sign_in(client, user.username, next_path=target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("target", OFF_SITE + UNSENDABLE)
def test_bulk_delete_goes_back_nowhere_but_this_site(app, signed_in, target):
    score_id = add_score(app)
    token = csrf_token(signed_in, PAGE)
    data = {"csrf_token": token, "score_ids": [score_id], "back": target}
    response = signed_in.post(f"{PAGE}/delete", data={**data, "confirmed": "yes"})
    assert response.status_code == 302
    assert response.headers["Location"] == PAGE
