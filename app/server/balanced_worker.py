"""gunicorn's threaded worker, taking new connections only while no other worker holds fewer.

A gthread worker serves the connections it accepted, and with keep-alive a
client stays with one worker. Which worker that is was left to chance: on
one shared listening socket whichever worker woke first took most of a
burst, and with a socket per worker (SO_REUSEPORT) the kernel's hash split
16 clients unevenly most of the time. A worker's creates share its batches
(app/storage/group_commit.py): the worker holding fewer clients idles while
they wait for their sync, the other falls behind
(bench/README.md#balanced-workers).

Here the workers share one listening socket and a board in shared memory
holding each one's number of open connections. A worker listens only while
no other holds fewer; after each accept it checks again, and when it stops
listening it rings the doorbell (an eventfd) of the workers that hold the
fewest, so that one of them always listens. A worker that joins rings the
others, so that those holding more stop listening; one that stops, or
dies, leaves the board, and the rest are rung.

The master makes the board before it forks the first worker and seats each
new one (gunicorn_conf.py, pre_fork). A worker without a seat, or under
reuse_port (a socket's connections can only go to its own worker), accepts
as gthread always did.

It also holds slow clients off its threads (client_socket.py): a new
connection waits in the poller, not in a thread, until its first bytes
arrive; each request must then be read whole by a deadline; and a send
that makes no progress for a while ends the connection.

It builds on parts of gthread that are not gunicorn's public API
(RELIED_ON); gunicorn_conf.py falls back to plain gthread when they are
missing, and tests/test_balanced_worker.py fails so that an upgrade is noticed.
"""

import contextlib
import inspect
import mmap
import os
import selectors
import time
from functools import partial
from importlib.metadata import version

from gunicorn.workers import gthread
from gunicorn.workers.gthread import ThreadWorker

from app.server import client_socket
from app.server import requests_in_hand as server_signal
from app.server.client_socket import ClientSocket, ReadTimeout

WORKER_CLASS = "app.server.balanced_worker.BalancedThreadWorker"

# What BalancedThreadWorker takes from gthread's ThreadWorker beyond its public
# settings: each method it overrides or calls, each attribute it reads, and
# the counter it watches, with the statements of gthread that must keep it
# current. A gunicorn release that changes any of them needs a look here.
RELIED_ON = {
    "methods": (
        "run",
        "accept",
        "set_accept_enabled",
        "enqueue_req",
        "handle",
        "handle_error",
        "on_pending_socket_readable",
        "murder_pending",
    ),
    "attributes": ("poller", "alive", "worker_connections", "keepalived_conns", "pending_conns"),
    "nr_conns counted in": ("__init__", "accept", "finish_request", "murder_keepalived"),
    # The socket a connection's parser is made from (client_socket.py wraps
    # it), what tells a new connection, and the expiry murder_pending reads.
    "TConn attributes": ("sock", "parser", "initialized", "data_ready", "timeout"),
}


def gunicorn_version() -> str:
    return version("gunicorn")


def missing_internals() -> list[str]:
    """What of RELIED_ON this gunicorn's gthread worker lacks; empty when all is there."""
    missing = [
        f"ThreadWorker.{name}" for name in RELIED_ON["methods"] if not hasattr(ThreadWorker, name)
    ]
    try:
        source = inspect.getsource(gthread)
    except OSError:  # no source to read (a frozen build): trust the methods alone
        return missing
    missing += [f"self.{name}" for name in RELIED_ON["attributes"] if f"self.{name}" not in source]
    for method in RELIED_ON["nr_conns counted in"]:
        function = getattr(ThreadWorker, method, None)
        if function is None or "self.nr_conns" not in inspect.getsource(function):
            missing.append(f"nr_conns in ThreadWorker.{method}")
    connection = inspect.getsource(gthread.TConn)
    missing += [
        f"TConn.{name}"
        for name in RELIED_ON["TConn attributes"]
        if f"self.{name} =" not in connection
    ]
    return missing


# An empty seat: never the fewest.
_EMPTY = 2**62


class ConnectionBoard:
    """Each worker's number of open connections, in memory the master's forks share."""

    def __init__(self, seats: int):
        self._memory = mmap.mmap(-1, 8 * seats)  # anonymous, so shared with forks
        self.counts = memoryview(self._memory).cast("q")
        self.doorbells = [os.eventfd(0, os.EFD_NONBLOCK | os.EFD_CLOEXEC) for _ in range(seats)]
        for seat in range(seats):
            self.counts[seat] = _EMPTY

    def free_seat(self, taken: list[int]) -> int | None:
        """The first seat no live worker holds; None if every one is held."""
        return next((seat for seat in range(len(self.counts)) if seat not in taken), None)

    def fewest(self) -> int:
        return min(self.counts)

    def join(self, seat: int, count: int) -> None:
        """Take a seat and ring the others: those holding more should stop listening."""
        self.counts[seat] = count
        self._ring([other for other in range(len(self.counts)) if other != seat])

    def leave(self, seat: int) -> None:
        """Empty a seat and ring the rest: one of them may now hold the fewest."""
        self.counts[seat] = _EMPTY
        self.ring_fewest()

    def ring_fewest(self) -> None:
        """Wake the workers holding the fewest connections, so that they listen."""
        fewest = self.fewest()
        self._ring([seat for seat, count in enumerate(self.counts) if count == fewest])

    def _ring(self, seats: list[int]) -> None:
        for seat in seats:
            if self.counts[seat] != _EMPTY:
                os.eventfd_write(self.doorbells[seat], 1)


