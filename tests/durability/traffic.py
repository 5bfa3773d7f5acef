"""Mixed API traffic from many concurrent clients, with a ledger of what was acknowledged:
scores created, read, listed and deleted, runs and predictions created and read."""

import json
import random
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from urllib.parse import urlencode

from tests.durability.acknowledged import creation, reading
from tests.durability.client import SCORES, Client, TransportError, json_lines
from tests.durability.evaluation_traffic import EvaluationOperations
from tests.durability.values import matches, score_body

OPERATIONS = (
    "create",
    "create_prediction",
    "create_run",
    "read",
    "read_prediction",
    "read_deleted",
    "list_run",
    "list_page",
    "delete",
)
WEIGHTS = (62, 10, 1, 9, 2, 2, 2, 2, 10)


@dataclass
class Ledger:
    """What one client (or, merged, all of them) sent and what the service acknowledged."""

    acked: dict[str, dict] = field(default_factory=dict)  # score_id -> body, got 200
    deleted: set[str] = field(default_factory=set)  # delete acknowledged
    doubtful_creates: dict[str, dict] = field(default_factory=dict)  # prediction_id -> body
    doubtful_deletes: set[str] = field(default_factory=set)
    predictions: dict[str, dict] = field(default_factory=dict)  # prediction_id -> body, got 200
    doubtful_predictions: dict[str, dict] = field(default_factory=dict)  # inputs' tag -> body
    runs: dict[str, dict] = field(default_factory=dict)  # evaluation_run_id -> body, got 200
    doubtful_runs: dict[str, dict] = field(default_factory=dict)  # evaluation -> body
    requests: Counter = field(default_factory=Counter)  # op -> count
    statuses: Counter = field(default_factory=Counter)  # "op status" -> count
    failures: list[str] = field(default_factory=list)
    transport_errors: int = 0
    max_latency: float = 0.0
    timeline: list[tuple[float, str, int]] = field(default_factory=list)  # (t, op, status)

    def merge(self, other: "Ledger") -> None:
        self.acked.update(other.acked)
        self.deleted |= other.deleted
        self.doubtful_creates.update(other.doubtful_creates)
        self.doubtful_deletes |= other.doubtful_deletes
        self.predictions.update(other.predictions)
        self.doubtful_predictions.update(other.doubtful_predictions)
        self.runs.update(other.runs)
        self.doubtful_runs.update(other.doubtful_runs)
        self.requests.update(other.requests)
        self.statuses.update(other.statuses)
        self.failures.extend(other.failures)
        self.transport_errors += other.transport_errors
        self.max_latency = max(self.max_latency, other.max_latency)
        self.timeline.extend(other.timeline)


