"""Sign in, sign out, CSRF on the forms, slowing down guessers, no session fixation."""

from urllib.parse import unquote

from tests.admin.conftest import csrf_token, sign_in, text


def test_pages_redirect_to_login_when_signed_out(client):
    response = client.get("/p/team/proj?scorer=x")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/p/team/proj?scorer%3Dx"


def test_redirect_to_login_adds_no_stray_question_mark(client):
    assert client.get("/").headers["Location"] in ("/login?next=/", "/login?next=%2F")
    assert client.get("/keys").headers["Location"] == "/login?next=/keys"
    assert client.get("/keys?").headers["Location"] == "/login?next=/keys"


def test_signing_in_from_the_redirect_lands_on_the_page(app, client, user):
    location = client.get("/keys").headers["Location"]
    next_path = location.split("next=", 1)[1]
    response = sign_in(client, user.username, next_path=unquote(next_path))
    assert response.headers["Location"] == "/keys"


def test_login_page_has_labelled_fields_and_a_token(client):
    page = text(client.get("/login"))
    assert '<label for="username">Username</label>' in page
    assert '<label for="password">Password</label>' in page
    assert 'name="csrf_token"' in page


def test_sign_in_goes_to_next_and_shows_the_user(app, client, user):
    response = sign_in(client, user.username, next_path="/keys")
    assert response.status_code == 302
    assert response.headers["Location"] == "/keys"
    assert user.username in text(client.get("/"))


def test_sign_in_never_redirects_off_site(app, client, user):
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        response = sign_in(client, user.username, next_path=target)
        assert response.headers["Location"] == "/"
        client.post("/logout", data={"csrf_token": csrf_token(client, "/")})


def test_wrong_password_is_refused_beside_the_field(app, client, user):
    response = sign_in(client, user.username, password="wrong password")
    assert response.status_code == 401
    assert 'id="password-error"' in text(response)
    assert "Wrong username or password." in text(response)
    assert client.get("/").status_code == 302


def test_unknown_user_gets_the_same_message(client):
    response = sign_in(client, "nobody", password="whatever123")
    assert response.status_code == 401
    assert "Wrong username or password." in text(response)


def test_empty_fields_are_required(client):
    response = client.post("/login", data={"csrf_token": csrf_token(client, "/login")})
    assert response.status_code == 400
    assert "This field is required." in text(response)


def test_login_without_csrf_token_is_refused(app, client, user):
    response = client.post(
        "/login", data={"username": user.username, "password": "correct horse battery"}
    )
    assert response.status_code == 400
    assert "form expired" in text(response)
    assert client.get("/").status_code == 302


def test_repeated_failures_are_slowed_down(app, client, user):
    for _ in range(5):
        assert sign_in(client, user.username, password="bad guess!").status_code == 401
    # Even the right password waits now: a guesser learns nothing.
    response = sign_in(client, user.username)
    assert response.status_code == 429
    assert "Too many failed attempts" in text(response)


def test_sign_in_starts_a_fresh_session(app, client, user):
    client.get("/login")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
        old_token = session.get("csrf_token")
    sign_in(client, user.username)
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session.get("csrf_token") != old_token


def test_sign_out_needs_a_token_and_ends_the_session(app, client, user):
    sign_in(client, user.username)
    assert client.post("/logout").status_code == 400
    assert client.get("/").status_code == 200
    response = client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert response.headers["Location"] == "/login"
    assert client.get("/").status_code == 302
