"""After the traffic: does the database hold exactly what was acknowledged: every score,
prediction and run?"""

import json
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field

from tests.durability.client import SCORES, Client, json_lines
from tests.durability.evaluation_traffic import PREDICTIONS, RUNS
from tests.durability.traffic import Ledger
from tests.durability.values import matches, prediction_matches, run_matches


@dataclass
class Audit:
    listed: int = 0  # scores in the project
    checked: int = 0  # acknowledged and not deleted: must each be there once, intact
    read_back: int = 0  # of those, also fetched one by one with GET (a spread sample)
    lost: int = 0
    duplicated: int = 0
    corrupted: int = 0
    resurrected: int = 0  # deletion acknowledged, yet still there
    phantoms: int = 0  # neither acknowledged nor in flight
    doubtful_creates_stored: int = 0  # no answer received, but the write did land
    doubtful_creates_absent: int = 0
    doubtful_deletes_applied: int = 0  # no answer (or a 503), but the delete did happen
    doubtful_deletes_not_applied: int = 0
    # Predictions and runs: each acknowledged one there once and intact (lost, duplicated,
    # corrupted and phantoms above count them too).
    predictions_listed: int = 0
    predictions_checked: int = 0
    runs_listed: int = 0
    runs_checked: int = 0
    doubtful_predictions_stored: int = 0
    doubtful_runs_stored: int = 0
    problems: list[str] = field(default_factory=list)

    def figures(self) -> dict:
        figures = asdict(self)
        figures["problems"] = self.problems[:20]
        return figures

    def assert_exact(self) -> None:
        """Every acknowledged score there once and intact; nothing deleted came back."""
        assert self.problems == [], self.problems[:5]
        counts = (self.lost, self.duplicated, self.corrupted, self.resurrected, self.phantoms)
        assert counts == (0, 0, 0, 0, 0)


def outcome(ledger: Ledger, result: Audit, server) -> dict:
    """The figures every durability report ends with: what was checked and found."""
    return {
        "scores_checked": result.checked,
        "predictions_checked": result.predictions_checked,
        "runs_checked": result.runs_checked,
        "lost": result.lost,
        "duplicated": result.duplicated,
        "audit": result.figures(),
        "client_failures": ledger.failures[:20],
        "server_log_errors": server.log_errors()[:20],
    }


def list_project(port: int, key: str, path: str = SCORES) -> list[dict]:
    """Every score (or prediction, or run) of the project, through one list request."""
    client = Client(port, key, timeout=60)
    try:
        reply = client.call("GET", path)
    finally:
        client.close()
    assert reply.status == 200, reply.body[:300]
    return [json.loads(line) for line in json_lines(reply.body)]


