"""An eval results query's answer as the API gives it: V2EvalResultQueryResponse."""

from collections.abc import Sequence

from app.services import eval_summary
from app.services.eval_results import Result
from app.services.eval_rows import Row, Trial


def api_answer(result: Result, include_raw_data_rows: bool) -> dict:
    """The query's answer as V2EvalResultQueryResponse."""
    answer: dict = {
        "rows": [_api_row(row, result.run_ids, include_raw_data_rows) for row in result.rows],
        "total_rows": result.total_rows,
        "summary": None,
        "warnings": result.warnings,
    }
    if result.summary is not None:
        answer["summary"] = {
            "row_count": result.row_count,
            "evaluations": [
                eval_summary.evaluation_summary(s.run_id, s.trial_count, s.leaves, s.metadata)
                for s in result.summary
            ],
        }
    return answer


def _api_row(row: Row, run_ids: Sequence[str], raw: bool) -> dict:
    return {
        "row_digest": row.digest,
        "raw_data_row": row.inputs if raw else None,
        "evaluations": [
            {"evaluation_call_id": run_id, "trials": [_api_trial(t) for t in row.trials[run_id]]}
            for run_id in run_ids
            if run_id in row.trials
        ],
    }


def _api_trial(trial: Trial) -> dict:
    return {
        "predict_and_score_call_id": trial.prediction_id,
        "predict_call_id": trial.prediction_id,
        "model_output": trial.output,
        "scores": {key: trial.value(key) for key in trial.scores},
        "scorer_call_ids": {key: score_id for key, (score_id, _s, _v) in trial.scores.items()},
        "model_latency_seconds": None,
        "total_tokens": None,
        "total_cost": None,
        "genai_span_ref": trial.span,
    }
