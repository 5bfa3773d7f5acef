"""SIGKILL the whole gunicorn group mid-load, restart: every acknowledged score, prediction
and run survives once."""

import time

import pytest

from tests.durability.traffic import Ledger, Load
from tests.durability.verify import audit, outcome

CLIENTS = 32
KILLS = 2
KILL_AFTER_CREATES = 300  # acknowledged creates of a round before its kill
ROUND_LIMIT = 40.0


@pytest.mark.slow
def test_sigkill_mid_load_keeps_every_acknowledged_score(target, make_server, report):
    server = make_server(target)
    server.start()
    ledger = Ledger()
    figures = {"database": target.kind, "kills": [], "integrity_checks": []}
    for round_number in range(KILLS):
        with Load(
            server.port,
            server.key,
            tag=f"crash{round_number}",
            clients=CLIENTS,
            seed=round_number + 11,
            tolerate="crash",
        ) as load:
            load.start(creates=10 * KILL_AFTER_CREATES, seconds=ROUND_LIMIT)
            deadline = time.monotonic() + ROUND_LIMIT
            while load.acked_creates() < KILL_AFTER_CREATES and time.monotonic() < deadline:
                time.sleep(0.02)
            load.faulting.set()
            processes = server.kill()
            load.stop()
            round_ledger = load.join()
        ledger.merge(round_ledger)
        if target.kind == "sqlite":
            figures["integrity_checks"].append(target.integrity_check())
        figures["kills"].append(
            {
                "after_s": round(load.elapsed, 1),
                "processes_killed": processes,
                "creates_acknowledged": len(round_ledger.acked),
                "predictions_acknowledged": len(round_ledger.predictions),
                "runs_acknowledged": len(round_ledger.runs),
                "predictions_in_doubt": len(round_ledger.doubtful_predictions),
                "requests_cut": round_ledger.transport_errors,
                "creates_in_doubt": len(round_ledger.doubtful_creates),
                "deletes_in_doubt": len(round_ledger.doubtful_deletes),
            }
        )
        restarted = time.monotonic()
        server.start()
        figures["kills"][-1]["restart_s"] = round(time.monotonic() - restarted, 1)
        audited = time.monotonic()
        result = audit(server.port, server.key, ledger, read_sample=100)
        figures["kills"][-1]["audit_s"] = round(time.monotonic() - audited, 1)
        assert result.problems == [], f"after kill {round_number + 1}: {result.problems[:5]}"

    # The restarted service takes ordinary traffic again.
    after = Load(server.port, server.key, tag="after", clients=8, seed=99)
    ledger.merge(after.run(creates=200, seconds=30))
    result = audit(server.port, server.key, ledger)
    if target.kind == "sqlite":
        server.stop()
        figures["integrity_checks"].append(target.integrity_check())
    report(
        {
            **figures,
            "requests_sent": sum(ledger.requests.values()),
            "faults_injected": len(figures["kills"]),
            **outcome(ledger, result, server),
        }
    )
    assert ledger.failures == []
    assert not any(" 5" in status for status in ledger.statuses), ledger.statuses
    assert all(kill["creates_acknowledged"] >= KILL_AFTER_CREATES for kill in figures["kills"])
    assert all(kill["predictions_acknowledged"] > 0 for kill in figures["kills"])
    result.assert_exact()
    assert all(verdict == "ok" for verdict in figures["integrity_checks"])
