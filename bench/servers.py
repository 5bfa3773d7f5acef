"""Start and stop the servers, wait for /health, find and measure their workers."""

import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from bench import settings
from bench.seed import Database, server_env

PORTS = {"ours": 18101, "peer": 18102, "ceiling": 18103, "floor": 18104}
# One gunicorn configuration for ours, the ceiling and the floor: what `make serve`
# runs (app/server/gunicorn_conf.py: balanced threaded workers on one listening socket),
# with the worker counts pinned and a timeout long enough for a full stream.
GUNICORN_CONFIG = Path("app") / "server" / "gunicorn_conf.py"
# Where revisions before app/server/ kept it (bench --rev of an older commit).
OLD_GUNICORN_CONFIG = Path("app") / "gunicorn_conf.py"


def gunicorn_args(kind: str, app_root: Path = settings.PROJECT_ROOT) -> tuple[str, ...]:
    """The shared flags on a database kind, with app_root's configuration (else the tree's)."""
    config = app_root / GUNICORN_CONFIG
    if not config.exists():
        config = app_root / OLD_GUNICORN_CONFIG
    if not config.exists():  # a revision from before the file
        config = settings.PROJECT_ROOT / GUNICORN_CONFIG
    return (
        "-c", str(config),
        "--workers", str(settings.WORKERS), "--threads", str(settings.THREADS[kind]),
        "--timeout", "300",
    )  # fmt: skip


@dataclass
class Server:
    name: str  # "ours", "peer", "ceiling" or "floor"
    command: list[str]
    cwd: Path
    env: dict[str, str]
    port: int
    process: subprocess.Popen | None = None
    log_path: Path = field(default_factory=Path)

    @property
    def base_url(self) -> str:
        return f"http://{settings.HOST}:{self.port}"

    def start(self, timeout: float = 60.0) -> None:
        """Launch in its own process group and wait until /health answers 200."""
        _check_port_free(self.port)
        logs = settings.WORK_DIR / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        self.log_path = logs / f"{self.name}.log"
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                self.command,
                cwd=self.cwd,
                env=self.env,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited; see {self.log_path}")
            if _healthy(self.base_url) and len(self.worker_pids()) >= settings.WORKERS:
                return
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"{self.name} did not become healthy; see {self.log_path}")

    def stop(self) -> None:
        """SIGTERM the server's process group, then SIGKILL whatever is left."""
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def worker_pids(self) -> list[int]:
        """The processes that serve requests: the master's children, minus helpers."""
        if self.process is None:
            return []
        pids = []
        for pid in _children(self.process.pid):
            cmdline = _read(f"/proc/{pid}/cmdline").replace("\0", " ")
            if "resource_tracker" not in cmdline:
                pids.append(pid)
        return pids

    def worker_rss(self) -> dict[int, int]:
        """Resident set size in bytes of each worker, from /proc/<pid>/status."""
        sizes = {}
        for pid in self.worker_pids():
            for line in _read(f"/proc/{pid}/status").splitlines():
                if line.startswith("VmRSS:"):
                    sizes[pid] = int(line.split()[1]) * 1024
        return sizes

    def __enter__(self) -> "Server":
        self.start()
        return self

    def __exit__(self, *_exc) -> None:
        self.stop()


def ours(database: Database, app_root: Path) -> Server:
    """Our app under gunicorn, run from app_root (the working tree or an exported revision)."""
    command = [
        str(settings.VENV_BIN / "gunicorn"),
        *gunicorn_args(database.kind, app_root),
        "--bind",
        f"{settings.HOST}:{PORTS['ours']}",
        "app:create_app()",
    ]
    return Server("ours", command, app_root, server_env(database), PORTS["ours"])


def peer(database: Database) -> Server:
    """The FastAPI peer under uvicorn's own multi-process mode (what the FastAPI docs show)."""
    command = [
        str(settings.VENV_BIN / "uvicorn"),
        "bench.peer.main:app",
        "--host",
        settings.HOST,
        "--port",
        str(PORTS["peer"]),
        "--workers",
        str(settings.WORKERS),
        "--no-access-log",
    ]
    env = {**os.environ, "PEER_DATABASE_URL": database.url}
    return Server("peer", command, settings.PROJECT_ROOT, env, PORTS["peer"])


def ceiling(kind: str) -> Server:
    """The bare Flask app under the gunicorn configuration ours runs on this database kind."""
    command = [
        str(settings.VENV_BIN / "gunicorn"),
        *gunicorn_args(kind),
        "--bind",
        f"{settings.HOST}:{PORTS['ceiling']}",
        "bench.ceiling:create_app()",
    ]
    return Server("ceiling", command, settings.PROJECT_ROOT, dict(os.environ), PORTS["ceiling"])


def floor(database: Database) -> Server:
    """The one-insert Flask app on its own database, under the same gunicorn configuration."""
    command = [
        str(settings.VENV_BIN / "gunicorn"),
        *gunicorn_args(database.kind),
        "--bind",
        f"{settings.HOST}:{PORTS['floor']}",
        "bench.floor:create_app()",
    ]
    env = {**os.environ, "FLOOR_DATABASE_URL": database.env_url}
    return Server("floor", command, settings.PROJECT_ROOT, env, PORTS["floor"])


def _healthy(base_url: str) -> bool:
    try:
        with urllib.request.urlopen(base_url + "/health", timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def _check_port_free(port: int) -> None:
    import socket

    with socket.socket() as probe:
        if probe.connect_ex((settings.HOST, port)) == 0:
            raise RuntimeError(f"port {port} is already in use on {settings.HOST}")


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        found.extend(int(child) for child in _read(f"{task}/children").split())
    return found


def _read(path: str) -> str:
    try:
        with open(path) as handle:
            return handle.read()
    except OSError:
        return ""
