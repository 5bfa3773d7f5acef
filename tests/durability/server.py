"""The real service under test: gunicorn, 4 workers of 8 threads, run as a process group."""

import contextlib
import http.client
import os
import random
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
WORKERS = 4  # each with app/server/gunicorn_conf.py's threads, as `make serve` runs them
START_TIMEOUT = 30.0


def free_port() -> int:
    """A free loopback port below the ephemeral range.

    The service is restarted on the same port after a kill; a port the kernel
    never hands out to outgoing connections stays free in between.
    """
    low, _high = (
        int(n) for n in Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
    )
    for _attempt in range(200):
        port = random.randrange(10_000, max(low, 10_001))
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port below the ephemeral range")


# TCP states as /proc/net/tcp writes them.
ESTABLISHED = "01"
LISTEN = "0A"


def tcp_sockets(port: int, state: str) -> set[str]:
    """Socket inodes ("socket:[N]", as /proc/<pid>/fd links read) of local `port` in `state`."""
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == state:
            inodes.add(f"socket:[{fields[9]}]")
    return inodes


def socket_fds(pid: int) -> dict[int, str]:
    """A process's descriptors and what they link to ("socket:[N]" for a socket)."""
    links = {}
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            links[int(fd.name)] = os.readlink(fd)
        except OSError:
            continue  # closed meanwhile
    return links


_WATCHED_FD = re.compile(r"^tfd:\s+(\d+)", re.MULTILINE)


def listening(pid: int, port: int) -> bool:
    """Whether a worker's poller (an epoll) watches the listening socket of `port`.

    A worker listens only while no other holds fewer connections
    (app/server/balanced_worker.py).
    """
    try:
        links = socket_fds(pid)
        # Read /proc/net/tcp once: it lists every socket of the machine, and
        # reading it per descriptor took seconds on a busy one.
        listening_sockets = tcp_sockets(port, LISTEN)
        listeners = {fd for fd, link in links.items() if link in listening_sockets}
        for fd, link in links.items():
            if link == "anon_inode:[eventpoll]":
                watched = _WATCHED_FD.findall(Path(f"/proc/{pid}/fdinfo/{fd}").read_text())
                if listeners & {int(target) for target in watched}:
                    return True
    except OSError:
        pass  # the worker is gone, or its descriptor closed meanwhile
    return False


def held_connections(pid: int, port: int) -> int:
    """How many established connections to `port` a process holds."""
    established = tcp_sockets(port, ESTABLISHED)
    return sum(link in established for link in socket_fds(pid).values())


def open_connections(port: int, count: int) -> list[socket.socket]:
    """Open `count` connections at once, as a pool of clients does; use each once and keep it."""
    sockets = [socket.create_connection(("127.0.0.1", port)) for _ in range(count)]
    try:
        use_connections(sockets)
    except BaseException:
        close_connections(sockets)
        raise
    return sockets


def use_connections(sockets: list[socket.socket]) -> None:
    """GET /health on each connection (which also restarts its keep-alive timeout)."""
    for sock in sockets:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: test\r\n\r\n")
    for sock in sockets:
        response = http.client.HTTPResponse(sock)
        response.begin()
        assert response.status == 200
        response.read()


def close_connections(sockets: list[socket.socket]) -> None:
    for sock in sockets:
        sock.close()


def _stat_fields(pid_dir: Path) -> list[str]:
    stat = (pid_dir / "stat").read_text()
    # The command name is in parentheses and may hold spaces; fields follow it.
    return stat[stat.rindex(")") + 2 :].split()


