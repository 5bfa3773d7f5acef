"""Sessions end on the server: at sign-out, and when the password changes."""

from tests.admin.conftest import csrf_token, post_form, sign_in, text
from tests.builders import PASSWORD, make_user

NEW_PASSWORD = "a brand new password"


def _signed_in_client(app, username):
    client = app.test_client()
    assert sign_in(client, username).status_code == 302
    return client


def _cookie(client) -> str:
    return client.get_cookie("session").value


def _with_cookie(app, value: str):
    client = app.test_client()
    client.set_cookie("session", value)
    return client


def test_a_cookie_saved_before_signing_out_reads_nothing_after(app, user):
    client = _signed_in_client(app, user.username)
    saved = _cookie(client)
    assert _with_cookie(app, saved).get("/").status_code == 200
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    stolen = _with_cookie(app, saved)
    for path in ("/", "/keys", "/p/team/proj", "/account/password"):
        assert stolen.get(path).status_code == 302, path


def test_signing_out_on_one_device_leaves_the_other_signed_in(app, user):
    laptop = _signed_in_client(app, user.username)
    phone = _signed_in_client(app, user.username)
    laptop.post("/logout", data={"csrf_token": csrf_token(laptop, "/")})
    assert laptop.get("/").status_code == 302
    assert phone.get("/").status_code == 200


def test_changing_the_password_ends_every_other_session(app, user):
    here = _signed_in_client(app, user.username)
    elsewhere = _signed_in_client(app, user.username)
    saved = _cookie(elsewhere)
    response = post_form(
        here,
        "/account/password",
        {"current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert "Password changed" in text(here.get("/"))
    assert elsewhere.get("/").status_code == 302
    assert _with_cookie(app, saved).get("/").status_code == 302
    assert sign_in(app.test_client(), user.username).status_code == 401
    assert sign_in(app.test_client(), user.username, password=NEW_PASSWORD).status_code == 302


def test_the_password_page_wants_the_current_password_and_the_new_one_twice(app, user):
    client = _signed_in_client(app, user.username)
    page = client.get("/account/password")
    assert page.status_code == 200 and 'autocomplete="new-password"' in text(page)
    cases = [
        ({"current_password": "wrong guess", "new_password": NEW_PASSWORD}, 401),
        ({"current_password": PASSWORD, "new_password": "short"}, 400),
        ({"current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm": "other"}, 400),
    ]
    for data, status in cases:
        data.setdefault("confirm", data["new_password"])
        assert post_form(client, "/account/password", data).status_code == status, data
    # No token, no change.
    data = {"current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    assert client.post("/account/password", data=data).status_code == 400
    assert sign_in(app.test_client(), user.username).status_code == 302


def test_set_password_on_the_command_line_ends_every_session(app, user):
    client = _signed_in_client(app, user.username)
    result = app.test_cli_runner().invoke(
        args=["users", "set-password", user.username, "--password-stdin"],
        input=f"{NEW_PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert client.get("/").status_code == 302
    assert sign_in(app.test_client(), user.username, password=NEW_PASSWORD).status_code == 302


def test_set_password_refuses_an_unknown_user_and_a_short_password(app):
    make_user(app, "known")
    runner = app.test_cli_runner()
    unknown = runner.invoke(args=["users", "set-password", "nobody", "--password-stdin"], input="x")
    assert unknown.exit_code != 0 and "No user 'nobody'" in unknown.output
    short = runner.invoke(args=["users", "set-password", "known", "--password-stdin"], input="1\n")
    assert short.exit_code != 0 and "at least 8" in short.output


def test_a_session_older_than_a_cookie_can_be_is_ended_and_forgotten(app, user):
    from datetime import timedelta

    from sqlalchemy import func, select, update

    from app.extensions import db
    from app.models import UserSession
    from app.models._time import utcnow

    old = _signed_in_client(app, user.username)
    with app.app_context():
        aged = app.permanent_session_lifetime + timedelta(minutes=1)
        db.session.execute(update(UserSession).values(created_at=utcnow() - aged))
        db.session.commit()
    assert old.get("/").status_code == 302
    _signed_in_client(app, user.username)  # a new sign-in clears the old row
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(UserSession)) == 1
