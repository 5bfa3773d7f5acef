"""app/server/gunicorn_conf.py, run as gunicorn runs it (a module's globals): settings and hooks."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

CONFIG = Path(__file__).resolve().parents[1] / "app" / "server" / "gunicorn_conf.py"

# In a child process: freezing objects in the test process would outlive the test.
PROBE = """
import gc, json, runpy, sys
settings = runpy.run_path(sys.argv[1])
before = gc.get_freeze_count()
settings["post_worker_init"](None)
print(json.dumps({
    "workers": settings["workers"], "threads": settings["threads"],
    "reuse_port": settings["reuse_port"], "worker_class": settings["worker_class"],
    "frozen": gc.get_freeze_count() - before,
}))
"""


# Where new workers go: each case is (workers configured, usable CPUs, CPUs of the live workers).
CPU_PROBE = """
import json, runpy, sys
settings = runpy.run_path(sys.argv[1])
cases = json.loads(sys.argv[2])
print(json.dumps([settings["cpu_for_new_worker"](*case) for case in cases]))
"""
# The master's hooks on a real board: two workers seated by pre_fork, each
# showing its connections; then child_exit for the first, as after its death.
SEAT_PROBE = """
import json, os, runpy, sys
from types import SimpleNamespace
settings = runpy.run_path(sys.argv[1])
server = SimpleNamespace(WORKERS={}, num_workers=2)
first, second = SimpleNamespace(), SimpleNamespace()
for pid, worker in ((1, first), (2, second)):
    settings["pre_fork"](server, worker)
    server.WORKERS[pid] = worker
first.seat.join(3)
second.seat.join(5)
os.eventfd_read(first.seat.doorbell)  # rung as the second joined
settings["child_exit"](server, first)
try:
    rung = os.eventfd_read(second.seat.doorbell)
except BlockingIOError:
    rung = 0
print(json.dumps({"seats": [first.seat.number, second.seat.number],
                  "fewest": second.seat.board.fewest(), "second_rung": rung > 0}))
