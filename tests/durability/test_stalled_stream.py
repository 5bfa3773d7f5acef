"""A client that opens a long list and stops reading is cut off, and SQLite's WAL is
checkpointed again.

The stream reads on a connection of its own, in one read transaction: while
it waited for its client forever, no checkpoint could pass its snapshot,
and the WAL grew with every create (103 MB to 331 MB in 20 s, in the
issue). The send timeout (WEB_SEND_TIMEOUT) ends it.
"""

import base64
import json
import socket
import sqlite3
import time

import pytest

from tests.durability.client import SCORES, Client

pytestmark = [
    pytest.mark.slow,
    pytest.mark.parametrize("target", ["sqlite"], indirect=True),
]

# A list far larger than the socket buffers between us and the server: the demo's
# three runs of QUESTIONS predictions, each scored by four scorers.
QUESTIONS = 5_000
SEND_TIMEOUT = 2.0


def _checkpoint(path) -> tuple[int, int, int]:
    """PRAGMA wal_checkpoint(TRUNCATE): (busy, WAL frames, frames checkpointed)."""
    connection = sqlite3.connect(path, timeout=1.0)
    try:
        return connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    finally:
        connection.close()


def test_a_stream_whose_client_stops_reading_is_cut_off_and_the_wal_checkpoints(
    target, make_server
):
    server = make_server(target, workers=2, env={"WEB_SEND_TIMEOUT": str(SEND_TIMEOUT)})
    server.flask(
        "demo-data", "--entity", "team", "--project", "proj", "--questions", str(QUESTIONS)
    )
    server.start()
    stalled = socket.socket()
    stalled.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    stalled.connect(("127.0.0.1", server.port))
    token = base64.b64encode(f"api:{server.key}".encode()).decode()
    head = f"GET {SCORES} HTTP/1.1\r\nHost: x\r\nAuthorization: Basic {token}\r\n\r\n"
    stalled.sendall(head.encode())
    assert stalled.recv(1024).startswith(b"HTTP/1.1 200")  # and then it reads no more
    writer = Client(server.port, server.key, timeout=10)
    body = json.dumps({"prediction_id": "p", "scorer": "s", "value": 1}).encode()
    try:
        # Creates go on while the stream waits on its client; past the send
        # timeout the stream is ended and its snapshot released.
        cut_by = time.monotonic() + SEND_TIMEOUT + 3.0
        while time.monotonic() < cut_by:
            assert (
                writer.call("POST", SCORES.replace("team/proj", "team/other"), body).status == 200
            )
        busy, frames, done = _checkpoint(target.sqlite_path)
        assert busy == 0 and frames == done, (busy, frames, done)
        assert (target.sqlite_path.parent / f"{target.sqlite_path.name}-wal").stat().st_size == 0
        # The server closed the stalled connection: what is left in the buffers, then EOF.
        stalled.settimeout(10)
        while chunk := stalled.recv(65536):
            assert len(chunk) > 0
    finally:
        writer.close()
        stalled.close()
    assert any("read nothing for" in line for line in server.log_tail(200).splitlines())
