"""PostgreSQL stops under traffic: JSON 503s (never 500, HTML or a hang), then recovery alone."""

import os
import threading
import time
from collections import Counter

import pytest

from tests.durability import postgres
from tests.durability.client import Client, TransportError
from tests.durability.traffic import Load
from tests.durability.verify import audit, outcome

CLIENTS = 8
DOWN_FOR = 2.0  # seconds PostgreSQL stays stopped
MAX_ANSWER = 5.0  # seconds: any slower answer counts as a hang
RECOVERY_LIMIT = 15.0  # seconds after PostgreSQL accepts connections again


class HealthProbe:
    """GET /health every 100 ms in a thread, recording (t, status or 0, JSON?, seconds)."""

    def __init__(self, port: int, key: str, started: float):
        self.client = Client(port, key, timeout=MAX_ANSWER * 2)
        self.started = started
        self.samples: list[tuple[float, int, bool, float]] = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name="health-probe")

    def _run(self) -> None:
        while not self.stopping.wait(0.1):
            begun = time.monotonic()
            try:
                reply = self.client.call("GET", "/health")
            except TransportError:
                self.samples.append((begun - self.started, 0, False, time.monotonic() - begun))
                continue
            is_json = reply.content_type.startswith("application/json")
            self.samples.append((begun - self.started, reply.status, is_json, reply.elapsed))

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *_exc):
        self.stopping.set()
        self.thread.join()
        self.client.close()


def _wait_for(condition, limit: float) -> bool:
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


@pytest.mark.outage
def test_postgresql_outage_answers_json_503_and_recovers_without_restart(
    pg_target, make_server, report
):
    if not postgres.cluster_available():
        pytest.skip("no local PostgreSQL cluster to stop (pg_ctlcluster)")
    server = make_server(pg_target)
    server.start()
    with (
        Load(
            server.port,
            server.key,
            tag="outage",
            clients=CLIENTS,
            tolerate="outage",
            timeout=MAX_ANSWER * 2,
        ) as load,
    ):
        load.start(creates=1_000_000, seconds=DOWN_FOR + RECOVERY_LIMIT + 60)
        with HealthProbe(server.port, server.key, load.started) as probe:
            _wait_for(lambda: load.acked_creates() >= 200, 30)
            before = load.acked_creates()
            load.faulting.set()
            stopping = time.monotonic() - load.started
            try:
                postgres.stop()
                down = time.monotonic() - load.started
                time.sleep(DOWN_FOR)
            finally:
                starting = time.monotonic() - load.started
                postgres.start(os.environ["TEST_DATABASE_URL"])
                up = time.monotonic() - load.started

            def created_since_up() -> int:
                return sum(
                    1
                    for ledger in load.ledgers
                    for moment, op, status in ledger.timeline[-50:]
                    if op == "create" and status == 200 and moment > up
                )

            recovered = _wait_for(lambda: created_since_up() > 0, RECOVERY_LIMIT)
            recovery = time.monotonic() - load.started - up
            time.sleep(1.0)  # some steady traffic after recovery
            load.stop()
            ledger = load.join()
    result = audit(server.port, server.key, ledger)

    health_down = [s for s in probe.samples if down + 0.2 < s[0] < starting]
    health_after = [s for s in probe.samples if s[0] > up + recovery + 0.2]
    during = [
        (moment, op, status)
        for moment, op, status in ledger.timeline
        if down + 0.2 < moment < starting
    ]
    stopping_answers = Counter(
        status for moment, _op, status in ledger.timeline if stopping < moment < down
    )
    statuses = sorted({status for *_rest, status in ledger.timeline})
    report(
        {
            "database": "postgresql",
            "clients": CLIENTS,
            "acked_before_outage": before,
            "postgres_stop_s": round(down - stopping, 2),
            "postgres_down_s": round(up - down, 2),
            "recovered_after_s": round(recovery, 2),
            "requests_sent": sum(ledger.requests.values()) + len(probe.samples),
            "statuses": dict(sorted(ledger.statuses.items())),
            "answers_while_stopping_by_status": {str(k): v for k, v in stopping_answers.items()},
            "answers_while_down": len(during),
            "answers_while_down_by_status": {
                str(s): sum(1 for *_r, x in during if x == s)
                for s in sorted({x for *_r, x in during})
            },
            "health_while_down": sorted({s[1] for s in health_down}),
            "health_probes": len(probe.samples),
            "max_latency_s": round(max(ledger.max_latency, *(s[3] for s in probe.samples)), 3),
            "creates_in_doubt": len(ledger.doubtful_creates),
            "faults_injected": 1,
            **outcome(ledger, result, server),
        }
    )
    assert ledger.failures == [], "no answer, a non-JSON error or a wrong answer"
    assert set(statuses) <= {200, 404, 503}, statuses
    assert during and all(status == 503 for _m, _op, status in during)
    assert health_down and all(s[1] == 503 and s[2] for s in health_down), health_down
    assert max(s[3] for s in probe.samples) < MAX_ANSWER
    assert ledger.max_latency < MAX_ANSWER
    assert recovered, f"no create succeeded within {RECOVERY_LIMIT}s of PostgreSQL's return"
    assert health_after and all(s[1] == 200 for s in health_after)
    result.assert_exact()
