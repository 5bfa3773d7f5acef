"""Deleting a run while scores naming it are being written: nothing acknowledged after the
delete is lost, against gunicorn's four workers on both databases.

Each create is timed at the client: when it was sent and when its answer came. A create
sent after the delete's answer came is ordered after the delete, so it must be stored,
every one. A create answered before the delete was sent is ordered before it, so the
delete takes it with the run. A create whose request and answer straddle the delete's
was in flight with it; it may have been stored just before the delete (and go with the
run) or just after (and stay), and may be answered after the delete all the same: no
server can order answers on two connections. The test counts those and checks each is
either gone or stored intact.
"""

import json
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urlencode

import pytest

from tests.durability.client import SCORES, Client, json_lines
from tests.durability.values import matches, score_body

CLIENTS = 16
BEFORE_DELETE = 400  # creates acknowledged before the delete is sent
AFTER_DELETE = 25  # creates each client sends once the delete is answered
RUNS = "/v2/team/proj/evaluation_runs"
PREDICTIONS = "/v2/team/proj/predictions"


@dataclass
class Create:
    body: dict
    sent: float
    answered: float
    status: int
    score_id: str | None


@pytest.mark.slow
def test_deleting_a_run_keeps_every_score_acknowledged_after_it(target, make_server, report):
    server = make_server(target)
    server.start()
    setup = Client(server.port, server.key, timeout=30)
    run_id = _created(setup, RUNS, {"evaluation": "ev", "model": "m"})["evaluation_run_id"]
    prediction_ids = [
        _created(setup, PREDICTIONS, {"model": "m", "inputs": {"i": i}, "output": i,
                                      "evaluation_run_id": run_id})["prediction_id"]
        for i in range(5)
    ]  # fmt: skip
    # Scores of the run's predictions that name no run: they go with their predictions.
    of_predictions = [
        _created(setup, SCORES, {"prediction_id": p, "scorer": "s", "value": 1})["score_id"]
        for p in prediction_ids
    ]
    setup.close()

    acknowledged = threading.Event()  # BEFORE_DELETE creates answered
    deleted: dict[str, float] = {}
    delete_answered = threading.Event()
    creates: list[list[Create]] = [[] for _ in range(CLIENTS)]
    failures: list[str] = []

    def writer(index: int) -> None:
        client = Client(server.port, server.key, timeout=30)
        rng = random.Random(index)
        after = 0
        try:
            while after < AFTER_DELETE:
                seq = len(creates[index])
                body = score_body(rng, f"race-{index}-{seq}", run_id, seq)
                body["evaluation_run_id"] = run_id
                sent = time.monotonic()
                reply = client.call("POST", SCORES, json.dumps(body).encode())
                answered = time.monotonic()
                score_id = reply.json().get("score_id") if reply.status == 200 else None
                creates[index].append(Create(body, sent, answered, reply.status, score_id))
                if reply.status != 200:
                    failures.append(f"create -> {reply.status} {reply.body[:200]!r}")
                if sum(len(c) for c in creates) >= BEFORE_DELETE:
                    acknowledged.set()
                if delete_answered.is_set() and sent > deleted["answered"]:
                    after += 1
        finally:
            client.close()

    def deleter() -> None:
        acknowledged.wait(timeout=60)
        client = Client(server.port, server.key, timeout=30)
        try:
            deleted["sent"] = time.monotonic()
            reply = client.call("DELETE", f"{RUNS}?{urlencode({'evaluation_run_ids': run_id})}")
            deleted["answered"] = time.monotonic()
            deleted["status"] = reply.status
            deleted["answer"] = reply.json()
        finally:
            client.close()
            delete_answered.set()

    with ThreadPoolExecutor(max_workers=CLIENTS + 1) as pool:
        futures = [pool.submit(writer, index) for index in range(CLIENTS)]
        futures.append(pool.submit(deleter))
        for future in futures:
            future.result(timeout=120)

    stored = _stored_scores(server, run_id)
    everything = [create for made in creates for create in made]
    before = [c for c in everything if c.answered < deleted["sent"]]
    after = [c for c in everything if c.sent > deleted["answered"]]
    straddling = [c for c in everything if c not in before and c not in after]
    lost = [c.score_id for c in after if c.score_id not in stored]
    survived = [c.score_id for c in before if c.score_id in stored]
    corrupted = [
        c.score_id
        for c in everything
        if c.score_id in stored and not matches(stored[c.score_id], c.score_id, c.body)
    ]
    kept_straddling = [c for c in straddling if c.score_id in stored]
    answered_after = [c for c in straddling if c.answered > deleted["answered"]]
    checks = Client(server.port, server.key, timeout=30)
    try:
        left = [checks.call("GET", f"{PREDICTIONS}/{p}").status for p in prediction_ids] + [
            checks.call("GET", f"{SCORES}/{s}").status for s in of_predictions
        ]
        run_read = checks.call("GET", f"{RUNS}/{run_id}").status
    finally:
        checks.close()
    report(
        {
            "database": target.kind,
            "requests_sent": len(everything) + 1,
            "faults_injected": 0,
            "scores_checked": len(after),
            "lost": len(lost),
            "duplicated": 0,
            "delete_status": deleted.get("status"),
            "delete_answer": deleted.get("answer"),
            "delete_ms": round(1000 * (deleted["answered"] - deleted["sent"]), 1),
            "creates_answered_before_the_delete_was_sent": len(before),
            "creates_sent_after_the_delete_was_answered": len(after),
            "creates_in_flight_with_the_delete": len(straddling),
            "of_those_stored": len(kept_straddling),
            "of_those_answered_after_the_delete": len(answered_after),
            "of_those_answered_after_the_delete_and_stored": len(
                [c for c in answered_after if c.score_id in stored]
            ),
            "failures": failures[:10],
            "server_log_errors": server.log_errors()[:10],
        }
    )
    assert failures == []
    assert deleted["status"] == 200 and deleted["answer"] == {"num_deleted": 1}
    assert len(after) >= CLIENTS * AFTER_DELETE
    assert lost == [], f"acknowledged after the delete, then lost: {lost[:5]}"
    assert survived == [], f"acknowledged before the delete, yet kept: {survived[:5]}"
    assert corrupted == []
    assert set(stored) <= {c.score_id for c in after + kept_straddling}
    assert run_read == 404 and left == [404] * len(left)
    assert server.log_errors() == []


def _created(client: Client, path: str, body: dict) -> dict:
    reply = client.call("POST", path, json.dumps(body).encode())
    assert reply.status == 200, reply.body[:300]
    return reply.json()


def _stored_scores(server, run_id: str) -> dict[str, dict]:
    client = Client(server.port, server.key, timeout=60)
    try:
        reply = client.call("GET", f"{SCORES}?{urlencode({'evaluation_run_id': run_id})}")
    finally:
        client.close()
    assert reply.status == 200, reply.body[:300]
    scores = [json.loads(line) for line in json_lines(reply.body)]
    assert len({s["score_id"] for s in scores}) == len(scores), "a score listed twice"
    return {score["score_id"]: score for score in scores}
