"""One benchmark run: the ceiling once, then each database with ours and the peer in turn."""

import argparse
import base64
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime

from bench import admin, noise, report, seed, servers, settings, source, stream, wrk
from bench.settings import CREATE_PROJECT, ENTITY, SECTIONS, Profile

STARTED = time.monotonic()


def log(message: str) -> None:
    print(f"[{time.monotonic() - STARTED:6.1f}s] {message}", file=sys.stderr, flush=True)


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="100k scores, short runs (~1-2 min)")
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument(
        "--only", choices=SECTIONS, action="append", help="run only this section (repeatable)"
    )
    parser.add_argument(
        "--rev",
        help="measure this git revision of app/ (exported to /tmp) instead of the working tree",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="py-spy record one of our workers during each create run",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    profile = settings.QUICK if args.quick else settings.FULL
    sections = tuple(args.only or SECTIONS)
    dbs = ("sqlite", "postgresql") if args.db == "both" else (args.db,)
    app_root, app_info = source.app_root(args.rev)
    meta = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "profile": profile.name,
        "scores": profile.scores,
        "sections": sections,
        "app": app_info,
        "workers": settings.WORKERS,
        "machine": {
            "cpus": _cpus(),
            "python": platform.python_version(),
            "wrk": _first_line(["/usr/bin/wrk", "-v"]),
        },
        "seed_seconds": {},
    }
    log(
        f"{profile.name} run of {', '.join(sections)} on {', '.join(dbs)}; "
        f"ours from {app_info['source']} ({app_info['commit'][:10]})"
    )
    results: list[dict] = []
    if {"create", "read"} & set(sections):
        with servers.ceiling() as ceiling:
            log("ceiling: bare Flask under gunicorn")
            results += measure_ceiling(ceiling, profile, sections)
    for db in dbs:
        log(f"{db}: preparing databases")
        databases = {
            server: seed.ensure_seeded(server, db, profile, app_root, log=log)
            for server in ("ours", "peer")
        }
        for name, database in databases.items():
            meta["seed_seconds"][f"{name}/{db}"] = round(database.seed_seconds, 1)
            server = servers.ours(database, app_root) if name == "ours" else servers.peer(database)
            with server:
                log(f"{db}: {name} is up (workers {server.worker_pids()})")
                results += measure(server, database, profile, sections, db, args.profile)
    meta["seconds"] = round(time.monotonic() - STARTED, 1)
    checks = report.check_targets(results, profile)
    print(report.render(results, checks, meta))
    print(f"\nresults: {report.save(results, checks, meta)}")
    return 0


def measure_ceiling(server: servers.Server, profile: Profile, sections: tuple) -> list[dict]:
    results = []
    wrk.run(server.base_url, "get.lua", ["/health"], profile.read_clients, 1)  # warm-up
    if "create" in sections:
        for clients in profile.create_clients:
            figures = _watched(
                server,
                wrk.run,
                server.base_url,
                "create.lua",
                [_create_path(), "Basic x"],
                clients,
                profile.create_seconds,
            )
            results.append(_record("-", "create", f"create c={clients}", "ceiling", figures))
    if "read" in sections:
        figures = _watched(
            server,
            wrk.run,
            server.base_url,
            "get.lua",
            [_scores_path(profile) + "/x"],
            profile.read_clients,
            profile.read_seconds,
        )
        results.append(_record("-", "read", "read one score", "ceiling", figures))
    return results


