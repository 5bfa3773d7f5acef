"""Hundreds of slow clients cannot stop the service.

Served directly, gunicorn cuts each slow client off at its read deadline
(WEB_READ_TIMEOUT) and answers everyone else again within that deadline.
Behind nginx, as the README says to run it in production (deploy/nginx.conf,
started here from Debian's package), slow clients never reach gunicorn and
/health answers within a second throughout.
"""

import base64
import http.client
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.durability.server import PROJECT_ROOT, free_port, health_status
from tests.durability.slow_clients import HealthProber, SlowClients, kind

pytestmark = [
    pytest.mark.slow,
    pytest.mark.parametrize("target", ["sqlite"], indirect=True),
]

SLOW = 500
READ_TIMEOUT = 6.0  # seconds; the default is 15, shorter here to keep the test short
SLACK = 3.0  # for the 2-second steps of the clients and a busy 2-core machine
HOLD = 30.0
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def _basic(key: str) -> bytes:
    return b"Basic " + base64.b64encode(f"api:{key}".encode())


def test_served_directly_slow_clients_are_cut_off_at_the_read_deadline(target, make_server):
    server = make_server(target, workers=2, env={"WEB_READ_TIMEOUT": str(READ_TIMEOUT)})
    server.start()
    slow = SlowClients(server.port, SLOW, authorization=_basic(server.key))
    prober = HealthProber(server.port)
    try:
        slow.start()
        prober.start()
        deadline = slow.opened_at + READ_TIMEOUT + SLACK + 10
        while slow.still_open() and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(2.0)  # a few probes after the last cut-off
    finally:
        prober.stop()
        slow.stop()
    assert slow.still_open() == 0, f"{slow.still_open()} slow clients still connected"
    lasted = {n: closed - slow.opened_at for n, closed in slow.closed_at.items()}
    assert max(lasted.values()) <= READ_TIMEOUT + SLACK, sorted(lasted.values())[-10:]
    answers = {name: [] for name in ("head", "body", "unread body")}
    for n, answer in slow.answers.items():
        answers[kind(n)].append(answer[:12])
    # Whoever was still sending its head, or its body to the app, heard why,
    # at the deadline, not sooner: they were sending all along.
    for name in ("head", "body"):
        assert set(answers[name]) == {b"HTTP/1.1 408"}, (name, set(answers[name]))
        cut = [lasted[n] for n in range(SLOW) if kind(n) == name]
        assert min(cut) >= READ_TIMEOUT - 2.0, (name, sorted(cut)[:10])
    assert slow.answers[1].endswith(b'{"detail":"Request Timeout"}')  # the app's own JSON
    # A body the app does not read (no key: 401 first) is drained within the deadline.
    assert set(answers["unread body"]) == {b"HTTP/1.1 401"}, set(answers["unread body"])
    # Everyone else is answered again within the deadline...
    assert prober.samples
    assert all(status == 200 for _begun, status, _took in prober.samples), prober.samples
    assert max(took for _begun, _status, took in prober.samples) <= READ_TIMEOUT + SLACK
    # ...and at once, once the slow clients are gone.
    last_cut = max(slow.closed_at.values())
    after = [took for begun, _status, took in prober.samples if begun > last_cut]
    assert after and max(after) < 1.0, after
    assert not server.log_errors(), server.log_errors()


def _start_nginx(workdir: Path, listen: int, upstream: int) -> subprocess.Popen:
    """nginx from deploy/nginx.conf, on our ports and with its files in workdir."""
    config = (PROJECT_ROOT / "deploy" / "nginx.conf").read_text()
    assert "listen 80;" in config and "server 127.0.0.1:8000;" in config
    config = config.replace("listen 80;", f"listen 127.0.0.1:{listen};")
    config = config.replace("server 127.0.0.1:8000;", f"server 127.0.0.1:{upstream};")
    temp = "\n".join(
        f"    {kind}_temp_path {workdir / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    config = config.replace("http {", f"http {{\n{temp}\n    access_log off;", 1)
    config = config.replace("include mime.types;", "include /etc/nginx/mime.types;")
    (workdir / "nginx.conf").write_text(config)
    directives = f"daemon off; pid {workdir / 'nginx.pid'}; error_log {workdir / 'error.log'};"
    if os.geteuid() == 0:
        directives += " user root;"  # its workers must reach the temp paths under workdir
    with open(workdir / "stderr.log", "w") as stderr:
        process = subprocess.Popen(
            [NGINX, "-c", str(workdir / "nginx.conf"), "-p", str(workdir), "-g", directives],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            start_new_session=True,
        )
    deadline = time.monotonic() + 15
    while health_status(listen) != 200:
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError((workdir / "stderr.log").read_text())
        time.sleep(0.1)
    return process


@pytest.mark.skipif(not Path(NGINX).exists(), reason="nginx is not installed (.ci/run installs it)")
def test_behind_nginx_health_answers_within_a_second_throughout(target, make_server, tmp_path):
    server = make_server(target, workers=2)
    server.start()
    nginx_dir = tmp_path / "nginx"
    nginx_dir.mkdir()
    port = free_port()
    nginx = _start_nginx(nginx_dir, port, server.port)
    slow = SlowClients(port, SLOW, authorization=_basic(server.key), reconnect=True)
    prober = HealthProber(port, timeout=5.0)
    try:
        slow.start()
        prober.start()
        time.sleep(HOLD)
        held = slow.still_open()
        limits = [_post(port, size) for size in (1024 * 1024, 1024 * 1024 + 1)]
    finally:
        prober.stop()
        slow.stop()
        os.killpg(nginx.pid, signal.SIGTERM)
        nginx.wait(timeout=10)
    assert held >= SLOW * 0.95, held  # (a few may be between a cut-off and their reconnect)
    took = [took for _begun, _status, took in prober.samples]
    assert len(took) > HOLD / 0.5
    assert {status for _begun, status, _took in prober.samples} == {200}
    assert max(took) < 1.0, sorted(took)[-10:]
    # The body limit is the app's, and its error JSON: a body of 1 MiB reaches
    # the app (401 without a key), one byte more gets the API's 413.
    assert limits == [
        (401, b'{"detail":"Not authenticated"}'),
        (413, b'{"detail":"Request body too large"}'),
    ]


def _post(port: int, size: int) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("POST", "/v2/team/proj/scores", body=b"x" * size)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()
