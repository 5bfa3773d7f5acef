"""How gunicorn serves the app: `gunicorn -c app/server/gunicorn_conf.py 'app:create_app()'`.

One file for `make serve`, the benchmark and the durability tests, so what
they prove is what users run. Flags on the command line override it. Why
each setting is what it is: bench/README.md#why-the-code-is-as-it-is.
"""

import gc
import logging
import os

from app.server import access_log, balanced_worker, client_socket
from app.server.threads import web_threads

workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Threaded workers: a worker's concurrent creates share one transaction and
# one disk sync, so a batch holds at most as many creates as it has threads.
threads = web_threads(os.environ.get("DATABASE_URL", ""))

# One listening socket for all workers, and a worker accepts only while no
# other holds fewer connections: with keep-alive a client stays with one
# worker, and an uneven split leaves one worker's batches short.
reuse_port = False
worker_class = balanced_worker.WORKER_CLASS
if missing := balanced_worker.missing_internals():
    # A gunicorn release changed what the balanced worker builds on: serve
    # with gunicorn's own threaded worker rather than not at all.
    logging.getLogger("gunicorn.error").warning(
        "gunicorn %s lacks what the balanced worker needs (%s): serving with gthread",
        balanced_worker.gunicorn_version(),
        ", ".join(missing),
    )
    worker_class = "gthread"

# Read by each worker (client_socket.py); a bad value stops gunicorn here, at start.
client_socket.read_timeout()
client_socket.send_timeout()

# Credentials never reach the access log (off unless --access-logfile is given).
logger_class = access_log.LOGGER_CLASS

# Each worker on a CPU of its own while there are no more workers than usable
# CPUs ("auto"; "off" leaves them to the kernel): a worker's threads take
# turns at one GIL, and handing it over within one core costs far fewer
# context switches than across cores (bench/README.md#cpu-pinning).
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
    balanced_worker.seat_new_worker(worker, siblings, server.num_workers)


def child_exit(_server, worker) -> None:
    """In the master, once a worker has exited: its seat is free, and the others may listen."""
    balanced_worker.leave_board(worker)


def post_fork(_server, worker) -> None:
    """In the new worker, before it starts any thread: every thread it starts inherits the CPU."""
    if worker.cpu is not None:
        os.sched_setaffinity(0, {worker.cpu})


def post_worker_init(_worker) -> None:
    """Leave what the worker built at start-up out of every later garbage collection.

    The app, its modules and their caches live as long as the worker; a full
    collection walked them all in the middle of whatever request tripped it.
    """
    gc.collect()
    gc.freeze()
