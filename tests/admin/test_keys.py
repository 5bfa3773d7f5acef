"""The API keys page: list your own, create one shown once, revoke."""

import re

from app.services import keys
from tests.admin.conftest import csrf_token, text
from tests.builders import basic, make_key, make_user


def test_lists_only_your_keys(app, signed_in, user):
    make_key(app, user)
    other = make_user(app, "other-user")
    with app.app_context():
        other_prefix = keys.create_key(other)[0].prefix
    page = text(signed_in.get("/keys"))
    assert page.count('class="mono">sk_') == 1 and other_prefix not in page


def test_empty_state(app, signed_in):
    assert "No keys yet" in text(signed_in.get("/keys"))


def test_create_shows_the_key_once_and_it_works(app, client, signed_in):
    response = signed_in.post("/keys", data={"csrf_token": csrf_token(signed_in, "/keys")})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    key = re.search(r'id="new-key">(sk_[^<]+)<', text(response)).group(1)
    assert client.get("/v2/team/proj/scores/nope", headers=basic(key)).status_code == 404
    page = text(signed_in.get("/keys"))
    assert key not in page and key[:12] in page


def test_revoke_your_key(app, client, signed_in, user):
    key = make_key(app, user)
    response = signed_in.post(
        f"/keys/{key[:12]}/revoke", data={"csrf_token": csrf_token(signed_in, "/keys")}
    )
    assert response.headers["Location"] == "/keys"
    assert f"Revoked key {key[:12]}" in text(signed_in.get("/keys"))
    assert client.get("/v2/team/proj/scores/x", headers=basic(key)).status_code == 401


def test_cannot_revoke_another_users_key(app, client, signed_in):
    other_key = make_key(app, make_user(app, "owner"))
    signed_in.post(
        f"/keys/{other_key[:12]}/revoke", data={"csrf_token": csrf_token(signed_in, "/keys")}
    )
    assert "No such active key." in text(signed_in.get("/keys"))
    assert client.get("/v2/team/proj/scores/x", headers=basic(other_key)).status_code != 401


def test_key_forms_need_a_token(app, signed_in, user):
    key = make_key(app, user)
    assert signed_in.post("/keys").status_code == 400
    assert signed_in.post(f"/keys/{key[:12]}/revoke").status_code == 400
