"""The connection board the balanced gunicorn workers share (app/server/balanced_worker.py).

The workers' behaviour, on a real gunicorn, is in
tests/durability/test_connection_spread.py; these tests pin the board's rules.
"""

import os
from collections import deque
from types import SimpleNamespace

import pytest
from gunicorn.workers.gthread import ThreadWorker

from app.server import balanced_worker
from app.server import requests_in_hand as serving
from app.server.balanced_worker import BalancedThreadWorker, ConnectionBoard


def _rung(board: ConnectionBoard) -> list[int]:
    """The seats whose doorbell rang since the last look (reading clears them)."""
    rung = []
    for seat, doorbell in enumerate(board.doorbells):
        try:
            os.eventfd_read(doorbell)
        except BlockingIOError:
            continue
        rung.append(seat)
    return rung


@pytest.fixture
def board():
    board = ConnectionBoard(4)
    yield board
    for doorbell in board.doorbells:
        os.close(doorbell)


def test_empty_seats_are_never_the_fewest_and_free_seats_fill_from_the_first(board):
    assert board.free_seat([]) == 0
    assert board.free_seat([0, 2]) == 1
    assert board.free_seat([0, 1, 2, 3]) is None
    board.join(2, 5)
    board.join(3, 7)
    assert board.fewest() == 5


def test_a_joining_worker_rings_every_seated_worker_but_itself(board):
    board.join(0, 3)
    _rung(board)
    board.join(1, 0)
    # Seat 0 holds more and must stop listening; seats 2 and 3 are empty.
    assert _rung(board) == [0]


def test_a_worker_that_stops_listening_rings_only_the_workers_holding_the_fewest(board):
    for seat, count in enumerate((4, 2, 3, 2)):
        board.join(seat, count)
    _rung(board)
    board.ring_fewest()
    assert _rung(board) == [1, 3]


def test_a_leaving_worker_empties_its_seat_and_rings_the_new_fewest(board):
    board.join(0, 1)
    board.join(1, 6)
    board.join(2, 4)
    _rung(board)
    board.leave(0)
    assert board.fewest() == 4
    assert _rung(board) == [2]


def test_a_count_shown_by_a_forked_worker_is_seen_by_the_others(board):
    child = os.fork()
    if child == 0:  # the worker: show a count, and leave at once
        board.join(1, 9)
        os._exit(0)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert board.counts[1] == 9
    assert board.fewest() == 9


@pytest.fixture
def master(monkeypatch):
    """The module as a master starts: no board until the first worker is seated."""
    monkeypatch.setattr(balanced_worker, "_board", None)
    yield
    if balanced_worker._board is not None:
        for doorbell in balanced_worker._board.doorbells:
            os.close(doorbell)


@pytest.mark.usefixtures("master")
def test_new_workers_take_free_seats_and_a_replacement_takes_the_seat_its_predecessor_left():
    first, second, replacement = (SimpleNamespace() for _ in range(3))
    balanced_worker.seat_new_worker(first, [], workers=2)
    balanced_worker.seat_new_worker(second, [first], workers=2)
    assert (first.seat.number, second.seat.number) == (0, 1)
    assert first.seat.board is second.seat.board
    assert len(first.seat.board.counts) == 6  # every worker, as many again for a reload, 2 more
    first.seat.join(3)
    balanced_worker.leave_board(first)  # the master, once the first worker exited
    assert first.seat.board.counts[0] == first.seat.board.counts[2]  # empty, as never taken
    balanced_worker.seat_new_worker(replacement, [second], workers=2)
    assert replacement.seat.number == 0


@pytest.mark.usefixtures("master")
def test_workers_of_another_class_are_left_alone():
    plain, new = SimpleNamespace(), SimpleNamespace()
    balanced_worker.leave_board(plain)  # no seat: nothing to leave
    balanced_worker.seat_new_worker(new, [plain], workers=1)
    assert new.seat.number == 0


def test_a_worker_has_in_hand_the_connections_neither_kept_alive_nor_pending():
    # As gthread holds them: 7 open, 2 kept alive in the poller, 1 waiting for a first request.
    worker = object.__new__(BalancedThreadWorker)
    worker.nr_conns = 7
    worker.keepalived_conns = deque(["kept", "kept"])
    worker.pending_conns = deque(["new"])
    assert worker.requests_in_hand() == 4


def test_a_worker_tells_the_app_its_requests_in_hand_as_it_starts_serving(monkeypatch):
    monkeypatch.setattr(serving, "_requests_in_hand", None)
    assert serving.requests_in_hand() is None  # flask run, or another worker class
    monkeypatch.setattr(ThreadWorker, "run", lambda worker: None)  # gthread's loop
    worker = object.__new__(BalancedThreadWorker)
    worker.cfg = SimpleNamespace(reuse_port=True)  # not balancing: no board here
    worker.nr_conns = 3
    worker.keepalived_conns, worker.pending_conns = deque(["kept"]), deque()
    worker.run()
    assert serving.requests_in_hand() == 2
    worker.nr_conns = 5
    assert serving.requests_in_hand() == 4


def test_this_gunicorn_has_every_internal_the_balanced_worker_builds_on():
    # Fails on a gunicorn release that changed one: serving would fall back to
    # plain gthread (gunicorn_conf.py), so look at RELIED_ON before upgrading.
    assert balanced_worker.missing_internals() == [], balanced_worker.RELIED_ON


def test_each_kind_of_internal_a_release_could_drop_is_noticed(monkeypatch):
    relied_on = {
        "methods": ("run", "a_method_gone"),
        "attributes": ("poller", "an_attribute_gone"),
        "nr_conns counted in": ("accept", "handle_exit"),  # handle_exit does not count
        "TConn attributes": ("sock", "a_connection_attribute_gone"),
    }
    monkeypatch.setattr(balanced_worker, "RELIED_ON", relied_on)
    assert balanced_worker.missing_internals() == [
        "ThreadWorker.a_method_gone",
        "self.an_attribute_gone",
        "nr_conns in ThreadWorker.handle_exit",
        "TConn.a_connection_attribute_gone",
    ]