def group_members(pgid: int) -> list[int]:
    """Live (non-zombie) processes of a process group, read from /proc."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = _stat_fields(entry)
        except OSError:
            continue
        state, pgrp = fields[0], int(fields[2])
        if pgrp == pgid and state not in ("Z", "X"):
            members.append(int(entry.name))
    return members


class Server:
    """gunicorn serving 'app:create_app()' on one database, started and killed at will."""

    def __init__(
        self,
        database_url: str,
        workdir: Path,
        workers: int = WORKERS,
        env: dict[str, str] | None = None,
        args: tuple[str, ...] = (),
    ):
        """env: settings beyond the defaults; args: gunicorn flags after the config file's."""
        self.workers = workers
        self.args = args
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.workdir = workdir
        self.log_path = workdir / "gunicorn.log"
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "INSTANCE_PATH": str(workdir / "instance"),
            "SECRET_KEY": "durability-secret-key",
            "PYTHONUNBUFFERED": "1",
        }
        for name in (
            "FLASK_APP",
            "FLASK_DEBUG",
            "WEB_CONCURRENCY",
            "WEB_THREADS",
            "WEB_CPU_AFFINITY",
            "GUNICORN_CMD_ARGS",
        ):
            self.env.pop(name, None)
        self.env.update(env or {})
        self.process: subprocess.Popen | None = None
        self.starts = 0
        self.key = ""

    def flask(self, *args: str, stdin: str | None = None) -> str:
        """Run a `flask --app app` command against the database; return its stdout."""
        result = subprocess.run(
            [str(BIN / "flask"), "--app", "app", *args],
            cwd=PROJECT_ROOT,
            env=self.env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"flask {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
        return result.stdout

    def provision(self) -> str:
        """Migrate the empty database, create an admin and return a fresh API key."""
        self.flask("db", "upgrade")
        self.flask(
            "users",
            "create",
            "loadtester",
            "--admin",
            "--password-stdin",
            stdin="durability password\n",
        )
        return self.flask("keys", "create", "loadtester").strip().splitlines()[-1]

    def start(self, path: str = "/health") -> None:
        """Start gunicorn in a new session (its own process group); wait until `path` gives 200."""
        assert self.process is None, "already running"
        self.starts += 1
        with open(self.log_path, "a") as log:
            log.write(f"\n===== start {self.starts} =====\n")
            log.flush()
            self.process = subprocess.Popen(
                [
                    str(BIN / "gunicorn"),
                    "-c",
                    "app/server/gunicorn_conf.py",  # as `make serve` runs it
                    "--workers",
                    str(self.workers),
                    "--bind",
                    f"127.0.0.1:{self.port}",
                    *self.args,
                    "app:create_app()",
                ],
                cwd=PROJECT_ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        self._wait_ready(path)

    def _wait_ready(self, path: str) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"gunicorn exited with {self.process.returncode}:\n{self.log_tail()}"
                )
            ready = health_status(self.port, path=path) == 200
            booted = ready and len(group_members(self.process.pid)) > self.workers
            # Once every worker has booted, each one listens while idle.
            if booted and all(listening(pid, self.port) for pid in self.worker_pids()):
                return
            time.sleep(0.1)
        raise RuntimeError(f"gunicorn not healthy after {START_TIMEOUT}s:\n{self.log_tail()}")

    def worker_pids(self) -> list[int]:
        """The live workers: the members of the master's group other than the master."""
        return [pid for pid in group_members(self.process.pid) if pid != self.process.pid]

    def cpu_seconds(self) -> float:
        """CPU time used so far by the master and its live workers."""
        ticks = 0
        for pid in group_members(self.process.pid):
            try:
                fields = _stat_fields(Path(f"/proc/{pid}"))
            except OSError:
                continue
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
        return ticks / os.sysconf("SC_CLK_TCK")

    def kill(self) -> int:
        """SIGKILL the master and every worker at once; return how many processes died."""
        pgid = self.process.pid
        victims = len(group_members(pgid))
        os.killpg(pgid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self.process = None
        self._wait_group_gone(pgid)
        return victims

    def stop(self) -> None:
        """A graceful stop (SIGTERM to the group), forced after ten seconds."""
        if self.process is None:
            return
        pgid = self.process.pid
        try:
            os.killpg(pgid, signal.SIGTERM)
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(pgid, signal.SIGKILL)
            self.process.wait(timeout=10)
        except ProcessLookupError:
            self.process.wait(timeout=10)
        self.process = None
        self._wait_group_gone(pgid)

    @staticmethod
    def _wait_group_gone(pgid: int) -> None:
        deadline = time.monotonic() + 10
        while group_members(pgid):
            if time.monotonic() > deadline:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(pgid, signal.SIGKILL)
                raise RuntimeError(f"processes of group {pgid} outlived SIGKILL")
            time.sleep(0.05)

    def log_tail(self, lines: int = 60) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def log_errors(self) -> list[str]:
        """Log lines with a traceback or at ERROR/CRITICAL level (for the report)."""
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return [
            line
            for line in text.splitlines()
            if "Traceback" in line or "ERROR" in line or "CRITICAL" in line
        ]


def health_status(port: int, timeout: float = 2.0, path: str = "/health") -> int | None:
    """The status of GET /health (or another path), or None when nothing answers."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.status
    except (OSError, http.client.HTTPException):
        return None
    finally:
        connection.close()
