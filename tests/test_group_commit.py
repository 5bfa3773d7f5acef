"""Group commit: concurrent submitters share batches, and each learns its own batch's fate."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from app.group_commit import GroupCommit


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
