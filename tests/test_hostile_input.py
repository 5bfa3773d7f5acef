"""Hostile input: huge bodies, SQL and script payloads, path tricks, header injection,
and secrets that must never show up in logs or error bodies."""

import contextlib
import io
import json
import logging
import re
import socket

import pytest

from tests.builders import PASSWORD, basic, make_api_user, post_score, score_body

URL = "/v2/team/proj/scores"
PAYLOADS = [
    "'; DROP TABLE scores; --",
    '" OR 1=1 --',
    "%' OR '%'='",
    "1; SELECT pg_sleep(5)",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "{{7*7}}",
    "../../etc/passwd",
    "\\x00\\n\\r",
    "line\r\nInjected-Header: yes",
]


@pytest.fixture
def key(app):
    return make_api_user(app, admin=True)[1]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payloads_in_every_field_are_stored_verbatim(client, key, payload):
    score_id = post_score(
        client,
        key,
        prediction_id=payload,
        scorer=payload,
        value={payload: payload},
        evaluation_run_id=payload,
    )
    body = client.get(f"{URL}/{score_id}", headers=basic(key)).get_json()
    assert body["prediction_id"] == body["scorer"] == body["evaluation_run_id"] == payload
    assert body["value"] == {payload: payload}
    listed = client.get(URL, query_string={"evaluation_run_id": payload}, headers=basic(key))
    assert [
        json.loads(line)["score_id"] for line in listed.get_data(as_text=True).splitlines()
    ] == [score_id]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payloads_in_filters_and_ids_are_harmless(client, key, payload):
    keep = post_score(client, key)
    for response in (
        client.get(URL, query_string={"evaluation_run_id": payload}, headers=basic(key)),
        client.get(f"{URL}/{payload.replace('/', '%2F')}", headers=basic(key)),
        client.delete(URL, query_string={"score_ids": [payload]}, headers=basic(key)),
    ):
        assert response.status_code in (200, 404)
        assert response.mimetype in ("application/json", "application/jsonl")
    assert client.get(f"{URL}/{keep}", headers=basic(key)).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/v2/../v2/team/proj/scores",
        "/v2/team/%2e%2e/scores",
        "/v2/team/proj%2Fother/scores",
        "/v2/%2E/proj/scores",
        "/v2/team/proj/scores/..%2F..%2Fhealth",
        "/v2/team/proj%00/scores",
        "/v2//proj/scores",
        "/v2/team/proj/scores/%ff%fe",
    ],
)
def test_path_tricks_never_cross_projects_or_fail(client, key, path):
    post_score(client, key)
    response = client.get(path, headers=basic(key))
    assert response.status_code in (200, 404, 422), (path, response.status_code)
    assert response.mimetype in ("application/json", "application/jsonl")
    assert "pred-" not in response.get_data(as_text=True) or path.startswith("/v2/../")


