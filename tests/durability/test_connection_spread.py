"""A burst of keep-alive connections spreads over the workers, not onto one of them.

On one listening socket shared by all workers, whichever worker wakes first
accepts most of a burst (57-61 of 64 with two workers, bench/README.md),
and keep-alive clients then stay on it. The service runs with a socket per
worker (reuse_port in app/gunicorn_conf.py), and the kernel spreads connections across them.
"""

import http.client
import os
import socket
from pathlib import Path

import pytest

from tests.durability.server import ESTABLISHED, WORKERS, tcp_sockets

CONNECTIONS = 64


def _held_by(pid: int, inodes: set[str]) -> int:
    held = 0
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            held += os.readlink(fd) in inodes
        except OSError:
            continue  # closed meanwhile
    return held


# The listening sockets are the same whatever the database: SQLite only.
@pytest.mark.parametrize("target", ["sqlite"], indirect=True)
def test_a_burst_of_keep_alive_connections_spreads_over_the_workers(target, make_server):
    server = make_server(target)
    server.start()
    # Connect all at once, as a pool of clients does, then use each once and keep it.
    sockets = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(CONNECTIONS)]
    try:
        for sock in sockets:
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: test\r\n\r\n")
        for sock in sockets:
            response = http.client.HTTPResponse(sock)
            response.begin()
            assert response.status == 200
            response.read()
        established = tcp_sockets(server.port, ESTABLISHED)
        held = {pid: _held_by(pid, established) for pid in server.worker_pids()}
    finally:
        for sock in sockets:
            sock.close()
    assert len(held) == WORKERS
    assert sum(held.values()) == CONNECTIONS, held
    # An even share is 16 of 64; one worker holding half of them is the failure.
    assert max(held.values()) < CONNECTIONS // 2, held
