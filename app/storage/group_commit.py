"""Group commit: concurrent writes of one process share a transaction and its sync.

On SQLite every commit ends in an fdatasync of the WAL, and only one writer
runs at a time. When several request threads of a worker want to insert at
once, one of them (the leader) writes all their rows in one transaction, and
the others wait until that transaction is durable. Each caller returns only
once its own row is committed and synced, or raises the error that failed
its batch (the batch is rolled back as a whole: nothing of it is stored).
The writer may also refuse single items, by returning one outcome per item:
a refused item's caller raises its own error, the rest of the batch stands.

With one request at a time (sync workers) every batch holds one row and this
is a plain commit.

A batch's transaction and sync cost about as much as a dozen of its rows, so
the bigger the batch, the less each create costs. When the last batch held
more than one item (others write at the same time), the next leader waits a
little for more to join, as PostgreSQL's commit_delay does (see Gathering;
bench/README.md#group-commit and #gathering).
"""

import threading
import time
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

from app.server import requests_in_hand as server_signal

Item = TypeVar("Item")

# Bounds a transaction's size (and so its latency) under a flood of writers.
MAX_BATCH = 256

# What write_batch returns: None when every item was written, else one entry
# per item, None for written and the error to raise for refused.
Outcomes = Sequence[BaseException | None] | None


class Gathering:
    """How a leader waits for more items to join its batch: while its process is busy.

    The leader sleeps in steps and goes on waiting while the process's other
    threads kept its CPU at least half busy during the step: the requests
    they work on are the creates that would join. Once the process idles,
    whoever will join has joined, and waiting longer would only add latency.
    It stops at once when every request the server has in hand is already
    queued (app/server/requests_in_hand.py): an idle step would only confirm it. A batch
    waits at most `longest` seconds.
    """

    def __init__(
        self,
        step: float = 0.0002,
        longest: float = 0.002,
        cpu_clock: Callable[[], float] = time.process_time,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        requests_in_hand: Callable[[], int | None] = server_signal.requests_in_hand,
    ):
        self.step, self.longest = step, longest
        self._cpu_clock, self._clock, self._sleep = cpu_clock, clock, sleep
        self._requests_in_hand = requests_in_hand

    def wait(self, queued: Callable[[], int]) -> None:
        """Return once all in hand are queued, the process idles, `longest` has passed or the
        batch is full. `queued` counts the batch's items, the leader's own included."""
        deadline = self._clock() + self.longest
        cpu = self._cpu_clock()
        while (waiting := queued()) < MAX_BATCH and self._clock() < deadline:
            in_hand = self._requests_in_hand()
            if in_hand is not None and in_hand <= waiting:
                return
            self._sleep(self.step)
            before, cpu = cpu, self._cpu_clock()
            if cpu - before < self.step / 2:
                return


class _Waiter(Generic[Item]):
    __slots__ = ("item", "_pending", "leads", "error")

    def __init__(self, item: Item):
        self.item = item
        # Held until wake(): a bare lock is all a one-time signal to one
        # waiting thread needs (an Event builds a Condition, a lock and a list
        # for every create).
        self._pending = threading.Lock()
        self._pending.acquire()
        self.leads = False  # set before wake() when this waiter is to write the next batch
        self.error: BaseException | None = None

    def wait(self) -> None:
        """Block until wake() was called (at once, if it was already)."""
        self._pending.acquire()

    def wake(self) -> None:
        self._pending.release()


class GroupCommit(Generic[Item]):
    """Hands items to write_batch in groups; submit() returns once its item is written."""

    def __init__(
        self, write_batch: Callable[[list[Item]], Outcomes], gathering: Gathering | None = None
    ):
        self._write_batch = write_batch
        self._gathering = gathering or Gathering()
        self._lock = threading.Lock()
        self._queue: list[_Waiter[Item]] = []
        self._leader_active = False
        # Whether the last batch held more than one item: a lone writer never waits.
        self._concurrent = False

    def submit(self, item: Item) -> None:
        """Write item, together with whatever other threads submit meanwhile."""
        waiter = _Waiter(item)
        with self._lock:
            self._queue.append(waiter)
            leads = not self._leader_active
            self._leader_active = True
        if not leads:
            waiter.wait()
            if not waiter.leads:
                if waiter.error is not None:
                    raise waiter.error
                return
            # The previous leader handed over: waiter is the head of the queue.
        self._lead(waiter)

    def _lead(self, waiter: _Waiter[Item]) -> None:
        if self._concurrent:
            self._gathering.wait(lambda: len(self._queue))
        with self._lock:
            batch, self._queue = self._queue[:MAX_BATCH], self._queue[MAX_BATCH:]
            self._concurrent = len(batch) > 1
        errors: Sequence[BaseException | None] = ()
        try:
            errors = self._write_batch([member.item for member in batch]) or ()
        except BaseException as exc:
            errors = [exc] * len(batch)
        finally:
            self._hand_over()
            for index, member in enumerate(batch):
                member.error = errors[index] if errors else None
                if member is not waiter:
                    member.wake()
        if waiter.error is not None:
            raise waiter.error

    def _hand_over(self) -> None:
        # Whoever queued while the batch was written leads the next one.
        with self._lock:
            if not self._queue:
                self._leader_active = False
                return
            successor = self._queue[0]
        successor.leads = True
        successor.wake()
