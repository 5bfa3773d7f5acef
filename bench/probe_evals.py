"""A quick in-process look at the evaluation reads on a seeded project, without the harness.

    .venv/bin/python -m bench.probe_evals [--db sqlite|postgresql] [--quick] [--repeat N]

Seeds (or reuses) a database of its own, apart from the benchmark's
(/tmp/scores-probe, PostgreSQL `bench_app_probe`), with bench/seed.py's
project, then times the eval_results query of the benchmark's case, the
Compare page and the other evaluation pages through Flask's test client,
one request at a time, and prints p50 and p95 per case. For profiling
while changing the code; `make bench` is the measurement that counts.
"""

import argparse
import base64
import os
import re
import statistics
import time
from dataclasses import replace
from pathlib import Path

from bench import evals, seed, settings

PROBE_DIR = Path("/tmp/scores-probe")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.probe_evals")
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    settings.WORK_DIR = PROBE_DIR
    base = settings.QUICK if args.quick else settings.FULL
    profile = replace(base, postgres_suffix=base.postgres_suffix + "_probe")
    database = seed.ensure_seeded("ours", args.db, profile, settings.PROJECT_ROOT)
    os.environ.update(seed.server_env(database))
    from app import create_app

    app = create_app()
    client = app.test_client()
    token = base64.b64encode(f"api:{database.api_key}".encode()).decode()
    api = {"Authorization": f"Basic {token}"}
    page = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    client.post(
        "/login",
        data={"csrf_token": csrf, "username": seed.USERNAME, "password": database.password},
    )
    for label, method, path, body in evals.cases(profile):
        headers = api if method == "POST" else {}
        times, status = [], 0
        started = time.perf_counter()
        client.open(path, method=method, data=body, headers=headers,
                    content_type="application/json")  # fmt: skip
        print(f"{label:<55} first (cold) {(time.perf_counter() - started) * 1000:7.1f} ms")
        for _ in range(args.repeat):
            started = time.perf_counter()
            response = client.open(path, method=method, data=body, headers=headers,
                                   content_type="application/json")  # fmt: skip
            times.append((time.perf_counter() - started) * 1000)
            status = response.status_code
        times.sort()
        p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
        print(f"{label:<55} {status}  p50 {statistics.median(times):7.1f} ms  p95 {p95:7.1f} ms")


if __name__ == "__main__":
    main()
