"""`make serve` runs gunicorn as app/server/gunicorn_conf.py says: workers split connections evenly.

The connection-spread tests prove the balanced worker on the durability
server; this one proves the README's command runs it too.
"""

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

from tests.durability.server import (
    LISTEN,
    PROJECT_ROOT,
    close_connections,
    free_port,
    group_members,
    health_status,
    held_connections,
    listening,
    open_connections,
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
        booted = health_status(port) == 200 and _gunicorn_processes(process.pid) >= WORKERS + 1
        # Once every worker has booted, each one listens while idle.
        if booted and sum(listening(pid, port) for pid in group_members(process.pid)) == WORKERS:
            return
        time.sleep(0.2)
    raise AssertionError(
        f"make serve not serving after {START_TIMEOUT}s:\n{log.read_text()[-3000:]}"
    )


def test_make_serve_splits_a_burst_of_connections_evenly_over_its_workers(tmp_path):
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
    sockets: list[socket.socket] = []
    try:
        _wait_until_serving(process, port, log)
        assert len(tcp_sockets(port, LISTEN)) == 1  # one socket, shared by the workers
        sockets = open_connections(port, 10 * WORKERS)
        # Of the group (make, the master and the workers), those holding any.
        held = [n for pid in group_members(process.pid) if (n := held_connections(pid, port))]
    finally:
        close_connections(sockets)
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=15)
    assert held == [10] * WORKERS, f"{held}\n{log.read_text()[-3000:]}"