class Seat:
    """One worker's place on the board."""

    def __init__(self, board: ConnectionBoard, number: int):
        self.board, self.number = board, number

    @property
    def doorbell(self) -> int:
        return self.board.doorbells[self.number]

    def join(self, count: int) -> None:
        self.board.join(self.number, count)

    def show(self, count: int) -> None:
        self.board.counts[self.number] = count

    def holds_fewest(self, count: int) -> bool:
        return count <= self.board.fewest()

    def leave(self) -> None:
        self.board.leave(self.number)


# Made in the master on first use, so every worker it forks shares it (a HUP
# reload keeps it: the module stays imported).
_board: ConnectionBoard | None = None


def seat_new_worker(worker, siblings: list, workers: int) -> None:
    """In the master, before the fork: give the new worker a seat on the board.

    `siblings` are the live workers; `workers` the configured number. The
    board has a seat for every worker and for as many again, so that the
    new workers of a reload find seats while the old ones finish.
    """
    global _board
    if _board is None:
        _board = ConnectionBoard(2 * workers + 2)
    taken = [sibling.seat.number for sibling in siblings if _seated_on(sibling, _board)]
    number = _board.free_seat(taken)
    worker.seat = None if number is None else Seat(_board, number)


def _seated_on(worker, board: ConnectionBoard) -> bool:
    seat = getattr(worker, "seat", None)  # None, or absent for another worker class
    return seat is not None and seat.board is board


def leave_board(worker) -> None:
    """In the master, once a worker has exited (whether it stopped or was killed)."""
    if getattr(worker, "seat", None) is not None:
        worker.seat.leave()


class BalancedThreadWorker(ThreadWorker):
    """A gthread worker that accepts only while it holds the fewest open connections."""

    # Given by seat_new_worker before the fork; None while not balancing.
    seat: Seat | None = None

    def init_process(self) -> None:
        self.read_timeout = client_socket.read_timeout()
        self.send_timeout = client_socket.send_timeout()
        # TLS sockets take no MSG_DONTWAIT: those connections keep gthread's plain sockets.
        self.guard_sockets = not self.cfg.is_ssl
        super().init_process()

    def run(self) -> None:
        server_signal.tell_requests_in_hand(self.requests_in_hand)
        if self.cfg.reuse_port:
            self.seat = None
        if self.seat is not None:
            self.poller.register(self.seat.doorbell, selectors.EVENT_READ, self._on_doorbell)
            self.seat.join(self._open)
        super().run()

    def requests_in_hand(self) -> int:
        """Connections whose request a thread is reading or serving, or that wait for one.

        The rest of the open connections wait in the poller for their
        client's next request (kept alive), or for a first one (pending).
        Read from a request thread, while the main thread moves connections
        between them: one caught moving into the pool counts in hand, so a
        leader waits on rather than stop early; one caught moving out has
        been answered and would not join.
        """
        return self._open - len(self.keepalived_conns) - len(self.pending_conns)

    # gthread counts its open connections in nr_conns: the board shows each change.
    @property
    def nr_conns(self) -> int:
        return self._open

    @nr_conns.setter
    def nr_conns(self, value: int) -> None:
        self._open = value
        if self.seat is not None:
            self.seat.show(value)

    def set_accept_enabled(self, enabled: bool) -> None:
        # gthread calls this from its loop while the worker could listen and
        # does not, and with False once it stops.
        if self.seat is not None and not self.alive:
            seat, self.seat = self.seat, None
            seat.leave()
        super().set_accept_enabled(enabled and self._holds_fewest())

    def accept(self, listener) -> None:
        super().accept(listener)
        if self.seat is not None and not self.seat.holds_fewest(self._open):
            super().set_accept_enabled(False)
            self.seat.board.ring_fewest()

    def enqueue_req(self, conn) -> None:
        # Every connection comes through here: when accepted, when a
        # kept-alive or waiting one turns readable, and for a request
        # already read ahead.
        if not self.guard_sockets:
            super().enqueue_req(conn)
            return
        if not isinstance(conn.sock, ClientSocket):
            conn.sock = ClientSocket(conn.sock, self.send_timeout)
        conn.sock.start_request(time.monotonic() + self.read_timeout)
        if not conn.initialized and not conn.data_ready:
            # Just accepted: wait in the poller, not in a thread (gthread
            # waited up to 5 s in one), for the first bytes, within the deadline.
            conn.timeout = conn.sock.read_deadline
            self.pending_conns.append(conn)
            self.poller.register(
                conn.sock, selectors.EVENT_READ, partial(self.on_pending_socket_readable, conn)
            )
            return
        super().enqueue_req(conn)

    def handle(self, conn):
        try:
            return super().handle(conn)
        finally:
            if isinstance(conn.sock, ClientSocket):
                conn.sock.end_request()

    def handle_error(self, req, client, addr, exc) -> None:
        if isinstance(exc, ReadTimeout) and isinstance(client, ClientSocket):
            client.answer_timeout()
            return
        super().handle_error(req, client, addr, exc)

    def _holds_fewest(self) -> bool:
        return self.seat is None or self.seat.holds_fewest(self._open)

    def _on_doorbell(self, doorbell: int) -> None:
        # Listen or stop listening, as the board now says.
        with contextlib.suppress(BlockingIOError):  # rung and drained before
            os.eventfd_read(doorbell)
        if self.alive:
            self.set_accept_enabled(self._open < self.worker_connections)
