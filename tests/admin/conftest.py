"""Helpers for the admin UI tests: real forms, real CSRF tokens, real sign-in."""

import re

import pytest

from app.services import scores
from app.validation import validate_score
from tests.builders import PASSWORD, make_user

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client, path: str) -> str:
    """Fetch a page and return the CSRF token of its (first) form."""
    response = client.get(path)
    match = _CSRF.search(response.get_data(as_text=True))
    assert match, f"no CSRF token on {path} ({response.status_code})"
    return match.group(1)


def sign_in(
    client, username: str, password: str = PASSWORD, next_path: str = "", forwarded_for=None
):
    """Sign in through the login form; return the response."""
    token = csrf_token(client, "/login")
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    return client.post(
        "/login",
        data={"csrf_token": token, "username": username, "password": password, "next": next_path},
        headers=headers,
    )


def post_form(client, path: str, data: dict, form_page: str | None = None, **kwargs):
    """POST a form with the CSRF token of the page it lives on (form_page, default path)."""
    token = csrf_token(client, form_page or path)
    return client.post(path, data={"csrf_token": token, **data}, **kwargs)


def add_score(
    app, entity="team", project="proj", author="someone", source="api", comment=None, **fields
):
    """Store a score through the service; return its id."""
    body = {
        "prediction_id": "pred-1",
        "scorer": "weave:///team/proj/object/exact_match:v1",
        "value": 1,
        **fields,
    }
    with app.app_context():
        return scores.create_score(
            entity, project, validate_score(body), author, source, comment=comment
        )


def text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def user(app):
    """A user who may use the entity 'team' only."""
    return make_user(app, "tess", entities=("team",))


@pytest.fixture
def signed_in(app, client, user):
    """The test client, signed in as `user`."""
    response = sign_in(client, user.username)
    assert response.status_code == 302, text(response)
    return client
