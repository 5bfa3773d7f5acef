"""The queues section: a review queue of 10,000 items with 3 reviewers per item, built by
bench/queue_seed.py in the measured app's database; the next item, the review page and the
agreement page, each timed on our server alone, one client (issue 35's targets are p95s)."""

import json
import subprocess
import time
from pathlib import Path

from bench import admin, seed, settings, wrk
from bench.settings import ENTITY

ITEMS = 10_000
# Seconds for the warm-up's requests still in flight to finish before a case is timed.
WARM_PAUSE = 4
# (case label prefix, p95 target in ms)
TARGETS = {
    "queues next item": 50.0,
    "queues review page": 50.0,
    "queues agreement": 500.0,
}


def build(database: seed.Database, app_root: Path) -> dict:
    """Build the queue; {"queue_id", "next_item"} as queue_seed.py printed them."""
    env = {**seed.server_env(database), "PYTHONPATH": str(app_root)}
    done = subprocess.run(
        [str(settings.VENV_BIN / "python"), str(settings.BENCH_DIR / "queue_seed.py"), str(ITEMS)],
        cwd=app_root, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"queue_seed.py failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def cases(built: dict) -> list[tuple[str, str, str]]:
    """(label, lua script, path) of each case."""
    base = f"/p/{ENTITY}/queues/queues/{built['queue_id']}"
    scale = f"{ITEMS:,} items x 3 reviewers"
    return [
        # The redirect to the item: the walk to it and the hold (renewed: one reviewer).
        (f"queues next item: {scale}, 60% done", "redirect.lua", f"{base}/review"),
        (
            "queues review page: the held item, its form",
            "get.lua",
            f"{base}/review?item={built['next_item']}",
        ),  # fmt: skip
        (f"queues agreement: {scale}", "get.lua", f"{base}/agreement"),
        (
            "queues agreement with a judge",
            "get.lua",
            f"{base}/agreement?judge=bench_judge&judge_field=correct",
        ),  # fmt: skip
    ]


def measure(db: str, target, database: seed.Database, app_root: Path, seconds: int, log,
            watched, record) -> list[dict]:  # fmt: skip
    """Build the queue, then time each case with wrk, one client."""
    server = target.server
    cookie = admin.login(server, seed.USERNAME, database.password)
    probe = f"/p/{ENTITY}/queues/queues"
    if cookie is None or not admin.page_exists(server, probe, cookie):
        log(f"{db}: queues section skipped: no page at {probe}")
        return [{"db": db, "section": "queues", "case": "queues", "server": "ours",
                 "skipped": f"no page at {probe}"}]  # fmt: skip
    built = build(database, app_root)
    results = []
    for label, script, path in cases(built):
        # Warmed on every worker first: the agreement statistics' libraries load on first
        # use (about a second). Sequential requests all reach one worker, so two clients
        # per worker, then a pause for what they left in flight.
        wrk.run(server.base_url, script, [path, "Cookie", cookie], 2 * settings.WORKERS, 3)
        time.sleep(WARM_PAUSE)
        figures = watched(target, wrk.run, server.base_url, script,
                          [path, "Cookie", cookie], 1, seconds)  # fmt: skip
        log(f"{db}: {label}: p50 {figures['p50_ms']:.1f} p95 {figures['p95_ms']:.1f} ms, "
            f"errors {figures['errors']}")  # fmt: skip
        results.append(record(db, "queues", label, "ours", figures))
    return results


def target_of(label: str) -> float | None:
    for prefix, target in TARGETS.items():
        if label.startswith(prefix):
            return target
    return None
