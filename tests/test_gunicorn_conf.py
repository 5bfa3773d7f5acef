"""app/gunicorn_conf.py, run as gunicorn runs it (a module's globals): its settings and its hook."""

import json
import os
import subprocess
import sys
from pathlib import Path

CONFIG = Path(__file__).resolve().parents[1] / "app" / "gunicorn_conf.py"

# In a child process: freezing objects in the test process would outlive the test.
PROBE = """
import gc, json, runpy, sys
settings = runpy.run_path(sys.argv[1])
before = gc.get_freeze_count()
settings["post_worker_init"](None)
print(json.dumps({
    "workers": settings["workers"], "threads": settings["threads"],
    "reuse_port": settings["reuse_port"], "frozen": gc.get_freeze_count() - before,
}))
"""


def _load(**environ: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("WEB_CONCURRENCY", "WEB_THREADS")}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(CONFIG)],
        env={**env, **environ},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)


def test_defaults_are_threaded_workers_each_on_a_socket_of_its_own():
    loaded = _load()
    assert (loaded["workers"], loaded["threads"], loaded["reuse_port"]) == (2, 16, True)


def test_workers_and_threads_come_from_the_environment():
    loaded = _load(WEB_CONCURRENCY="5", WEB_THREADS="3")
    assert (loaded["workers"], loaded["threads"]) == (5, 3)


def test_a_booted_worker_leaves_its_start_up_objects_out_of_garbage_collection():
    assert _load()["frozen"] > 1000


def test_the_app_sizes_its_pool_for_the_threads_gunicorn_runs(monkeypatch):
    # Both read WEB_THREADS; their defaults must agree, or the PostgreSQL pool
    # of a default `make serve` would be smaller than its thread count.
    from app import config

    monkeypatch.delenv("WEB_THREADS", raising=False)
    assert config.web_threads() == _load()["threads"]
    monkeypatch.setenv("WEB_THREADS", "3")
    assert config.web_threads() == _load(WEB_THREADS="3")["threads"] == 3
