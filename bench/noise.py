"""How much CPU other processes took while a case ran: others' work on a shared machine.

Busy time of the whole machine (/proc/stat) minus that of the server under
test, of wrk (our reaped children) and of PostgreSQL's processes, as a share
of all CPUs over the case. A high figure means the case competed with
something else and its numbers are pessimistic.
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


def _accounted(server_pids: list[int]) -> float:
    total = sum(_process_cpu(pid) for pid in server_pids)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() in ("postgres",):
                    total += _process_cpu(int(entry.name))
            except OSError:
                continue
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return total + usage.ru_utime + usage.ru_stime


class CpuWatch:
    """Start before a case, call other_cpu_percent() after it."""

    def __init__(self, server_pids: list[int]):
        self.pids = list(server_pids)
        self.started = time.monotonic()
        self.machine = _machine_busy()
        self.ours = _accounted(self.pids)

    def other_cpu_percent(self) -> float:
        elapsed = time.monotonic() - self.started
        machine = _machine_busy() - self.machine
        ours = _accounted(self.pids) - self.ours
        share = max(0.0, machine - ours) / (elapsed * (os.cpu_count() or 1))
        return round(100 * share, 1)
