"""The evaluation side of the mixed traffic: runs and predictions created and read back
among the scores' creates, reads, lists and deletes (traffic.py)."""

import json

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

        def on_reply(reply):
            if reply.status != 200:
                return "run create not acknowledged"
            run_id = reply.json().get("evaluation_run_id")
            if not isinstance(run_id, str) or run_id in ledger.runs:
                return "bad or repeated evaluation_run_id"
            ledger.runs[run_id] = body
            state.runs.append(run_id)
            return None

        def on_doubt():
            ledger.doubtful_runs[body["evaluation"]] = body

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

        def on_reply(reply):
            if reply.status != 200:
                return "prediction create not acknowledged"
            prediction_id = reply.json().get("prediction_id")
            if not isinstance(prediction_id, str) or prediction_id in ledger.predictions:
                return "bad or repeated prediction_id"
            ledger.predictions[prediction_id] = body
            state.predictions.append(prediction_id)
            return None

        def on_doubt():
            ledger.doubtful_predictions[tag] = body

        return "POST", PREDICTIONS, data, on_reply, on_doubt

    def _read_prediction(self, rng, ledger, state):
        prediction_id = rng.choice(state.predictions)

        def on_reply(reply):
            if reply.status != 200:
                return "acknowledged prediction not readable"
            if not prediction_matches(
                reply.json(), prediction_id, ledger.predictions[prediction_id]
            ):
                return "prediction read back differs from what was sent"
            return None

        return "GET", f"{PREDICTIONS}/{prediction_id}", None, on_reply, lambda: None
