"""How gunicorn serves the app: `gunicorn -c app/gunicorn_conf.py 'app:create_app()'`.

One file for `make serve`, the benchmark and the durability tests, so what
the tests and the benchmark prove is what users run. Flags given on the
command line override these settings.
"""

import gc
import os

from app import gunicorn_worker

# Threaded workers: the creates a worker has in hand at once share one
# transaction and one disk sync (app/group_commit.py), and clients keep
# their connections alive between requests. A batch holds at most as many
# creates as the worker has threads, and a client connection waits in the
# worker's queue while every thread is busy.
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))


def default_threads(database_url: str) -> int:
    """Threads per worker when WEB_THREADS is not set: 32 on SQLite, 16 on PostgreSQL.

    With 64 clients each of two workers holds 32 connections: 32 threads
    answered 15-18% more SQLite creates/s than 16, at 10-12% less CPU per
    create, and no fewer at 16 clients (bench/README.md). On PostgreSQL the
    app keeps a pool of twice the thread count per worker (app/config.py),
    and 16 keeps two workers' 64 within PostgreSQL's default limit of 100.
    """
    return 16 if database_url.strip().startswith("postgres") else 32


threads = int(os.environ.get("WEB_THREADS") or default_threads(os.environ.get("DATABASE_URL", "")))

# One listening socket for all workers, and a worker takes new connections
# only while no other holds fewer (app/gunicorn_worker.py): 16 clients split
# 8/8, where the kernel's spread over a socket per worker (reuse_port) gave
# 10/6 or worse nearly half the time and a worker's creates share its
# batches. On the shared socket without it, whichever worker woke first
# accepted most of a burst (bench/README.md).
worker_class = "app.gunicorn_worker.BalancedThreadWorker"
reuse_port = False

# Each worker on a CPU of its own, while there are no more workers than usable
# CPUs ("auto"; "off" lets the kernel move them). A worker's threads take turns
# at one GIL. Across cores, a thread woken for the GIL often finds it taken
# again and sleeps anew; on one core it runs once the releasing thread blocks.
# Pinned, a create took half the context switches and creates went 22-50%
# faster on SQLite and PostgreSQL at 16 and 64 clients; the bare-Flask
# ceiling 0-24% (bench/README.md).
cpu_affinity = os.environ.get("WEB_CPU_AFFINITY", "auto").strip().lower()
if cpu_affinity not in ("auto", "off"):
    raise ValueError(f"WEB_CPU_AFFINITY must be 'auto' or 'off', not {cpu_affinity!r}")


def usable_cpus() -> list[int]:
    """The CPUs this process may run on (taskset and cpusets included), or none if unknown."""
    if not hasattr(os, "sched_getaffinity"):  # not Linux
        return []
    return sorted(os.sched_getaffinity(0))


def cpu_for_new_worker(workers: int, cpus: list[int], taken: list[int | None]) -> int | None:
    """The CPU a new worker is pinned to: the one fewest live workers hold; None to not pin.

    `taken` is the CPUs of the live workers, so a worker that replaces a dead
    one takes the CPU that the dead one left free.
    """
    if cpu_affinity == "off" or not cpus or workers > len(cpus):
        return None
    return min(cpus, key=lambda cpu: (taken.count(cpu), cpu))


def pre_fork(server, worker) -> None:
    """In the master: choose the new worker's CPU and its seat on the connection board."""
    siblings = list(server.WORKERS.values())
    # getattr: workers booted before a HUP reload from an older config have no `cpu`.
    taken = [getattr(sibling, "cpu", None) for sibling in siblings]
    worker.cpu = cpu_for_new_worker(server.num_workers, usable_cpus(), taken)
    gunicorn_worker.seat_new_worker(worker, siblings, server.num_workers)


def child_exit(_server, worker) -> None:
    """In the master, once a worker has exited: its seat is free, and the others may listen."""
    gunicorn_worker.leave_board(worker)


def post_fork(_server, worker) -> None:
    """In the new worker, before it starts any thread: every thread it starts inherits the CPU."""
    if worker.cpu is not None:
        os.sched_setaffinity(0, {worker.cpu})


def post_worker_init(_worker) -> None:
    """Leave what the worker built at start-up out of every later garbage collection.

    The app, its modules and their caches live as long as the worker; a full
    collection walked them all, some tens of milliseconds, in the middle of
    whatever request tripped it (the admin page, which parses thousands of
    values, did so often).
    """
    gc.collect()
    gc.freeze()
