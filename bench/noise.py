"""How much CPU other processes took while a case ran: others' work on a shared machine.

Busy time of the whole machine (/proc/stat) minus that of the servers under
test, of wrk (our reaped children) and of PostgreSQL's shared processes and
its backends for the benchmark's own databases, as a share of all CPUs over
the case. A high figure means the case competed with something else and its
numbers are pessimistic.
"""

import os
import resource
import time
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def _machine_busy() -> float:
    with open("/proc/stat") as handle:
        fields = [int(value) for value in handle.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle and iowait
    return (sum(fields[:8]) - idle) / TICKS


def _process_cpu(pid: int) -> float:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = text[text.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def _postgres_pids(databases: tuple[str, ...]) -> list[int]:
    """PostgreSQL's shared processes, and the backends connected to our databases."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if (entry / "comm").read_text().strip() != "postgres":
                continue
            title = (entry / "cmdline").read_text().replace("\0", " ")
        except OSError:
            continue
        is_backend = "(" in title or "[local]" in title
        if not is_backend or any(f" {name} " in title for name in databases):
            pids.append(int(entry.name))
    return pids


class CpuWatch:
    """Start before a case, call other_cpu_percent() after it."""

    def __init__(self, server_pids: list[int], databases: tuple[str, ...] = ()):
        self.server_pids = list(server_pids)
        self.databases = databases
        self.started = time.monotonic()
        self.machine = _machine_busy()
        self.children = self._children()
        self.pids = {pid: _process_cpu(pid) for pid in self._pids()}

    def _pids(self) -> list[int]:
        return self.server_pids + _postgres_pids(self.databases)

    @staticmethod
    def _children() -> float:
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        return usage.ru_utime + usage.ru_stime

    def server_cpu_seconds(self) -> float:
        """CPU the server's processes and its PostgreSQL backends took since the start."""
        return sum(max(0.0, _process_cpu(pid) - self.pids.get(pid, 0.0)) for pid in self._pids())

    def other_cpu_percent(self) -> float:
        elapsed = time.monotonic() - self.started
        machine = _machine_busy() - self.machine
        ours = self._children() - self.children + self.server_cpu_seconds()
        share = max(0.0, machine - ours) / (elapsed * (os.cpu_count() or 1))
        return round(min(100.0, 100 * share), 1)
