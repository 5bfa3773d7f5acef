"""API keys never reach gunicorn's access log, in any form a client can send them."""

import base64
import http.client

import pytest

pytestmark = pytest.mark.parametrize("target", ["sqlite"], indirect=True)

# gunicorn's default format, then every field that could carry a credential.
FORMAT = (
    '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" '
    "%({authorization}i)s %({http_authorization}e)s %({cookie}i)s"
)


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def test_no_form_of_a_key_reaches_the_access_log(target, make_server, tmp_path):
    log = tmp_path / "access.log"
    server = make_server(
        target, workers=1, args=("--access-logfile", str(log), "--access-logformat", FORMAT)
    )
    server.start()
    key = server.key
    sent = [
        _basic(key, ""),  # curl -u "$KEY:"
        _basic("api", key),  # the SDK's form
        _basic(key, key),
        f"Bearer {key}",
        f"bearer {key}",
    ]
    for authorization in sent:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        connection.request("GET", "/v2/team/proj/scores", headers={"Authorization": authorization})
        connection.getresponse().read()
        connection.close()
    server.stop()  # the log is flushed and complete
    text = log.read_text()
    assert text.count("GET /v2/team/proj/scores") == len(sent), text
    for authorization in sent:
        assert authorization.split(" ", 1)[1] not in text
    assert key not in text
    assert key[3:20] not in text  # not even a piece of it
