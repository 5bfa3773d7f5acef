"""Each gunicorn worker runs on a CPU of its own, threads and replacements included.

app/server/gunicorn_conf.py pins the workers while there are no more of them than
usable CPUs (bench/README.md has what that buys). These tests read the
affinity the kernel holds for the real workers of a real gunicorn.
"""

import os
import signal
import threading
import time
import urllib.request
from pathlib import Path

import pytest

USABLE = sorted(os.sched_getaffinity(0))
# Pinning is about the workers and the kernel, whatever the database: SQLite only.
pytestmark = pytest.mark.parametrize("target", ["sqlite"], indirect=True)


def _affinities(server) -> dict[int, set[int]]:
    return {pid: os.sched_getaffinity(pid) for pid in server.worker_pids()}


def _thread_affinities(pid: int) -> list[set[int]]:
    """The CPU set of every thread of a process."""
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            found.append(os.sched_getaffinity(int(task.name)))
        except OSError:
            continue  # the thread ended meanwhile
    return found


def _busy_threads(server, requests: int = 32) -> None:
    """Concurrent requests, so each worker starts request threads of its pool."""

    def fetch() -> None:
        with urllib.request.urlopen(f"{server.base}/health", timeout=10) as response:
            response.read()

    threads = [threading.Thread(target=fetch) for _ in range(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def _replacement(server, gone: set[int], timeout: float = 30.0) -> int:
    """The pid of the worker the master starts after the ones in `gone` died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        live = server.worker_pids()
        fresh = [pid for pid in live if pid not in gone]
        if len(live) == server.workers and fresh:
            return fresh[0]
        time.sleep(0.1)
    raise AssertionError(f"no replacement worker after {timeout}s:\n{server.log_tail()}")


@pytest.mark.skipif(len(USABLE) < 2, reason="pinning two workers needs two usable CPUs")
def test_each_worker_and_its_threads_run_on_a_cpu_of_their_own(target, make_server):
    server = make_server(target, workers=2)
    server.start()
    _busy_threads(server)
    pins = _affinities(server)
    assert sorted(map(sorted, pins.values())) == [[USABLE[0]], [USABLE[1]]]
    for pid, cpus in pins.items():
        threads = _thread_affinities(pid)
        assert len(threads) > 1  # the main thread and at least one request thread
        assert all(found == cpus for found in threads), (pid, threads)


@pytest.mark.skipif(len(USABLE) < 2, reason="pinning two workers needs two usable CPUs")
def test_a_worker_that_replaces_a_dead_one_takes_the_cpu_it_left(target, make_server):
    server = make_server(target, workers=2)
    server.start()
    pins = _affinities(server)
    survivor, victim = sorted(pins)
    freed = pins[victim]
    # Twice on the same CPU: a choice by the worker's serial number alone
    # (its age modulo the CPUs) gets one of the two wrong.
    gone = set(pins)
    for _ in range(2):
        os.kill(victim, signal.SIGKILL)
        victim = _replacement(server, gone)
        gone.add(victim)
        assert os.sched_getaffinity(victim) == freed
    assert os.sched_getaffinity(survivor) == pins[survivor] != freed


def test_more_workers_than_cpus_are_left_to_the_kernel(target, make_server):
    server = make_server(target, workers=len(USABLE) + 1)
    server.start()
    pins = _affinities(server)
    assert len(pins) == len(USABLE) + 1
    assert all(cpus == set(USABLE) for cpus in pins.values()), pins


@pytest.mark.skipif(len(USABLE) < 2, reason="on one CPU, pinned and unpinned look the same")
def test_affinity_off_leaves_every_worker_to_the_kernel(target, make_server):
    server = make_server(target, workers=2)
    server.env["WEB_CPU_AFFINITY"] = "off"
    server.start()
    pins = _affinities(server)
    assert len(pins) == server.workers
    assert all(cpus == set(USABLE) for cpus in pins.values()), pins
