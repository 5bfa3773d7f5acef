"""Headers, no inline script, error pages in HTML for the UI and JSON for the API."""

import re

import pytest

from tests.admin.conftest import add_score, text

PAGES = ("/", "/p/team/proj", "/scores/new", "/keys", "/nowhere")


def test_security_headers_on_ui_pages(app, signed_in):
    add_score(app)
    for path in (*PAGES, "/login", "/static/css/app.css"):
        response = signed_in.get(path)
        response.close()
        headers = response.headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"


def test_api_keeps_its_own_headers(client):
    response = client.get("/health")
    assert response.is_json and "Content-Security-Policy" not in response.headers


def test_no_inline_script_or_handlers(app, signed_in):
    score_id = add_score(app)
    for path in (
        *PAGES,
        f"/p/team/proj/scores/{score_id}",
        f"/p/team/proj/scores/{score_id}/delete",
    ):
        page = text(signed_in.get(path))
        assert not re.search(r"<script(?![^>]*\bsrc=)", page), path
        assert not re.search(r"\son[a-z]+\s*=", page), path
        assert "style=" not in page, path


def test_session_cookie_flags(app, client, user):
    from tests.admin.conftest import sign_in

    response = sign_in(client, user.username)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_secure_cookie_when_configured(app, client, user):
    app.config["SESSION_COOKIE_SECURE"] = True
    from tests.admin.conftest import sign_in

    assert "Secure" in sign_in(client, user.username).headers["Set-Cookie"]


def test_friendly_404_and_403_pages(app, signed_in):
    missing = signed_in.get("/nowhere")
    assert missing.status_code == 404 and missing.mimetype == "text/html"
    assert "There is nothing here" in text(missing)
    forbidden = signed_in.get("/p/other/proj")
    assert forbidden.status_code == 403 and "You do not have access" in text(forbidden)


@pytest.fixture
def broken_app(app):
    @app.get("/boom")
    def _boom():
        raise RuntimeError("kaput")

    return app


def test_friendly_500_page_hides_details(broken_app, caplog):
    response = broken_app.test_client().get("/boom")
    assert response.status_code == 500 and response.mimetype == "text/html"
    assert "Something went wrong" in text(response) and "kaput" not in text(response)


def test_api_errors_stay_json(client):
    response = client.get("/v2/nowhere")
    assert response.status_code == 404 and response.is_json
