"""The sign-in throttle holds under a burst and across workers (its counts are in the database)."""

import http.client
import re
import threading
from datetime import timedelta
from urllib.parse import urlencode, urlsplit

from app import create_app
from app.models._time import utcnow
from app.services import throttle
from tests.admin.conftest import sign_in, text
from tests.builders import PASSWORD

BURST = 60
FREE_FAILURES = 5


def _login_form(base: str) -> tuple[str, str]:
    """A session cookie and its CSRF token, from GET /login."""
    connection = http.client.HTTPConnection(urlsplit(base).netloc, timeout=30)
    connection.request("GET", "/login")
    response = connection.getresponse()
    page = response.read().decode()
    cookie = response.getheader("Set-Cookie").split(";", 1)[0]
    connection.close()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    return cookie, token


def test_a_burst_of_sign_ins_gets_no_more_guesses_than_one_at_a_time(app, live_server, user):
    forms = [_login_form(live_server) for _ in range(BURST)]
    start = threading.Barrier(BURST)
    statuses: list[int] = []

    def attempt(cookie: str, token: str, password: str) -> None:
        body = urlencode({"csrf_token": token, "username": user.username, "password": password})
        connection = http.client.HTTPConnection(urlsplit(live_server).netloc, timeout=60)
        headers = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
        start.wait()
        connection.request("POST", "/login", body=body, headers=headers)
        statuses.append(connection.getresponse().status)
        connection.close()

    # One of the burst knows the password, as a guesser who got lucky would.
    threads = [
        threading.Thread(target=attempt, args=(*form, PASSWORD if n == BURST - 1 else "guess"))
        for n, form in enumerate(forms)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    wrong_guesses_checked = statuses.count(401)
    assert len(statuses) == BURST
    assert wrong_guesses_checked <= FREE_FAILURES, sorted(statuses)
    assert set(statuses) <= {302, 401, 429}


def test_failures_in_one_worker_count_in_another(app, database_url, user):
    # Two apps on one database, as two gunicorn workers are.
    other_worker = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "PASSWORD_HASH_METHOD": app.config["PASSWORD_HASH_METHOD"],
        }
    )
    try:
        workers = [app.test_client(), other_worker.test_client()]
        for attempt in range(FREE_FAILURES):
            response = sign_in(workers[attempt % 2], user.username, password="guess")
            assert response.status_code == 401
        for client in workers:
            response = sign_in(client, user.username)
            assert response.status_code == 429
            assert "Too many failed attempts" in text(response)
    finally:
        with other_worker.app_context():
            from app.extensions import db

            db.session.remove()
            db.engine.dispose()


def test_a_success_clears_the_count_of_the_username(app, client, user):
    for _ in range(FREE_FAILURES - 1):
        assert sign_in(client, user.username, password="guess").status_code == 401
    assert sign_in(client, user.username).status_code == 302
    # The address keeps its four failures, the username starts again: one more guess is free.
    assert sign_in(app.test_client(), user.username, password="guess").status_code == 401


def test_behind_a_proxy_each_client_address_is_counted_apart(make_app, database_url, monkeypatch):
    monkeypatch.setenv("PROXY_HOPS", "1")
    application = make_app(database_url)
    from tests.builders import make_user

    for name in ("first", "second"):
        make_user(application, name)
    guesser, other = application.test_client(), application.test_client()
    for n in range(FREE_FAILURES + 1):
        response = sign_in(guesser, f"nobody{n}", password="guess", forwarded_for="203.0.113.7")
        assert response.status_code == (401 if n < FREE_FAILURES else 429)
    # Through the same proxy, another client's address has no failures.
    assert sign_in(other, "second", forwarded_for="198.51.100.2").status_code == 302


def test_sign_ins_racing_from_one_address_never_wait_without_failures(app):
    """Two people sign in from one address at once: the one whose clock was read first
    commits second. Below the free failures neither is made to wait."""
    later = utcnow()
    with app.app_context():
        assert throttle.reserve(throttle.throttle_keys("bob", "10.0.0.1"), later) == 0
        earlier = later - timedelta(seconds=2)
        assert throttle.reserve(throttle.throttle_keys("ann", "10.0.0.1"), earlier) == 0
