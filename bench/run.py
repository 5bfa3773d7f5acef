"""One benchmark run: for each database, all servers up at once (the floor only for create),
each case measured on them back to back (in rounds, rotating the order), so that ratios
compare figures taken seconds apart, under the same background load."""

import argparse
import base64
import os
import platform
import subprocess
import sys
import time
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench import admin, evals, noise, queues, report, seed, servers, settings, source, stream, wrk
from bench.settings import CREATE_PROJECT, ENTITY, SECTIONS, Profile

STARTED = time.monotonic()
PREDICTION_SCRIPT = "create_prediction.lua"
PREDICTION_CLIENTS = 16
PREDICTION_CASE = f"create prediction c={PREDICTION_CLIENTS}"


def log(message: str) -> None:
    print(f"[{time.monotonic() - STARTED:6.1f}s] {message}", file=sys.stderr, flush=True)


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="100k scores, short runs (~2 min)")
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument(
        "--only", choices=SECTIONS, action="append", help="run only this section (repeatable)"
    )
    parser.add_argument(
        "--rev", help="measure this git revision of app/ (exported to /tmp), not the working tree"
    )
    parser.add_argument(
        "--profile", action="store_true", help="py-spy one of our workers during each create case"
    )
    return parser.parse_args(argv)


@dataclass
class Target:
    """A running server and the header that authenticates the harness to it."""

    server: servers.Server
    header: tuple[str, str]
    database: str = ""  # the PostgreSQL database it uses, for the interference figure


@dataclass
class Case:
    section: str
    name: str
    script: str
    path: str
    clients: int
    seconds: int
    servers: tuple[str, ...]


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
        "rounds": profile.rounds,
        "sections": sections,
        "app": app_info,
        "workers": settings.WORKERS,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_average_at_start": os.getloadavg(),
        },
        "seed_seconds": {},
    }
    log(
        f"{profile.name} run of {', '.join(sections)} on {', '.join(dbs)}; "
        f"ours from {app_info['source']} ({app_info['commit'][:10]})"
    )
    results: list[dict] = []
    for db in dbs:
        log(f"{db}: preparing databases")
        databases = {
            name: seed.ensure_seeded(name, db, profile, app_root, log=log)
            for name in ("ours", "peer")
        }
        for name, database in databases.items():
            meta["seed_seconds"][f"{name}/{db}"] = round(database.seed_seconds, 1)
        starts = [
            ("ours", servers.ours(databases["ours"], app_root), databases["ours"]),
            ("peer", servers.peer(databases["peer"]), databases["peer"]),
            ("ceiling", servers.ceiling(db), None),
        ]
        if "create" in sections:
            floor = seed.fresh_floor(db)
            starts.append(("floor", servers.floor(floor), floor))
        with ExitStack() as stack:
            targets = {
                name: Target(stack.enter_context(start), _auth(database), _pg_name(database))
                for name, start, database in starts
            }
            log(f"{db}: servers up: " + ", ".join(
                f"{name} {t.server.worker_pids()}" for name, t in targets.items()))  # fmt: skip
            results += measure_db(db, targets, databases, profile, sections, args.profile,
                                  app_root)  # fmt: skip
    meta["seconds"] = round(time.monotonic() - STARTED, 1)
    meta["machine"]["load_average_at_end"] = os.getloadavg()
    checks = report.check_targets(results, profile)
    print(report.render(results, checks, meta))
    print(f"\nresults: {report.save(results, checks, meta)}")
    return 0