def test_a_body_ten_times_the_limit_is_refused(client, key):
    response = client.post(
        URL,
        data=b"[" + b"1," * (5 * 1024 * 1024) + b"1]",
        headers={**basic(key), "Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.get_json() == {"detail": "Request body too large"}


def _raw_request(url: str, request: bytes) -> bytes:
    """Send raw bytes; return the response's head and its Content-Length body."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        # The server may answer and close before taking the whole body.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            conn.sendall(request)
        received = b""
        while b"\r\n\r\n" not in received:
            data = conn.recv(65536)
            if not data:
                return received
            received += data
        head, _, body = received.partition(b"\r\n\r\n")
        length = int(re.search(rb"Content-Length: (\d+)", head, re.I).group(1))
        while len(body) < length:
            data = conn.recv(65536)
            if not data:
                break
            body += data
        return head + b"\r\n\r\n" + body


def test_a_chunked_body_over_the_limit_is_refused(app, live_server, key):
    auth = basic(key)["Authorization"]
    chunk = b"x" * 65536
    body = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(24)) + b"0\r\n\r\n"
    request = (
        b"POST /v2/team/proj/scores HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Authorization: " + auth.encode() + b"\r\nTransfer-Encoding: chunked\r\n"
        b"Connection: close\r\n\r\n" + body
    )
    response = _raw_request(live_server, request)
    assert response.startswith(b"HTTP/1.1 413"), response[:200]
    assert b'{"detail":"Request body too large"}' in response


def test_header_injection_attempts_are_inert(app, live_server, key):
    auth = basic(key)["Authorization"]
    body = json.dumps(score_body()).encode()
    request = (
        b"POST /v2/team/proj/scores HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Authorization: " + auth.encode() + b"\r\n"
        b"Idempotency-Key: a\rSet-Cookie: pwned=1\r\n"
        b"Content-Length: " + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n" + body
    )
    response = _raw_request(live_server, request)
    head = response.split(b"\r\n\r\n", 1)[0]
    assert b"pwned" not in head
    assert head.split(b" ")[1] in (b"200", b"400", b"422")


def test_secrets_never_reach_logs_or_error_bodies(app, client, caplog):
    caplog.set_level(logging.DEBUG)
    user, key = make_api_user(app, entities=("team",))
    revoked_key = key
    from app.services import keys

    with app.app_context():
        keys.revoke_key(key[:12], user)
    _user2, live_key = make_api_user(app, entities=("team",))
    bodies = []
    for headers in (
        basic(revoked_key),
        basic(live_key + "x"),
        {"Authorization": f"Bearer {live_key}"},
    ):
        for path in (URL, "/v2/other/proj/scores", f"{URL}/missing"):
            bodies.append(client.get(path, headers=headers).get_data(as_text=True))
            bodies.append(
                client.post(
                    path, data=b"{bad", headers={**headers, "Content-Type": "application/json"}
                ).get_data(as_text=True)
            )
    login_page = client.get("/login").get_data(as_text=True)
    bodies.append(login_page)
    bodies.append(
        client.post("/login", data={"username": user.username, "password": PASSWORD}).get_data(
            as_text=True
        )
    )
    everything = "\n".join(bodies) + caplog.text
    for secret in (revoked_key, live_key, PASSWORD, app.config["SECRET_KEY"]):
        assert secret not in everything
    assert "Traceback" not in "\n".join(bodies)


def test_a_body_shorter_than_its_length_is_a_400_and_stores_nothing(app, client, key):
    body = json.dumps(score_body()).encode()
    response = client.post(
        URL,
        data=body,
        headers={**basic(key), "Content-Type": "application/json"},
        environ_overrides={"CONTENT_LENGTH": str(len(body) + 10)},
    )
    assert response.status_code == 400
    assert response.get_json() == {"detail": "There was an error parsing the body"}
    assert client.get(URL, headers=basic(key)).get_data() == b""


def test_a_small_chunked_create_is_stored(app, live_server, key):
    auth = basic(key)["Authorization"]
    body = json.dumps(score_body(prediction_id="chunked")).encode()
    request = (
        b"POST /v2/team/proj/scores HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Authorization: " + auth.encode() + b"\r\nTransfer-Encoding: chunked\r\n"
        b"Connection: close\r\n\r\n" + b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
    )
    response = _raw_request(live_server, request)
    assert response.startswith(b"HTTP/1.1 200"), response[:200]
    score_id = json.loads(response.partition(b"\r\n\r\n")[2])["score_id"]
    read = app.test_client().get(f"{URL}/{score_id}", headers=basic(key))
    assert read.get_json()["prediction_id"] == "chunked"


LONG_INTEGER = "9" * 5000  # past CPython's 4,300-digit limit on int <-> str
PARSE_ERROR = {"detail": "There was an error parsing the body"}


def test_an_integer_too_long_to_convert_is_the_reference_400_never_a_500(client, key):
    # FastAPI's json.loads raises the same ValueError and answers it this way.
    json_type = {"Content-Type": "application/json"}
    body = '{"prediction_id":"p","scorer":"s","value":' + LONG_INTEGER + "}"
    for headers in (basic(key), {**basic(key), "Idempotency-Key": "long"}):
        response = client.post(URL, data=body, headers={**headers, **json_type})
        assert (response.status_code, response.get_json()) == (400, PARSE_ERROR)
    response = client.delete(URL, data=f"[{LONG_INTEGER}]", headers={**basic(key), **json_type})
    assert (response.status_code, response.get_json()) == (400, PARSE_ERROR)
    assert client.get(URL, headers=basic(key)).get_data() == b""


@pytest.mark.parametrize("headers", [{}, basic("sk_not-a-key")], ids=["none", "wrong"])
def test_an_integer_too_long_tells_a_caller_without_a_key_nothing(client, key, headers):
    body = '{"prediction_id":"p","scorer":"s","value":' + LONG_INTEGER + "}"
    response = client.post(URL, data=body, headers={**headers, "Content-Type": "application/json"})
    assert response.status_code == 401


def test_a_surrogate_in_a_delete_body_is_a_422_naming_its_place(client, key):
    keep = post_score(client, key)
    response = client.delete(
        URL,
        data=f'["{keep}", "\\ud800"]',
        headers={**basic(key), "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    (error,) = response.get_json()["detail"]
    assert (error["type"], error["loc"]) == ("string_unpaired_surrogate", ["body", 1])
    assert client.get(f"{URL}/{keep}", headers=basic(key)).status_code == 200


def _body_of(size: int) -> bytes:
    head, tail = b'{"prediction_id":"exact","scorer":"s","value":"', b'"}'
    return head + b"x" * (size - len(head) - len(tail)) + tail


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_body_of_exactly_the_limit_is_accepted_and_one_byte_more_is_not(
    app, client, key, chunked
):
    limit = app.config["MAX_CONTENT_LENGTH"]
    for size, status in ((limit, 200), (limit + 1, 413)):
        body = _body_of(size)
        headers = {**basic(key), "Content-Type": "application/json"}
        if chunked:
            # As gunicorn hands a chunked body over: decoded, ended by the server.
            response = client.post(
                URL,
                input_stream=io.BytesIO(body),
                headers={**headers, "Transfer-Encoding": "chunked"},
                environ_overrides={"wsgi.input_terminated": True},
            )
        else:
            # Also as gunicorn does: the stream ends where the body does.
            response = client.post(
                URL, data=body, headers=headers, environ_overrides={"wsgi.input_terminated": True}
            )
        assert response.status_code == status, (size, response.get_data()[:200])
