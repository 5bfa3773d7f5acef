"""The client socket of the balanced worker: a deadline per request, a timeout per send."""

import socket
import time

import pytest

from app.server.client_socket import ClientSocket, ReadTimeout, SendTimeout


@pytest.fixture
def pair():
    server, client = socket.socketpair()
    yield ClientSocket(server, send_timeout=0.3), client
    server.close()
    client.close()


def test_a_request_must_be_read_by_its_deadline(pair):
    sock, client = pair
    sock.start_request(time.monotonic() + 0.3)
    client.sendall(b"GET / HTTP/1.1\r\n")
    assert sock.recv(1024) == b"GET / HTTP/1.1\r\n"
    started = time.monotonic()
    with pytest.raises(ReadTimeout):
        sock.recv(1024)  # the rest never comes
    assert time.monotonic() - started < 1.0


def test_bytes_already_there_are_read_even_past_the_deadline(pair):
    sock, client = pair
    sock.start_request(time.monotonic() - 1)
    client.sendall(b"whole request")
    assert sock.recv(1024) == b"whole request"


def test_between_requests_nothing_is_timed(pair):
    sock, client = pair
    sock.start_request(time.monotonic() - 1)
    sock.end_request()
    client.sendall(b"x")
    assert sock.recv(1) == b"x"


def test_a_timeout_gunicorn_sets_ends_a_wait_before_the_deadline(pair):
    sock, _client = pair
    sock.start_request(time.monotonic() + 30)
    sock.settimeout(0.2)
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        sock.recv(1024)
    assert time.monotonic() - started < 1.0
    assert sock.gettimeout() == 0.2 and sock._sock.gettimeout() is None


def test_a_client_that_stops_reading_is_cut_off(pair):
    sock, client = pair
    client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    started = time.monotonic()
    with pytest.raises(SendTimeout):
        for _ in range(10_000):
            sock.sendall(b"x" * 65536)
    assert time.monotonic() - started < 2.0


def test_closing_takes_only_what_has_arrived(pair):
    sock, client = pair
    client.sendall(b"left over")
    sock.shutdown(socket.SHUT_WR)
    sock.settimeout(2.0)  # as gunicorn's close_graceful does
    started = time.monotonic()
    assert sock.recv(4096) == b"left over"
    assert sock.recv(4096) == b""  # the client has not closed: no waiting for it
    assert time.monotonic() - started < 0.5
