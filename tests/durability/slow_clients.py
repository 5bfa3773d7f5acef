"""Slow clients, as an attacker runs them, and a /health prober that times every answer."""

import contextlib
import http.client
import select
import socket
import threading
import time
from dataclasses import dataclass, field

# A request head sent one line at a time, never finished.
HEAD_START = b"GET /health HTTP/1.1\r\nHost: slow\r\n"
# An unauthenticated create whose 100,000-byte body comes a byte at a time.
BODY_START = (
    b"POST /v2/team/proj/scores HTTP/1.1\r\nHost: slow\r\nContent-Type: application/json\r\n"
    b"Content-Length: 100000\r\n\r\n{"
)


def kind(n: int) -> str:
    """What slow client number n sends: a head, a body the app reads, or an unread body."""
    return ("head", "body", "unread body")[n % 3]


@dataclass
class SlowClients:
    """`count` connections that each send one more piece every `interval` seconds.

    A third dribble a request head, a third a body with credentials (so the
    app reads it), a third a body without (answered 401 before it is read).
    One thread drives them all and notes the first answer each gets and
    when the server closes it.
    """

    port: int
    count: int
    interval: float = 2.0
    # An Authorization header for the body senders, so the app itself reads the body.
    authorization: bytes = b""
    # Open a new connection in place of each one the server closes, as an attacker would.
    reconnect: bool = False
    opened_at: float = 0.0
    reopened: int = 0
    closed_at: dict[int, float] = field(default_factory=dict)
    answers: dict[int, bytes] = field(default_factory=dict)

    def __post_init__(self):
        self._sockets: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="slow-clients", daemon=True)

    def start(self) -> None:
        self._sockets = [self._open(n) for n in range(self.count)]
        self.opened_at = time.monotonic()
        self._thread.start()

    def _open(self, n: int) -> socket.socket:
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=10)
        if kind(n) == "head":
            sock.sendall(HEAD_START)
        elif kind(n) == "body" and self.authorization:
            start, _, rest = BODY_START.partition(b"Content-Type")
            sock.sendall(
                start + b"Authorization: " + self.authorization + b"\r\nContent-Type" + rest
            )
        else:
            sock.sendall(BODY_START)
        sock.setblocking(False)
        return sock

    def _run(self) -> None:
        step, sent_at = 0, time.monotonic()
        # Look for answers and closes ten times a second; send every `interval`.
        while not self._stop.wait(0.1):
            if time.monotonic() - sent_at >= self.interval:
                step, sent_at = step + 1, time.monotonic()
                self._send_pieces(step)
            self._collect()
            if self.reconnect:
                self._reopen()

    def _send_pieces(self, step: int) -> None:
        for n, sock in enumerate(self._sockets):
            if n in self.closed_at:
                continue
            piece = b"X-Slow-%d: %d\r\n" % (step, n) if kind(n) == "head" else b" "
            try:
                sock.send(piece)
            except OSError:
                self._closed(n, b"")

    def _reopen(self) -> None:
        for n in list(self.closed_at):
            with contextlib.suppress(OSError):
                self._sockets[n].close()
            self._sockets[n] = self._open(n)
            del self.closed_at[n]
            self.answers.pop(n, None)
            self.reopened += 1

    def _collect(self) -> None:
        live = [sock for n, sock in enumerate(self._sockets) if n not in self.closed_at]
        readable, _, _ = select.select(live, [], [], 0) if live else ([], [], [])
        for sock in readable:
            n = self._sockets.index(sock)
            try:
                data = sock.recv(65536)
            except OSError:
                data = b""
            if data:
                self.answers.setdefault(n, data)
            else:
                self._closed(n, b"")

    def _closed(self, n: int, data: bytes) -> None:
        self.closed_at.setdefault(n, time.monotonic())
        self.answers.setdefault(n, data)

    def still_open(self) -> int:
        return self.count - len(self.closed_at)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        for sock in self._sockets:
            with contextlib.suppress(OSError):
                sock.close()


class HealthProber:
    """GET /health on a new connection every `every` seconds: (started, status or 0, seconds)."""

    def __init__(self, port: int, every: float = 0.25, timeout: float = 60.0):
        self.port, self.every, self.timeout = port, every, timeout
        self.samples: list[tuple[float, int, float]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="health-prober", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            begun = time.monotonic()
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            try:
                connection.request("GET", "/health")
                response = connection.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                status = 0
            finally:
                connection.close()
            self.samples.append((begun, status, time.monotonic() - begun))
            self._stop.wait(max(0.0, self.every - (time.monotonic() - begun)))

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=self.timeout + 5)
