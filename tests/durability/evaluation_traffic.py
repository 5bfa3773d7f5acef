"""The evaluation side of the mixed traffic: runs and predictions created and read back
among the scores' creates, reads, lists and deletes (traffic.py)."""

import json

from tests.durability.acknowledged import creation, reading
from tests.durability.client import SCORES
from tests.durability.values import prediction_body, prediction_matches, run_body

RUNS = SCORES.replace("/scores", "/evaluation_runs")
PREDICTIONS = SCORES.replace("/scores", "/predictions")


class EvaluationOperations:
    """Operations of traffic.Load, each returning (method, path, body, on_reply, on_doubt)."""

    tag: str

    def _create_run(self, rng, ledger, state):
        state.seq += 1
        tag = f"{self.tag}-r{state.index}-{state.seq}"
        body = run_body(tag, rng.choice(state.runs) if state.runs and rng.random() < 0.5 else None)
        on_reply, on_doubt = creation(
            body, "run create", "evaluation_run_id", ledger.runs, state.runs,
            ledger.doubtful_runs, body["evaluation"],
        )  # fmt: skip
        return "POST", RUNS, json.dumps(body).encode(), on_reply, on_doubt

    def _create_prediction(self, rng, ledger, state):
        state.seq += 1
        tag = f"{self.tag}-p{state.index}-{state.seq}"
        # A run this client created, a run id no run has (free text), or none.
        draw = rng.random()
        run_id = (
            rng.choice(state.runs) if state.runs and draw < 0.6 else state.run_id if draw < 0.8
            else None
        )  # fmt: skip
        body = prediction_body(rng, tag, run_id, state.seq)
        data = json.dumps(body, ensure_ascii=rng.random() < 0.5).encode()
        on_reply, on_doubt = creation(
            body, "prediction create", "prediction_id", ledger.predictions, state.predictions,
            ledger.doubtful_predictions, tag,
        )  # fmt: skip
        return "POST", PREDICTIONS, data, on_reply, on_doubt

    def _read_prediction(self, rng, ledger, state):
        prediction_id = rng.choice(state.predictions)
        body = ledger.predictions[prediction_id]
        on_reply = reading("prediction", prediction_id, body, prediction_matches)
        return "GET", f"{PREDICTIONS}/{prediction_id}", None, on_reply, lambda: None
