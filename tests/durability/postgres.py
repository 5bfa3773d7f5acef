"""Stopping and starting the local PostgreSQL cluster, for the outage test."""

import os
import shutil
import subprocess
import time

import psycopg

CLUSTER_ROOT = "/etc/postgresql"


def cluster_available() -> bool:
    return shutil.which("pg_ctlcluster") is not None and os.path.isdir(CLUSTER_ROOT)


def _pg_ctl(action: str, *extra: str) -> None:
    version = sorted(os.listdir(CLUSTER_ROOT))[0]
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", action, *extra],
        check=True,
        capture_output=True,
        timeout=60,
    )


def stop() -> None:
    """Stop the cluster now, cutting every session ("fast" mode)."""
    _pg_ctl("stop", "-m", "fast")


def start(conninfo: str, timeout: float = 60.0) -> None:
    """Start the cluster (if it is down) and wait until it accepts connections."""
    try:
        _pg_ctl("start")
    except subprocess.CalledProcessError as exc:
        # "already running" is fine; anything else shows up in the wait below.
        if b"already running" not in (exc.stderr or b"") + (exc.stdout or b""):
            raise
    deadline = time.monotonic() + timeout
    while True:
        try:
            with psycopg.connect(conninfo, connect_timeout=2) as connection:
                connection.execute("SELECT 1")
            return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