class Load(EvaluationOperations):
    """`clients` threads sending mixed traffic until a score create quota, a deadline or stop().

    tolerate names the fault being injected: "none" (every answer must be the
    expected one), "crash" (once `faulting` is set, a missing answer is a
    doubtful write, not a failure) or "outage" (a JSON 503 is always allowed
    and makes the write doubtful; a missing answer is always a failure).
    """

    def __init__(
        self,
        port: int,
        key: str,
        *,
        tag: str,
        clients: int = 32,
        seed: int = 5,
        tolerate: str = "none",
        timeout: float = 15.0,
    ):
        self.port, self.key, self.tag, self.clients = port, key, tag, clients
        self.seed, self.tolerate, self.timeout = seed, tolerate, timeout
        self.stop_event = threading.Event()
        self.faulting = threading.Event()
        self.ledgers = [Ledger() for _ in range(clients)]
        self.started = 0.0
        self._pool: ThreadPoolExecutor | None = None
        self._futures = []

    def start(self, creates: int, seconds: float) -> None:
        self.started = time.monotonic()
        deadline = self.started + seconds
        quotas = [
            creates // self.clients + (i < creates % self.clients) for i in range(self.clients)
        ]
        self._pool = ThreadPoolExecutor(max_workers=self.clients, thread_name_prefix=self.tag)
        self._futures = [
            self._pool.submit(self._drive, i, quotas[i], deadline) for i in range(self.clients)
        ]

    def __enter__(self) -> "Load":
        return self

    def __exit__(self, *_exc) -> None:
        # On the way out of a failed test too: no client outlives the test.
        self.stop_event.set()
        if self._pool is not None:
            self._pool.shutdown(wait=True)

    def acked_creates(self) -> int:
        return sum(len(ledger.acked) for ledger in self.ledgers)

    def stop(self) -> None:
        self.stop_event.set()

    def join(self) -> Ledger:
        """Wait for every client; return the merged ledger (with the wall time in seconds)."""
        for future in self._futures:
            future.result()
        self._pool.shutdown()
        self.elapsed = time.monotonic() - self.started
        merged = Ledger()
        for ledger in self.ledgers:
            merged.merge(ledger)
        return merged

    def run(self, creates: int, seconds: float) -> Ledger:
        self.start(creates, seconds)
        return self.join()

    # One client -----------------------------------------------------------

    def _drive(self, index: int, quota: int, deadline: float) -> None:
        rng = random.Random(self.seed * 10_000 + index)
        ledger = self.ledgers[index]
        client = Client(self.port, self.key, self.timeout)
        state = _ClientState(index=index, run_id=f"{self.tag}-run-{index}")
        try:
            while (
                len(ledger.acked) + len(ledger.doubtful_creates) < quota
                and not self.stop_event.is_set()
                and time.monotonic() < deadline
            ):
                operation = rng.choices(OPERATIONS, WEIGHTS)[0]
                if operation == "read_prediction" and not state.predictions:
                    operation = "create_prediction"
                elif not operation.startswith("create") and not state.live:
                    operation = "create"
                elif operation == "read_deleted" and not state.gone:
                    operation = "read"
                if not self._one(client, rng, ledger, state, operation):
                    break
        finally:
            client.close()

    def _one(self, client, rng, ledger, state, operation) -> bool:
        """Send one request and check its answer; False when this client should stop."""
        method, path, body, on_reply, on_doubt = getattr(self, f"_{operation}")(rng, ledger, state)
        ledger.requests[operation] += 1
        faulting = self.faulting.is_set()
        try:
            reply = client.call(method, path, body)
        except TransportError as exc:
            ledger.transport_errors += 1
            ledger.timeline.append((time.monotonic() - self.started, operation, 0))
            on_doubt()
            if self.tolerate == "crash" and (faulting or self.faulting.is_set()):
                return False
            ledger.failures.append(f"{method} {path}: no answer ({exc})")
            return True
        ledger.statuses[f"{operation} {reply.status}"] += 1
        ledger.max_latency = max(ledger.max_latency, reply.elapsed)
        ledger.timeline.append((time.monotonic() - self.started, operation, reply.status))
        if reply.status == 503 and self.tolerate == "outage":
            on_doubt()
            self._check_json_error(ledger, method, path, reply)
            return True
        try:
            problem = on_reply(reply)
        except (ValueError, KeyError, AttributeError) as exc:
            problem = f"unreadable answer ({type(exc).__name__}: {exc})"
        if problem:
            ledger.failures.append(
                f"{method} {path} -> {reply.status} {reply.content_type}: {problem}; "
                f"body {reply.body[:300]!r}"
            )
        return True

    @staticmethod
    def _check_json_error(ledger, method, path, reply) -> None:
        try:
            detail = reply.json().get("detail")
        except ValueError:
            detail = None
        if not reply.content_type.startswith("application/json") or not detail:
            ledger.failures.append(
                f"{method} {path} -> {reply.status} not a JSON error: "
                f"{reply.content_type} {reply.body[:200]!r}"
            )

    # Operations: each returns (method, path, body, on_reply, on_doubt) ------

    def _create(self, rng, ledger, state):
        state.seq += 1
        prediction_id = f"{self.tag}-c{state.index}-{state.seq}"
        body = score_body(rng, prediction_id, state.run_id, state.seq)
        data = json.dumps(body, ensure_ascii=rng.random() < 0.5).encode()
        on_reply, on_doubt = creation(
            body, "create", "score_id", ledger.acked, state.live, ledger.doubtful_creates,
            prediction_id,
        )  # fmt: skip
        return "POST", SCORES, data, on_reply, on_doubt

    def _read(self, rng, ledger, state):
        score_id = rng.choice(state.live)
        on_reply = reading("score", score_id, ledger.acked[score_id], matches)
        return "GET", f"{SCORES}/{score_id}", None, on_reply, _nothing

    def _read_deleted(self, rng, ledger, state):
        score_id = rng.choice(state.gone)

        def on_reply(reply):
            if reply.status != 404 or reply.json() != {"detail": "Score not found"}:
                return "deleted score still readable"
            return None

        return "GET", f"{SCORES}/{score_id}", None, on_reply, _nothing

    def _list_run(self, rng, ledger, state):
        # Only this client writes its run id, so the filtered list must be
        # exactly its live scores with that run id, oldest first.
        expected = {
            sid for sid in state.live if ledger.acked[sid].get("evaluation_run_id") == state.run_id
        }
        doubtful = set(ledger.doubtful_deletes)

        def on_reply(reply):
            if reply.status != 200 or not reply.content_type.startswith("application/jsonl"):
                return "list failed"
            scores = [json.loads(line) for line in json_lines(reply.body)]
            ids = [score["score_id"] for score in scores]
            if ids != sorted(ids) or len(ids) != len(set(ids)):
                return "list not in id order or repeats an id"
            known = {sid for sid in ids if sid in ledger.acked}
            unknown = [
                s
                for s in scores
                if s["score_id"] not in ledger.acked
                and s["prediction_id"] not in ledger.doubtful_creates
            ]
            if unknown or not expected <= known or known - expected - doubtful:
                return (
                    f"run list differs: missing {sorted(expected - known)[:3]}, "
                    f"extra {sorted(known - expected - doubtful)[:3]}, unknown {len(unknown)}"
                )
            for score in scores:
                sid = score["score_id"]
                if sid in ledger.acked and not matches(score, sid, ledger.acked[sid]):
                    return f"listed score {sid} differs from what was sent"
            return None

        path = f"{SCORES}?{urlencode({'evaluation_run_id': state.run_id})}"
        return "GET", path, None, on_reply, _nothing

    def _list_page(self, rng, ledger, state):
        limit = rng.choice((10, 50, 100))
        offset = rng.randrange(0, 5000)

        def on_reply(reply):
            if reply.status != 200 or not reply.content_type.startswith("application/jsonl"):
                return "list failed"
            ids = [json.loads(line)["score_id"] for line in json_lines(reply.body)]
            if len(ids) > limit or ids != sorted(ids) or len(ids) != len(set(ids)):
                return "page too long, out of order or repeating an id"
            return None

        return "GET", f"{SCORES}?limit={limit}&offset={offset}", None, on_reply, _nothing

    def _delete(self, rng, ledger, state):
        count = min(len(state.live), rng.choice((1, 1, 2, 3)))
        chosen = rng.sample(state.live, count)
        for score_id in chosen:
            state.live.remove(score_id)
        again = [rng.choice(state.gone)] if state.gone and rng.random() < 0.3 else []
        ids = chosen + again
        if rng.random() < 0.5:
            path, body = f"{SCORES}?{urlencode([('score_ids', i) for i in ids])}", None
        else:
            path, body = SCORES, json.dumps(ids).encode()

        def on_reply(reply):
            if reply.status != 200:
                state.live.extend(chosen)
                return "delete not acknowledged"
            ledger.deleted.update(chosen)
            state.gone.extend(chosen)
            if reply.json() != {"num_deleted": len(chosen)}:
                return f"expected num_deleted {len(chosen)}"
            return None

        def on_doubt():
            ledger.doubtful_deletes.update(chosen)

        return "DELETE", path, body, on_reply, on_doubt


@dataclass
class _ClientState:
    index: int
    run_id: str
    seq: int = 0
    live: list[str] = field(default_factory=list)  # acknowledged, not deleted
    gone: list[str] = field(default_factory=list)  # deletion acknowledged
    predictions: list[str] = field(default_factory=list)  # acknowledged
    runs: list[str] = field(default_factory=list)  # acknowledged


def _nothing() -> None:
    return None