def measure_db(db: str, targets: dict[str, Target], databases: dict, profile: Profile,
               sections: tuple, with_profiler: bool, app_root: Path) -> list[dict]:  # fmt: skip
    """Every requested section on one database, the servers interleaved case by case."""
    scores = f"/v2/{ENTITY}/{profile.project}/scores"
    middle = seed.score_id(profile.scores // 2)
    creates = f"/v2/{ENTITY}/{CREATE_PROJECT}/scores"
    predictions = f"/v2/{ENTITY}/{CREATE_PROJECT}/predictions"
    for name, target in targets.items():  # warm-up: imports, pools, caches
        # The floor has only the create route; warming it adds rows to its own table.
        script, path = (
            ("create.lua", creates) if name == "floor" else ("get.lua", f"{scores}/{middle}")
        )
        wrk.run(target.server.base_url, script, [path, *target.header], 4, 1)
        if "create" in sections and name in ("ours", "peer"):
            wrk.run(target.server.base_url, PREDICTION_SCRIPT, [predictions, *target.header], 4, 1)
    all_three, two = ("ours", "peer", "ceiling"), ("ours", "peer")
    all_four = (*all_three, "floor")
    cases: list[Case] = []
    if "read" in sections:
        cases.append(Case("read", "read one score", "get.lua", f"{scores}/{middle}",
                          profile.read_clients, profile.read_seconds, all_three))  # fmt: skip
    if "list" in sections:
        for fraction in profile.ladder:
            offset = int(profile.scores * fraction)
            cases.append(Case("list", f"list limit={profile.limit} offset={offset:,}", "get.lua",
                              f"{scores}?limit={profile.limit}&offset={offset}",
                              profile.read_clients, profile.read_seconds, two))  # fmt: skip
        run = seed.run_id(3, profile)
        for fraction in profile.ladder:
            offset = int(profile.run_size * fraction)
            cases.append(Case("list", f"list limit={profile.limit} run filter offset={offset:,}",
                              "get.lua",
                              f"{scores}?evaluation_run_id={run}&limit={profile.limit}&offset={offset}",
                              profile.read_clients, profile.read_seconds, two))  # fmt: skip
    results = [r for case in cases for r in compare(db, case, targets, profile.rounds)]
    if "stream" in sections:
        for name in two:
            results.append(measure_stream(db, targets[name], profile))
    if "admin" in sections:
        results += measure_admin(db, targets["ours"], databases["ours"], profile)
    if "evals" in sections:
        results += measure_evals(db, targets["ours"], databases["ours"], profile)
    if "queues" in sections:
        results += queues.measure(db, targets["ours"], databases["ours"], app_root,
                                  profile.read_seconds * 2, log, _watched, _record)  # fmt: skip
    # Creates come last: on PostgreSQL the rows they add set autovacuum off on the
    # scores table, and it would otherwise share the machine with the reads.
    if "create" in sections:
        for clients in profile.create_clients:
            case = Case("create", f"create c={clients}", "create.lua", creates, clients,
                        profile.create_seconds, all_four)  # fmt: skip
            spy = _profiler(targets["ours"].server, db, case, profile) if with_profiler else None
            results += compare(db, case, targets, profile.rounds)
            if spy:
                spy.wait()
        # Prediction creates (issue 33), against the peer alone: the ceiling and the floor
        # answer one route, whose body is a score's.
        case = Case("create", PREDICTION_CASE, PREDICTION_SCRIPT, predictions,
                    PREDICTION_CLIENTS, profile.create_seconds, two)  # fmt: skip
        results += compare(db, case, targets, profile.rounds)
    return results


def compare(db: str, case: Case, targets: dict[str, Target], rounds: int) -> list[dict]:
    """Run the case `rounds` times on each server, rotating the order; keep each one's best
    (the fastest round without errors, if any)."""
    runs: dict[str, list[dict]] = {name: [] for name in case.servers}
    order = list(case.servers)
    for _ in range(rounds):
        for name in order:
            target = targets[name]
            figures = _watched(target, wrk.run, target.server.base_url, case.script,
                               [case.path, *target.header], case.clients, case.seconds)  # fmt: skip
            runs[name].append(figures)
        order = order[1:] + order[:1]
    results = []
    for name, figures_list in runs.items():
        # Fast failures inflate requests/s: an error-free round beats any round with errors.
        best = max(figures_list, key=lambda figures: (figures["errors"] == 0, figures["rps"]))
        best["rounds_rps"] = [round(figures["rps"], 1) for figures in figures_list]
        results.append(_record(db, case.section, case.name, name, best))
    summary = ", ".join(
        f"{r['server']} {r['rps']:,.0f} rps p50 {r['p50_ms']:.1f} p99 {r['p99_ms']:.1f} "
        f"cpu {r.get('server_cpu_ms', 0):.2f} ms err {r['errors']} other {r['other_cpu_pct']:.0f}%"
        for r in results
    )
    log(f"{db}: {case.name}: {summary}")
    return results


def measure_stream(db: str, target: Target, profile: Profile) -> dict:
    case = f"stream all {profile.scores:,}"
    path = f"/v2/{ENTITY}/{profile.project}/scores"
    figures = _watched(
        target, stream.measure, target.server, path, target.header[1], profile.scores
    )
    log(f"{db}: {target.server.name}: {case}: {figures['rows_per_s']:,.0f} rows/s, "
        f"growth {figures['rss_growth_mb']} MB, errors {figures['errors']}, "
        f"other {figures['other_cpu_pct']:.0f}%")  # fmt: skip
    return _record(db, "stream", case, target.server.name, figures)


def measure_admin(db: str, target: Target, database: seed.Database, profile: Profile) -> list[dict]:
    """The project page at first, deep and filtered views, one client, so latency is server time."""
    server = target.server
    path = admin.project_path(profile)
    cookie = admin.login(server, seed.USERNAME, database.password)
    if cookie is None or not admin.page_exists(server, path, cookie):
        reason = "no /login page" if cookie is None else f"no page at {path}"
        log(f"{db}: admin section skipped: {reason}")
        return [{"db": db, "section": "admin", "case": "admin project page", "server": "ours",
                 "skipped": reason}]  # fmt: skip
    session = Target(server, ("Cookie", cookie), target.database)
    results = []
    for label, query in admin.pages(profile):
        case = Case("admin", f"admin {label}", "get.lua", path + query, 1,
                    profile.read_seconds * 2, ("ours",))  # fmt: skip
        results += compare(db, case, {"ours": session}, profile.rounds)
    return results


def measure_evals(db: str, target: Target, database: seed.Database, profile: Profile) -> list[dict]:
    """eval_results/query and the evaluation pages, one client; a page not built is skipped."""
    server = target.server
    cookie = admin.login(server, seed.USERNAME, database.password)
    results = []
    for label, method, path, body in evals.cases(profile):
        if method == "POST":
            script, args, header = "post.lua", [path, body or ""], target.header
        else:
            if cookie is None or not admin.page_exists(server, path, cookie):
                reason = "no /login page" if cookie is None else f"no page at {path}"
                log(f"{db}: {label} skipped: {reason}")
                results.append({"db": db, "section": "evals", "case": label, "server": "ours",
                                "skipped": reason})  # fmt: skip
                continue
            script, args, header = "get.lua", [path], ("Cookie", cookie)
        # Warmed on every worker first, as the queues section is: a worker's first line-up
        # of two runs reads and remembers them (bench/README.md, "Lining up runs").
        wrk.run(server.base_url, script, [*args, *header], 2 * settings.WORKERS, 2)
        time.sleep(queues.WARM_PAUSE)
        figures = _watched(target, wrk.run, server.base_url, script, [*args, *header], 1,
                           profile.read_seconds * 2)  # fmt: skip
        log(f"{db}: {label}: p50 {figures['p50_ms']:.1f} p95 {figures['p95_ms']:.1f} ms, "
            f"errors {figures['errors']}")  # fmt: skip
        results.append(_record(db, "evals", label, "ours", figures))
    return results


def _watched(target: Target, measure_once, *args) -> dict:
    """Run one measurement and add the CPU share other processes took meanwhile."""
    server = target.server
    databases = (target.database,) if target.database else ()
    watch = noise.CpuWatch([server.process.pid, *server.worker_pids()], databases)
    figures = measure_once(*args)
    figures["other_cpu_pct"] = watch.other_cpu_percent()
    if figures.get("requests"):
        # Steadier than requests/s when the machine's speed drifts: what one answer cost
        # the server (and its PostgreSQL backends), whatever else ran meanwhile.
        cpu_ms = 1000 * watch.server_cpu_seconds() / figures["requests"]
        figures["server_cpu_ms"] = round(cpu_ms, 3)
    return figures


def _profiler(server: servers.Server, db: str, case: Case, profile: Profile) -> subprocess.Popen:
    settings.RESULTS_DIR.mkdir(exist_ok=True)
    output = settings.RESULTS_DIR / f"profile-{db}-create-c{case.clients}.txt"
    pid = server.worker_pids()[0]
    # The case runs `rounds` times on each of its servers; ours is busy only its share of it.
    seconds = case.seconds * profile.rounds * len(case.servers)
    command = [str(settings.VENV_BIN / "py-spy"), "record", "--format", "raw", "--nonblocking",
               "--idle", "-o", str(output), "--pid", str(pid),
               "--duration", str(seconds)]  # fmt: skip
    log(f"py-spy recording worker {pid} into {output} (summarise: python -m bench.pyspy FILE)")
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _auth(database: seed.Database | None) -> tuple[str, str]:
    if database is None or not database.api_key:  # the ceiling and the floor take no auth
        return ("Authorization", "Basic eDp4")
    token = base64.b64encode(f"api:{database.api_key}".encode()).decode()
    return ("Authorization", f"Basic {token}")


def _pg_name(database: seed.Database | None) -> str:
    if database is None or database.kind != "postgresql":
        return ""
    return database.url.rsplit("/", 1)[1]


def _record(db: str, section: str, case: str, server: str, figures: dict) -> dict:
    return {"db": db, "section": section, "case": case, "server": server, **figures}
