"""A quick in-process look at the queues section's cases, without the harness.

    .venv/bin/python -m bench.probe_queues [--db sqlite|postgresql] [--repeat N]

Builds a database of its own (/tmp/scores-probe/queues.db, or PostgreSQL
`bench_queues_probe`), migrated and holding only bench/queue_seed.py's queue,
then times the section's cases through Flask's test client, one request at a
time, and prints p50 and p95 per case. For profiling while changing the code;
`make bench` is the measurement that counts.
"""

import argparse
import json
import os
import re
import statistics
import subprocess
import time
from pathlib import Path

from bench import queues, settings

PROBE_DIR = Path("/tmp/scores-probe")
PG_URL = "postgresql://postgres@127.0.0.1:5432/bench_queues_probe"


def _fresh(kind: str) -> str:
    if kind == "sqlite":
        PROBE_DIR.mkdir(exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{PROBE_DIR / 'queues.db'}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{PROBE_DIR / 'queues.db'}"
    for statement in ("DROP DATABASE IF EXISTS bench_queues_probe",
                      "CREATE DATABASE bench_queues_probe"):  # fmt: skip
        subprocess.run(["psql", "-h", settings.HOST, "-U", "postgres", "-qc", statement],
                       check=True)  # fmt: skip
    return PG_URL


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.probe_queues")
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    url = _fresh(args.db)
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": "probe",
        "INSTANCE_PATH": str(PROBE_DIR),
    }
    flask = [str(settings.VENV_BIN / "flask"), "--app", "app"]
    subprocess.run([*flask, "db", "upgrade"], env=env, check=True, capture_output=True)
    subprocess.run([*flask, "users", "create", "bench", "--admin", "--password-stdin"],
                   env=env, input="probe-password\n", text=True, check=True,
                   capture_output=True)  # fmt: skip
    started = time.perf_counter()
    done = subprocess.run(
        [str(settings.VENV_BIN / "python"), str(settings.BENCH_DIR / "queue_seed.py"),
         str(queues.ITEMS)], env={**env, "PYTHONPATH": str(settings.PROJECT_ROOT)},
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    built = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"queue of {queues.ITEMS:,} items built in {time.perf_counter() - started:.1f} s")
    os.environ.update(env)
    from app import create_app

    client = create_app().test_client()
    page = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    client.post("/login", data={"csrf_token": csrf, "username": "bench",
                                "password": "probe-password"})  # fmt: skip
    for label, _script, path in queues.cases(built):
        times, status = [], 0
        started = time.perf_counter()
        client.get(path)
        print(f"{label:<55} first (cold) {(time.perf_counter() - started) * 1000:7.1f} ms")
        for _ in range(args.repeat):
            started = time.perf_counter()
            status = client.get(path).status_code
            times.append((time.perf_counter() - started) * 1000)
        times.sort()
        p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
        print(f"{label:<55} {status}  p50 {statistics.median(times):7.1f} ms  p95 {p95:7.1f} ms")


if __name__ == "__main__":
    main()
