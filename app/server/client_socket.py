"""A client connection's socket with a deadline for reading each request and a
timeout for each send, so that a slow or stalled client cannot hold a thread.

gthread hands a connection to a thread as soon as its first bytes arrive;
the thread then reads the request head (gunicorn's parser) and the app reads
the body, each with a plain blocking recv(). A client that sends one header
line every 2 s, or a body one byte at a time, held that thread for as long
as it liked, and workers x threads such clients stopped the service. Here
every recv() of a request must finish by one absolute deadline, set when
the request's first bytes are seen (or the connection is accepted); every
send must make progress within a timeout, so a client that stops reading a
streamed list is cut off and the stream's database snapshot is released.

The hot path costs no extra system call: a recv() or send() is first tried
with MSG_DONTWAIT, which succeeds whenever the data (or buffer space) is
already there; only a wait polls, for the time left.
"""

import contextlib
import logging
import os
import select
import socket
import time

from werkzeug.exceptions import RequestTimeout

log = logging.getLogger("gunicorn.error")

DEFAULT_READ_TIMEOUT = 15.0
DEFAULT_SEND_TIMEOUT = 30.0

# The answer to a request head that did not arrive in time.
TIMEOUT_RESPONSE = (
    b"HTTP/1.1 408 Request Timeout\r\nContent-Type: application/json\r\n"
    b'Content-Length: 29\r\nConnection: close\r\n\r\n{"detail":"Request Timeout"}'
)


def _seconds(name: str, default: float) -> float:
    text = os.environ.get(name, "").strip()
    value = float(text) if text else default
    if not value > 0:
        raise ValueError(f"{name} must be a number of seconds above 0, not {text!r}")
    return value


def read_timeout() -> float:
    """Seconds a client has to send a whole request, head and body (WEB_READ_TIMEOUT)."""
    return _seconds("WEB_READ_TIMEOUT", DEFAULT_READ_TIMEOUT)


def send_timeout() -> float:
    """Seconds a response may wait for its client to read on (WEB_SEND_TIMEOUT)."""
    return _seconds("WEB_SEND_TIMEOUT", DEFAULT_SEND_TIMEOUT)


class ReadTimeout(RequestTimeout):
    """The request was not all there by its deadline: 408, and the connection closes.

    An HTTP error, so that the app answers it as one when it is reading the
    body; gunicorn reading the head hands it to the worker's handle_error.
    """


class SendTimeout(BrokenPipeError):
    """The client read nothing for the send timeout: treated as gone (gunicorn closes quietly)."""


def _wait(sock: socket.socket, event: int, seconds: float) -> bool:
    poller = select.poll()
    poller.register(sock, event)
    return bool(poller.poll(seconds * 1000))


class ClientSocket:
    """Wraps a connected socket; everything but recv() and sendall() goes to it unchanged."""

    __slots__ = ("_sock", "_timeout", "read_deadline", "send_timeout", "sent", "closing")

    def __init__(self, sock: socket.socket, send_timeout: float):
        self._sock = sock
        # A timeout gunicorn set (draining a body it did not read); kept here,
        # not on the socket: Python waits out a socket's timeout in poll()
        # before every recv(), MSG_DONTWAIT or not, past any deadline of ours.
        self._timeout: float | None = None
        # Absolute (time.monotonic()) while a request is being read; None between requests.
        self.read_deadline: float | None = None
        self.send_timeout = send_timeout
        self.sent = False  # whether any response bytes went out on this request
        self.closing = False

    def __getattr__(self, name: str):
        return getattr(self._sock, name)

    def settimeout(self, value: float | None) -> None:
        self._timeout = value

    def gettimeout(self) -> float | None:
        return self._timeout

    def setblocking(self, flag: bool) -> None:
        self._timeout = None
        self._sock.setblocking(flag)

    def shutdown(self, how: int) -> None:
        # gunicorn closes a connection by sending FIN, then reading until the
        # client closes too, for up to 2 s, on the worker's main thread: a
        # client that never closes stalled every other connection of the
        # worker. Once closing, recv() takes only what has already arrived.
        self.closing = True
        self._sock.shutdown(how)

    def recv(self, size: int, flags: int = 0) -> bytes:
        if self.closing:
            self._sock.setblocking(False)
            try:
                return self._sock.recv(size, flags)
            except BlockingIOError:
                return b""  # nothing more now: done
        deadline, timeout = self.read_deadline, self._timeout
        if deadline is None and timeout is None:
            return self._sock.recv(size, flags)
        # Whichever ends first: the request's deadline, or gunicorn's timeout.
        limit = min(
            deadline if deadline is not None else float("inf"),
            time.monotonic() + timeout if timeout is not None else float("inf"),
        )
        while True:
            try:
                return self._sock.recv(size, flags | socket.MSG_DONTWAIT)
            except BlockingIOError:
                pass
            left = limit - time.monotonic()
            if left <= 0 or not _wait(self._sock, select.POLLIN, left):
                if deadline is not None and limit >= deadline:
                    raise ReadTimeout()
                raise TimeoutError("timed out")

    def sendall(self, data) -> None:
        self.sent = True
        view = memoryview(data).cast("B")
        while view:
            with contextlib.suppress(BlockingIOError):
                view = view[self._sock.send(view, socket.MSG_DONTWAIT) :]
            if view and not _wait(self._sock, select.POLLOUT, self.send_timeout):
                log.info(
                    "Closing a connection whose client read nothing for %ss: %s",
                    self.send_timeout,
                    _peer(self._sock),
                )
                raise SendTimeout()

    def start_request(self, deadline: float) -> None:
        """A request begins: its head and body must be read by `deadline`."""
        if self.read_deadline is None:
            self.read_deadline = deadline
        self.sent = False

    def end_request(self) -> None:
        self.read_deadline = None

    def answer_timeout(self) -> None:
        """Tell a client whose request did not arrive in time, unless an answer was begun."""
        log.info("Closing a connection whose request was not in by its deadline: %s", _peer(self))
        if not self.sent:
            with contextlib.suppress(OSError):  # gone already
                self.sendall(TIMEOUT_RESPONSE)


def _peer(sock) -> str:
    try:
        peer = sock.getpeername()
    except OSError:
        return "(gone)"
    return f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) else str(peer or "(local)")
