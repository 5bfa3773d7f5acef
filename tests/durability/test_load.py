"""Mixed traffic from 32 clients against gunicorn: nothing lost, nothing doubled, no 5xx;
scores, predictions and runs alike."""

import time

import pytest

from tests.durability.traffic import Load
from tests.durability.verify import audit, outcome

CREATES = 5000
CLIENTS = 32
TIME_LIMIT = 90.0  # generous: the machine is shared; a quiet one needs about 30 s


@pytest.mark.slow
def test_mixed_load_keeps_every_acknowledged_create_exactly_once(target, make_server, report):
    server = make_server(target)
    server.start()
    client_cpu, server_cpu = time.process_time(), server.cpu_seconds()
    load = Load(server.port, server.key, tag="load", clients=CLIENTS)
    ledger = load.run(creates=CREATES, seconds=TIME_LIMIT)
    client_cpu, server_cpu = time.process_time() - client_cpu, server.cpu_seconds() - server_cpu
    result = audit(server.port, server.key, ledger)
    report(
        {
            "database": target.kind,
            "clients": CLIENTS,
            "seconds": round(load.elapsed, 1),
            "requests_sent": sum(ledger.requests.values()),
            "requests_per_second": round(sum(ledger.requests.values()) / load.elapsed),
            "by_operation": dict(ledger.requests),
            "statuses": dict(sorted(ledger.statuses.items())),
            "max_latency_s": round(ledger.max_latency, 3),
            "client_cpu_s": round(client_cpu, 1),
            "server_cpu_s": round(server_cpu, 1),
            "creates_acknowledged": len(ledger.acked),
            "deletes_acknowledged": len(ledger.deleted),
            "predictions_acknowledged": len(ledger.predictions),
            "runs_acknowledged": len(ledger.runs),
            "faults_injected": 0,
            **outcome(ledger, result, server),
        }
    )
    assert ledger.failures == []
    assert not any(" 5" in status for status in ledger.statuses), ledger.statuses
    assert len(ledger.acked) >= CREATES, "the load did not reach its create quota in time"
    result.assert_exact()
    assert result.listed == result.checked == len(ledger.acked) - len(ledger.deleted)
    # About one prediction for six scores, one run for sixty (traffic.WEIGHTS).
    assert len(ledger.predictions) >= CREATES // 10 and ledger.runs
    assert result.predictions_listed == result.predictions_checked == len(ledger.predictions)
    assert result.runs_listed == result.runs_checked == len(ledger.runs)
