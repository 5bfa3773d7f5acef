"""Group commit: concurrent submitters share batches, and each learns its own batch's fate."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from app.storage.group_commit import MAX_BATCH, Gathering, GroupCommit


class Poisoned(Exception):
    pass


def _run_concurrently(group: GroupCommit, items: list, threads: int = 16) -> dict:
    """Submit every item from its own thread at once; return item -> None or the error raised."""
    start = threading.Barrier(threads)

    def submit(item):
        if len(items) <= threads:
            start.wait()
        try:
            group.submit(item)
            return item, None
        except Exception as exc:  # noqa: BLE001  (the outcome is what is tested)
            return item, exc

    with ThreadPoolExecutor(max_workers=threads) as pool:
        return dict(pool.map(submit, items))


def test_a_lone_submit_is_written_before_it_returns():
    written = []
    group = GroupCommit(written.extend)
    group.submit("a")
    assert written == ["a"]


def test_concurrent_submits_share_batches_and_each_is_written_once():
    batches: list[list[int]] = []
    writing = threading.Lock()

    def write_batch(items):
        # Slow enough that submitters pile up behind the batch being written.
        with writing:
            threading.Event().wait(0.01)
            batches.append(list(items))

    group = GroupCommit(write_batch)
    outcomes = _run_concurrently(group, list(range(64)))
    assert all(error is None for error in outcomes.values())
    written = [item for batch in batches for item in batch]
    assert sorted(written) == list(range(64))
    assert len(batches) < 64, "no two submitters ever shared a batch"


def test_a_failed_batch_fails_all_its_members_and_only_them():
    written: list[int] = []
    failed_batches: list[list[int]] = []

    def write_batch(items):
        threading.Event().wait(0.005)
        if 13 in items:
            failed_batches.append(list(items))
            raise Poisoned("batch with 13")
        written.extend(items)

    outcomes = _run_concurrently(GroupCommit(write_batch), list(range(40)))
    failed = {item for item, error in outcomes.items() if error is not None}
    assert len(failed_batches) == 1
    assert failed == set(failed_batches[0])
    assert all(isinstance(outcomes[item], Poisoned) for item in failed)
    assert sorted(written + sorted(failed)) == list(range(40))


def test_submitters_after_a_failure_still_get_through():
    calls = []

    def write_batch(items):
        calls.append(list(items))
        if len(calls) == 1:
            raise Poisoned("first batch")

    group = GroupCommit(write_batch)
    with pytest.raises(Poisoned):
        group.submit("first")
    group.submit("second")
    assert calls == [["first"], ["second"]]


def test_an_item_refused_by_the_writer_fails_alone():
    written: list[int] = []

    def write_batch(items):
        threading.Event().wait(0.005)
        written.extend(item for item in items if item % 3)
        return [None if item % 3 else Poisoned(f"refused {item}") for item in items]

    outcomes = _run_concurrently(GroupCommit(write_batch), list(range(30)))
    refused = {item for item, error in outcomes.items() if error is not None}
    assert refused == {item for item in range(30) if item % 3 == 0}
    assert all(str(outcomes[item]) == f"refused {item}" for item in refused)
    assert sorted(written) == [item for item in range(30) if item % 3]


class _FakeProcess:
    """Clocks for Gathering: each sleep passes `step` seconds, busy for a given share of it."""

    def __init__(self, busy_shares: list[float]):
        self.now = 0.0
        self.cpu = 0.0
        self.sleeps = 0
        self._busy_shares = busy_shares

    def sleep(self, seconds: float) -> None:
        share = self._busy_shares[min(self.sleeps, len(self._busy_shares) - 1)]
        self.sleeps += 1
        self.now += seconds
        self.cpu += seconds * share

    def gathering(self, longest: float = 0.002, in_hand: int | None = None) -> Gathering:
        return Gathering(
            step=0.0002,
            longest=longest,
            cpu_clock=lambda: self.cpu,
            clock=lambda: self.now,
            sleep=self.sleep,
            requests_in_hand=lambda: in_hand,
        )


def test_gathering_waits_while_the_process_is_busy_and_stops_once_it_idles():
    process = _FakeProcess([1.0, 0.8, 0.6, 0.1, 1.0])
    process.gathering().wait(lambda: 3)
    assert process.sleeps == 4  # the fourth step found the process idle


def test_gathering_stops_after_the_longest_wait_however_busy():
    process = _FakeProcess([1.0])
    process.gathering(longest=0.002).wait(lambda: 3)
    assert process.sleeps == pytest.approx(10, abs=1)
    assert process.now == pytest.approx(0.002, abs=0.0002)


def test_gathering_stops_at_once_when_every_request_in_hand_is_queued():
    process = _FakeProcess([1.0])
    process.gathering(in_hand=3).wait(lambda: 3)
    assert process.sleeps == 0


def test_gathering_waits_while_a_request_in_hand_is_not_queued_yet():
    # One of the four in hand is still being read or validated: wait as the CPU says.
    process = _FakeProcess([1.0, 0.8, 0.1])
    process.gathering(in_hand=4).wait(lambda: 3)
    assert process.sleeps == 3


def test_gathering_stops_once_the_last_request_in_hand_joins():
    process = _FakeProcess([1.0])
    queued = iter([2, 3, 4])  # one more joins during each step
    process.gathering(in_hand=4).wait(lambda: next(queued))
    assert process.sleeps == 2  # the busy CPU alone would have waited on


def test_gathering_does_not_wait_for_a_full_batch():
    process = _FakeProcess([1.0])
    process.gathering().wait(lambda: MAX_BATCH)
    assert process.sleeps == 0


class _JoinWhileGathering(Gathering):
    """Lets `joiners` more submitters queue during the wait, as busy request threads would."""

    def __init__(self, joiners: list):
        super().__init__()
        self.joiners = joiners
        self.group: GroupCommit | None = None
        self.threads: list[threading.Thread] = []
        self.calls = 0

    def wait(self, queued) -> None:
        assert self.group is not None
        self.calls += 1
        for item in self.joiners:
            thread = threading.Thread(target=self.group.submit, args=(item,))
            thread.start()
            self.threads.append(thread)
        _wait_until(lambda: queued() == 1 + len(self.joiners))


def _wait_until(condition) -> None:
    for _ in range(5000):
        if condition():
            return
        threading.Event().wait(0.001)
    raise AssertionError("timed out")


def test_a_leader_gathers_only_after_a_shared_batch_and_its_batch_takes_the_joiners():
    batches: list[list[str]] = []
    gathering = _JoinWhileGathering(["e", "f", "g"])

    def write_batch(items):
        if not batches:  # the first batch is written once two more have queued behind it
            _wait_until(lambda: len(group._queue) == 2)
        batches.append(list(items))

    group = GroupCommit(write_batch, gathering)
    gathering.group = group
    first = threading.Thread(target=group.submit, args=("a",))
    first.start()
    _wait_until(lambda: group._leader_active)
    behind = [threading.Thread(target=group.submit, args=(item,)) for item in ("b", "c")]
    for thread in behind:
        thread.start()
    for thread in (first, *behind):
        thread.join()
    assert gathering.calls == 0  # [a] was alone and [b, c] was led after a lone batch
    group.submit("d")
    for thread in gathering.threads:
        thread.join()
    assert batches[0] == ["a"]
    assert sorted(batches[1]) == ["b", "c"]
    assert batches[2][0] == "d" and sorted(batches[2]) == ["d", "e", "f", "g"]
    assert gathering.calls == 1