def measure(
    server: servers.Server,
    database: seed.Database,
    profile: Profile,
    sections: tuple,
    db: str,
    with_profiler: bool,
) -> list[dict]:
    """Every requested section against one running server."""
    results = []
    token = base64.b64encode(f"api:{database.api_key}".encode()).decode()
    auth = f"Basic {token}"
    scores = _scores_path(profile)

    def get(
        case: str,
        section: str,
        path: str,
        clients: int = profile.read_clients,
        seconds: int = profile.read_seconds,
        header: tuple = ("Authorization", auth),
    ) -> None:
        figures = _watched(
            server, wrk.run, server.base_url, "get.lua", [path, *header], clients, seconds
        )
        results.append(_record(db, section, case, server.name, figures))
        log(
            f"{db}: {server.name}: {case}: {figures['rps']:,.0f} rps, "
            f"p50 {figures['p50_ms']:.1f} ms, errors {figures['errors']}"
        )

    middle = seed.score_id(profile.scores // 2)
    wrk.run(
        server.base_url,
        "get.lua",
        [f"{scores}/{middle}", "Authorization", auth],
        profile.read_clients,
        1,
    )  # warm-up: imports, pools, caches
    if "read" in sections:
        get("read one score", "read", f"{scores}/{middle}")
    if "list" in sections:
        for fraction in profile.ladder:
            offset = int(profile.scores * fraction)
            get(
                f"list limit={profile.limit} offset={offset:,}",
                "list",
                f"{scores}?limit={profile.limit}&offset={offset}",
            )
        for fraction in profile.ladder:
            offset = int(profile.run_size * fraction)
            get(
                f"list limit={profile.limit} run filter offset={offset:,}",
                "list",
                f"{scores}?evaluation_run_id=run-3&limit={profile.limit}&offset={offset}",
            )
    if "stream" in sections:
        case = f"stream all {profile.scores:,}"
        figures = _watched(server, stream.measure, server, scores, auth, profile.scores)
        results.append(_record(db, "stream", case, server.name, figures))
        log(
            f"{db}: {server.name}: {case}: {figures['rows_per_s']:,.0f} rows/s, "
            f"growth {figures['rss_growth_mb']} MB, errors {figures['errors']}"
        )
    if "create" in sections:
        for clients in profile.create_clients:
            spy = (
                _profiler(server, db, clients, profile)
                if with_profiler and server.name == "ours"
                else None
            )
            figures = _watched(
                server,
                wrk.run,
                server.base_url,
                "create.lua",
                [_create_path(), auth],
                clients,
                profile.create_seconds,
            )
            if spy:
                spy.wait()
            results.append(_record(db, "create", f"create c={clients}", server.name, figures))
            log(
                f"{db}: {server.name}: create c={clients}: {figures['rps']:,.0f} rps, "
                f"p99 {figures['p99_ms']:.1f} ms, errors {figures['errors']}"
            )
    if "admin" in sections and server.name == "ours":
        results += measure_admin(server, database, profile, db)
    return results


def measure_admin(
    server: servers.Server, database: seed.Database, profile: Profile, db: str
) -> list[dict]:
    """The project page at first, deep and filtered views, one client, so latency is server time."""
    path = admin.project_path(profile)
    cookie = admin.login(server, seed.USERNAME, database.password)
    if cookie is None or not admin.page_exists(server, path, cookie):
        reason = "no /login page" if cookie is None else f"no page at {path}"
        log(f"{db}: admin section skipped: {reason}")
        return [
            {
                "db": db,
                "section": "admin",
                "case": "project page",
                "server": "ours",
                "skipped": reason,
            }
        ]
    results = []
    for label, query in admin.pages(profile):
        figures = _watched(
            server,
            wrk.run,
            server.base_url,
            "get.lua",
            [path + query, "Cookie", cookie],
            1,
            profile.read_seconds * 2,
        )
        results.append(_record(db, "admin", f"admin {label}", "ours", figures))
        log(f"{db}: admin {label}: p50 {figures['p50_ms']:.1f} ms, p95 {figures['p95_ms']:.1f} ms")
    return results


def _profiler(server, db: str, clients: int, profile: Profile) -> subprocess.Popen:
    settings.RESULTS_DIR.mkdir(exist_ok=True)
    output = settings.RESULTS_DIR / f"profile-{db}-create-c{clients}.svg"
    command = [
        str(settings.VENV_BIN / "py-spy"),
        "record",
        "--nonblocking",
        "-o",
        str(output),
        "--pid",
        str(server.worker_pids()[0]),
        "--duration",
        str(profile.create_seconds),
    ]
    log(f"py-spy recording worker {server.worker_pids()[0]} into {output}")
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _record(db: str, section: str, case: str, server: str, figures: dict) -> dict:
    return {"db": db, "section": section, "case": case, "server": server, **figures}


def _watched(server: servers.Server, measure_once, *args) -> dict:
    """Run one measurement and add the CPU share other processes took meanwhile."""
    watch = noise.CpuWatch([server.process.pid, *server.worker_pids()])
    figures = measure_once(*args)
    figures["other_cpu_pct"] = watch.other_cpu_percent()
    return figures


def _scores_path(profile: Profile) -> str:
    return f"/v2/{ENTITY}/{profile.project}/scores"


def _create_path() -> str:
    return f"/v2/{ENTITY}/{CREATE_PROJECT}/scores"


def _cpus() -> int:
    import os

    return os.cpu_count() or 0


def _first_line(command: list[str]) -> str:
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    return (done.stdout or done.stderr).splitlines()[0] if (done.stdout or done.stderr) else ""
