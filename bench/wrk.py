"""Run wrk with one of the lua scripts and read back the JSON its done() hook prints."""

import json
import subprocess

from bench import settings

WRK = "/usr/bin/wrk"


def run(base_url: str, script: str, args: list[str], clients: int, seconds: int) -> dict:
    """wrk -t2 -cN for `seconds` against base_url; the figures of the run as a dict."""
    threads = min(2, clients)
    command = [
        WRK,
        f"-t{threads}",
        f"-c{clients}",
        f"-d{seconds}s",
        "--timeout",
        "30s",
        "-s",
        str(settings.LUA_DIR / script),
        base_url,
        "--",
        *args,
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 120)
    for line in done.stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            figures = json.loads(line.removeprefix("BENCH_JSON "))
            figures["clients"] = clients
            return figures
    raise RuntimeError(f"wrk printed no result:\n{done.stdout}\n{done.stderr}")
