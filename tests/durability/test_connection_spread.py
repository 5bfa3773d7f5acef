"""Keep-alive connections split evenly over the workers, across crashes and reloads.

With keep-alive a client stays on the worker that accepted it. On one shared
listening socket whichever worker woke first accepted most of a burst (57-61
of 64 with two workers), and on a socket per worker the kernel's hash split
16 clients 10/6 or worse nearly half the time (bench/README.md). The service
shares one socket, and a worker listens only while no other holds fewer
connections (app/server/balanced_worker.py). These tests read which worker holds
each connection, and which worker listens, from /proc.
"""

import base64
import http.client
import os
import signal
import socket
import time

import pytest

from tests.durability.server import (
    WORKERS,
    close_connections,
    held_connections,
    listening,
    open_connections,
    use_connections,
)

# The listening socket is the same whatever the database: SQLite only.
pytestmark = pytest.mark.parametrize("target", ["sqlite"], indirect=True)

TIMEOUT = 30.0


def _held(server) -> dict[int, int]:
    """How many established connections of the service each worker holds."""
    return {pid: held_connections(pid, server.port) for pid in server.worker_pids()}


def _wait_for(condition, what: str, server, keep_alive: list[socket.socket] = ()) -> None:
    """Wait until condition(); meanwhile use the `keep_alive` connections every 0.2 s.

    gunicorn closes a connection idle for its keep-alive timeout (2 s), and on
    a busy machine a worker can take longer than that to boot.
    """
    deadline = time.monotonic() + TIMEOUT
    used = time.monotonic()
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not {what} after {TIMEOUT}s:\n{server.log_tail()}")
        if keep_alive and time.monotonic() - used > 0.2:
            use_connections(keep_alive)
            used = time.monotonic()
        time.sleep(0.05)


def _all_listen(server) -> bool:
    """Whether every worker listens: so it is once all have booted and none holds a connection."""
    return all(listening(pid, server.port) for pid in server.worker_pids())


def _new_workers(server, old: set[int]) -> list[int]:
    """The workers started since `old` were, once there are as many as configured."""
    live = server.worker_pids()
    fresh = [pid for pid in live if pid not in old]
    return fresh if len(live) == server.workers else []


def test_a_burst_of_keep_alive_connections_splits_evenly_over_the_workers(target, make_server):
    server = make_server(target)
    server.start()
    for count in (64, 7):
        sockets = open_connections(server.port, count)
        try:
            held = _held(server)
        finally:
            close_connections(sockets)
        assert len(held) == WORKERS
        assert sum(held.values()) == count, held
        # 16 each of 64; 7 over 4 workers is 2, 2, 2 and 1.
        assert max(held.values()) - min(held.values()) <= 1, held
        _wait_for(lambda: _all_listen(server), "idle again", server)


def test_a_replacement_for_a_killed_worker_takes_new_connections_until_it_holds_its_share(
    target, make_server
):
    server = make_server(target)
    server.start()
    kept = open_connections(server.port, 4 * WORKERS)
    try:
        workers = set(server.worker_pids())
        victim = min(workers)
        os.kill(victim, signal.SIGKILL)
        _wait_for(lambda: victim not in server.worker_pids(), "dead", server)
        # The victim's connections died with it; the others answer, and are
        # kept in use (their keep-alive restarted) until the replacement is up.
        dead = [sock for sock in kept if not _answers(sock)]
        close_connections(dead)
        kept = [sock for sock in kept if sock not in dead]
        survivors = workers - {victim}
        assert len(kept) == 4 * len(survivors)
        _wait_for(lambda: _new_workers(server, workers), "replaced", server, keep_alive=kept)
        (replacement,) = _new_workers(server, workers)
        # The replacement holds none: it listens, and the survivors, holding 4 each, do not.
        _wait_for(
            lambda: (
                listening(replacement, server.port)
                and not any(listening(pid, server.port) for pid in survivors)
            ),
            "listening on the replacement alone",
            server,
            keep_alive=kept,
        )
        kept += open_connections(server.port, 4)
        held = _held(server)
    finally:
        close_connections(kept)
    assert held == {pid: 4 for pid in (*survivors, replacement)}


def test_after_a_reload_the_new_workers_split_new_connections_evenly(target, make_server):
    server = make_server(target)
    server.start()
    old = set(server.worker_pids())
    # A reload starts the new workers while the old ones still hold their
    # seats: the board must seat them all, and the old seats empty as they go.
    os.kill(server.process.pid, signal.SIGHUP)
    _wait_for(lambda: len(_new_workers(server, old)) == WORKERS, "reloaded", server)
    _wait_for(lambda: _all_listen(server), "booted", server)
    sockets = open_connections(server.port, 4 * WORKERS)
    try:
        held = _held(server)
    finally:
        close_connections(sockets)
    assert set(held) == set(_new_workers(server, old))
    assert set(held.values()) == {4}, held


def test_a_stopping_worker_leaves_the_others_listening_while_it_finishes(target, make_server):
    server = make_server(target, workers=2)
    server.start()
    # A create whose body never comes keeps the worker that took it stopping
    # until it does, with that connection open.
    token = base64.b64encode(f"api:{server.key}".encode()).decode()
    slow = socket.create_connection(("127.0.0.1", server.port))
    slow.sendall(
        b"POST /v2/my-team/qa/scores HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
        + f"Authorization: Basic {token}\r\nContent-Length: 100\r\n\r\n{{".encode()
    )
    kept: list[socket.socket] = []
    try:
        _wait_for(lambda: 1 in _held(server).values(), "taken", server)
        stopping = next(pid for pid, held in _held(server).items() if held)
        (other,) = set(server.worker_pids()) - {stopping}
        kept = open_connections(server.port, 1)  # now each worker holds one
        os.kill(stopping, signal.SIGTERM)
        _wait_for(lambda: not listening(stopping, server.port), "stopping", server)
        # Had it kept its seat, its one connection would be the fewest, and the
        # other worker, holding two, would stop listening for it.
        for _ in range(3):
            sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
            kept.append(sock)
            use_connections([sock])
        assert stopping in server.worker_pids()  # still finishing the create
        assert _held(server)[other] == 4
    finally:
        close_connections([slow, *kept])


def _answers(sock: socket.socket) -> bool:
    """Whether a kept connection still gets an answer (its worker's death closed it if not)."""
    try:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: test\r\n\r\n")
        response = http.client.HTTPResponse(sock)
        response.begin()
        response.read()
        return response.status == 200
    except (OSError, http.client.HTTPException):
        return False