def audit(port: int, key: str, ledger: Ledger, read_sample: int = 400) -> Audit:
    """Compare the whole project with the ledger, then GET a sample of the expected scores."""
    result = Audit()
    scores = list_project(port, key)
    result.listed = len(scores)
    by_id: dict[str, list[dict]] = {}
    for score in scores:
        by_id.setdefault(score["score_id"], []).append(score)
    prediction_counts = Counter(score["prediction_id"] for score in scores)
    result.duplicated = sum(len(copies) - 1 for copies in by_id.values()) + sum(
        count - 1 for count in prediction_counts.values()
    )

    expected = set(ledger.acked) - ledger.deleted - ledger.doubtful_deletes
    result.checked = len(expected)
    for score_id in expected:
        copies = by_id.get(score_id)
        if not copies:
            result.lost += 1
            result.problems.append(f"lost {score_id} {ledger.acked[score_id]['prediction_id']}")
        elif not matches(copies[0], score_id, ledger.acked[score_id]):
            result.corrupted += 1
            result.problems.append(f"corrupted {score_id}: {copies[0]!r:.300}")
    for score_id in ledger.deleted & by_id.keys():
        result.resurrected += 1
        result.problems.append(f"deleted but present {score_id}")
    for score_id, copies in by_id.items():
        if score_id in ledger.acked:
            continue
        body = ledger.doubtful_creates.get(copies[0]["prediction_id"])
        if body is None or not matches(copies[0], score_id, body):
            result.phantoms += 1
            result.problems.append(f"unexpected score {copies[0]!r:.300}")
        else:
            result.doubtful_creates_stored += 1
    result.doubtful_creates_absent = len(ledger.doubtful_creates) - result.doubtful_creates_stored
    undecided = ledger.doubtful_deletes - ledger.deleted
    result.doubtful_deletes_not_applied = len(undecided & by_id.keys())
    for score_id in undecided & by_id.keys():
        if not matches(by_id[score_id][0], score_id, ledger.acked[score_id]):
            result.corrupted += 1
            result.problems.append(f"corrupted {score_id}: {by_id[score_id][0]!r:.300}")
    result.doubtful_deletes_applied = len(undecided) - result.doubtful_deletes_not_applied
    # The list above already compared every score; single reads go through
    # another route, so check a spread of them that way too.
    ordered = sorted(expected)
    step = max(1, len(ordered) // read_sample) if read_sample else 0
    if step:
        _read_each(port, key, ledger, ordered[::step], result)
    _audit_evaluations(port, key, ledger, result)
    return result


def _audit_evaluations(port: int, key: str, ledger: Ledger, result: Audit) -> None:
    """Every acknowledged prediction and run listed once and intact; nothing else but
    creates left in doubt (told apart by the prediction's tag, the run's evaluation)."""
    for kind, path, id_name, acked, doubtful, tag_of, same in (
        ("prediction", PREDICTIONS, "prediction_id", ledger.predictions,
         ledger.doubtful_predictions, lambda found: (found.get("inputs") or {}).get("tag"),
         prediction_matches),
        ("run", RUNS, "evaluation_run_id", ledger.runs, ledger.doubtful_runs,
         lambda found: found.get("evaluation"), run_matches),
    ):  # fmt: skip
        listed = list_project(port, key, path)
        by_id: dict[str, list[dict]] = {}
        for found in listed:
            by_id.setdefault(found[id_name], []).append(found)
        tags = Counter(tag_of(found) for found in listed)
        result.duplicated += sum(len(copies) - 1 for copies in by_id.values())
        result.duplicated += sum(count - 1 for count in tags.values())
        for made_id, body in acked.items():
            copies = by_id.get(made_id)
            if not copies:
                result.lost += 1
                result.problems.append(f"lost {kind} {made_id}")
            elif not same(copies[0], made_id, body):
                result.corrupted += 1
                result.problems.append(f"corrupted {kind} {made_id}: {copies[0]!r:.300}")
        stored_doubtful = 0
        for made_id, copies in by_id.items():
            if made_id in acked:
                continue
            body = doubtful.get(tag_of(copies[0]))
            if body is None or not same(copies[0], made_id, body):
                result.phantoms += 1
                result.problems.append(f"unexpected {kind} {copies[0]!r:.300}")
            else:
                stored_doubtful += 1
        if kind == "prediction":
            result.predictions_listed, result.predictions_checked = len(listed), len(acked)
            result.doubtful_predictions_stored = stored_doubtful
        else:
            result.runs_listed, result.runs_checked = len(listed), len(acked)
            result.doubtful_runs_stored = stored_doubtful


def _read_each(port: int, key: str, ledger: Ledger, ids: list[str], result: Audit) -> None:
    def read_slice(part: list[str]) -> list[str]:
        client = Client(port, key, timeout=30)
        problems = []
        try:
            for score_id in part:
                reply = client.call("GET", f"{SCORES}/{score_id}")
                if reply.status != 200 or not matches(
                    reply.json(), score_id, ledger.acked[score_id]
                ):
                    problems.append(f"GET {score_id} -> {reply.status} {reply.body[:200]!r}")
        finally:
            client.close()
        return problems

    slices = [ids[i::16] for i in range(16)]
    with ThreadPoolExecutor(max_workers=16) as pool:
        for problems in pool.map(read_slice, slices):
            result.problems.extend(problems)
            result.corrupted += len(problems)
    result.read_back = len(ids)
