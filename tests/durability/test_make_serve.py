"""`make serve` runs gunicorn as app/gunicorn_conf.py says: one listening socket per worker.

The connection-spread test proves what that socket per worker buys on the
durability server; this one proves the README's command runs with it too.
"""

import os
import signal
import subprocess
import time
from pathlib import Path

from tests.durability.server import (
    LISTEN,
    PROJECT_ROOT,
    free_port,
    group_members,
    health_status,
    tcp_sockets,
)

WORKERS = 3  # not gunicorn_conf.py's default, to see that WEB_CONCURRENCY reaches it
START_TIMEOUT = 60.0


def _gunicorn_processes(pgid: int) -> int:
    count = 0
    for pid in group_members(pgid):
        try:
            count += b"gunicorn" in Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue  # gone meanwhile
    return count


def _wait_until_serving(process: subprocess.Popen, port: int, log: Path) -> None:
    """Until /health answers and the master and all its workers run."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        assert process.poll() is None, f"make serve exited:\n{log.read_text()[-3000:]}"
        if health_status(port) == 200 and _gunicorn_processes(process.pid) >= WORKERS + 1:
            return
        time.sleep(0.2)
    raise AssertionError(
        f"make serve not serving after {START_TIMEOUT}s:\n{log.read_text()[-3000:]}"
    )


def test_make_serve_gives_each_worker_a_listening_socket(tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'scores.db'}",
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "SECRET_KEY": "make-serve-test-secret-key",
        "WEB_CONCURRENCY": str(WORKERS),
    }
    env.pop("GUNICORN_CMD_ARGS", None)
    log = tmp_path / "make-serve.log"
    with open(log, "w") as output:
        process = subprocess.Popen(
            ["make", "--no-print-directory", "serve", "HOST=127.0.0.1", f"PORT={port}"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    try:
        _wait_until_serving(process, port, log)
        # A worker opens its socket as it boots: give the last one a moment.
        # On one shared socket (no reuse_port) there is a single listener.
        deadline = time.monotonic() + 10
        while len(tcp_sockets(port, LISTEN)) != WORKERS and time.monotonic() < deadline:
            time.sleep(0.2)
        assert len(tcp_sockets(port, LISTEN)) == WORKERS
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=15)
