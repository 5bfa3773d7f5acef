"""The API keys page: list your own, create one shown once, revoke."""

import re

import pytest

from app.services import keys
from tests.admin.conftest import csrf_token, text
from tests.builders import basic, make_key, make_user


def test_lists_only_your_keys(app, signed_in, user):
    make_key(app, user)
    other = make_user(app, "other-user")
    with app.app_context():
        other_prefix = keys.create_key(other)[0].prefix
    page = text(signed_in.get("/keys"))
    assert page.count('class="mono" data-label="Prefix">sk_') == 1 and other_prefix not in page


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


def _create(signed_in, label: str):
    return signed_in.post(
        "/keys", data={"csrf_token": csrf_token(signed_in, "/keys"), "label": label}
    )


def _stored_labels(app, user) -> list:
    with app.app_context():
        return [record.label for record in keys.list_keys(user)]


def test_a_key_can_carry_a_label(app, signed_in, user):
    response = _create(signed_in, "  CI  ")
    assert response.status_code == 200
    assert "Your new key <q" in text(response) and ">CI</q>" in text(response)
    assert _stored_labels(app, user) == ["CI"]
    row = (
        text(signed_in.get("/keys"))
        .split('class="mono" data-label="Prefix">sk_', 1)[1]
        .split("</tr>", 1)[0]
    )
    assert ">CI</td>" in row


def test_an_empty_label_is_none(app, signed_in, user):
    assert _create(signed_in, "   ").status_code == 200
    assert _stored_labels(app, user) == [None]


def test_a_label_of_64_characters_is_fine(app, signed_in, user):
    assert _create(signed_in, "é" * 64).status_code == 200
    assert _stored_labels(app, user) == ["é" * 64]


@pytest.mark.parametrize(
    ("label", "message"),
    [
        ("x" * 65, "Label should have at most 64 characters"),
        ("laptop\x1b[2J", "Label should not contain control characters"),
        ("CI\u202eevil", "Label should not contain control characters"),
        ("tab\there", "Label should not contain control characters"),
    ],
)
def test_a_bad_label_is_shown_beside_the_field(app, signed_in, user, label, message):
    response = _create(signed_in, label)
    assert response.status_code == 422
    page = text(response)
    assert f'<p class="error" id="label-error">{message}</p>' in page
    field = re.search(r'<input[^>]*id="label"[^>]*>', page).group()
    assert 'aria-invalid="true"' in field and "label-error" in field
    assert 'id="new-key"' not in page
    assert _stored_labels(app, user) == []