"""
OWN_ENV = ("WEB_CONCURRENCY", "WEB_THREADS", "WEB_CPU_AFFINITY", "DATABASE_URL")


def _run(probe: str, *args: str, **environ: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in OWN_ENV}
    return subprocess.run(
        [sys.executable, "-c", probe, str(CONFIG), *args],
        env={**env, **environ},
        capture_output=True,
        text=True,
        check=False,
    )


def _load(**environ: str) -> dict:
    done = _run(PROBE, **environ)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _cpus_for(cases: list, **environ: str) -> list:
    done = _run(CPU_PROBE, json.dumps(cases), **environ)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_defaults_are_balanced_threaded_workers_on_one_shared_socket():
    loaded = _load()
    assert (loaded["workers"], loaded["threads"], loaded["reuse_port"]) == (2, 32, False)
    assert loaded["worker_class"] == "app.server.balanced_worker.BalancedThreadWorker"


def test_postgresql_gets_fewer_threads_by_default_and_an_empty_setting_is_the_default():
    # The app's PostgreSQL pool follows the thread count: 16 keeps two workers
    # within PostgreSQL's default connection limit.
    for url in ("postgresql://u@h/db", "postgres://u@h/db", "postgresql+psycopg://u@h/db"):
        assert _load(DATABASE_URL=url)["threads"] == 16
    assert _load(DATABASE_URL="sqlite:////tmp/x.db")["threads"] == 32
    assert _load(WEB_THREADS="", DATABASE_URL="postgresql://u@h/db")["threads"] == 16


def test_the_benchmark_runs_every_server_with_the_threads_make_serve_runs_ours():
    from bench import settings

    for kind, url in (("sqlite", ""), ("postgresql", "postgresql://u@h/db")):
        assert settings.THREADS[kind] == _load(DATABASE_URL=url)["threads"]


def test_workers_and_threads_come_from_the_environment():
    loaded = _load(WEB_CONCURRENCY="5", WEB_THREADS="3")
    assert (loaded["workers"], loaded["threads"]) == (5, 3)


def test_a_booted_worker_leaves_its_start_up_objects_out_of_garbage_collection():
    assert _load()["frozen"] > 1000


def test_the_app_sizes_its_pool_for_the_threads_gunicorn_runs(monkeypatch):
    # Both read WEB_THREADS; their defaults must agree, or the PostgreSQL pool
    # of a default `make serve` would be smaller than its thread count.
    from app.server import threads

    monkeypatch.delenv("WEB_THREADS", raising=False)
    for url, count in (("postgresql://u@h/db", 16), ("sqlite:////tmp/x.db", 32), ("", 32)):
        assert threads.web_threads(url) == _load(DATABASE_URL=url)["threads"] == count
    monkeypatch.setenv("WEB_THREADS", "")
    assert threads.web_threads("postgresql://u@h/db") == 16
    monkeypatch.setenv("WEB_THREADS", "3")
    assert threads.web_threads("sqlite://") == _load(WEB_THREADS="3")["threads"] == 3


def test_new_workers_spread_one_per_cpu_and_fill_the_cpu_a_dead_one_left():
    # Two workers on CPUs 2 and 5: the first goes to the lowest free CPU, the
    # second to the other; a replacement takes the CPU that is free again.
    assert _cpus_for([[2, [2, 5], []], [2, [2, 5], [2]], [2, [2, 5], [5]]]) == [2, 5, 2]
    assert _cpus_for([[3, [0, 1, 2, 3], [0, 1]]]) == [2]


def test_workers_are_not_pinned_when_there_are_more_of_them_than_cpus_or_cpus_are_unknown():
    assert _cpus_for([[3, [0, 1], []], [2, [], []]]) == [None, None]


def test_affinity_off_pins_nothing_and_a_wrong_value_stops_gunicorn_with_a_clear_error():
    assert _cpus_for([[2, [0, 1], []]], WEB_CPU_AFFINITY="off") == [None]
    assert _cpus_for([[2, [0, 1], []]], WEB_CPU_AFFINITY=" Auto ") == [0]
    done = _run(PROBE, WEB_CPU_AFFINITY="yes")
    assert done.returncode != 0
    assert "WEB_CPU_AFFINITY must be 'auto' or 'off', not 'yes'" in done.stderr


def test_the_master_seats_each_worker_and_frees_the_seat_of_one_that_exits():
    done = _run(SEAT_PROBE)
    assert done.returncode == 0, done.stderr
    # Once the first has gone, the second holds the fewest and is told to listen.
    assert json.loads(done.stdout) == {"seats": [0, 1], "fewest": 5, "second_rung": True}


# gunicorn's settings as they would load on a release without one of the
# internals the balanced worker needs.
FALLBACK_CONFIG = """
import runpy
from app.server import balanced_worker
balanced_worker.RELIED_ON["methods"] += ("a_method_this_release_dropped",)
globals().update(
    (name, value) for name, value in runpy.run_path({config!r}).items()
    if not name.startswith("__")
)
"""


def test_serving_falls_back_to_gthread_with_a_warning_when_gunicorn_lacks_an_internal(tmp_path):
    config = tmp_path / "fallback_conf.py"
    config.write_text(FALLBACK_CONFIG.format(config=str(CONFIG)))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k not in OWN_ENV}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'scores.db'}", INSTANCE_PATH=str(tmp_path))
    # /health wants the tables there.
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "db", "upgrade"],
        cwd=CONFIG.parents[2], env=env, check=True, capture_output=True,
    )  # fmt: skip
    log = tmp_path / "gunicorn.log"
    with log.open("w") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(config), "--workers", "1",
             "--bind", f"127.0.0.1:{port}", "app:create_app()"],
            cwd=CONFIG.parents[2], env=env, stdout=output, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            assert _health_within(f"http://127.0.0.1:{port}/health", seconds=30) == 200
        finally:
            server.terminate()
            server.wait(timeout=30)
    text = log.read_text()
    assert "lacks what the balanced worker needs" in text
    assert "a_method_this_release_dropped" in text
    assert "serving with gthread" in text


def _health_within(url: str, seconds: float) -> int | None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.status
        except OSError:
            time.sleep(0.2)
    return None
