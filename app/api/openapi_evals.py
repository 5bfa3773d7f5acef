"""The OpenAPI description of POST /v2/{entity}/{project}/eval_results/query: the body as
app/validation.py validates it, the answer as the vendor's V2EvalResultQueryResponse."""

from app.api.openapi_parts import BODY_ANSWERS, json_body, operation
from app.validation import EvalResultsQuery

REF = "#/components/schemas/{model}"
PATH = "/v2/{entity}/{project}/eval_results/query"


def _ref(name: str) -> dict:
    return {"$ref": REF.format(model=name)}


def _nullable(schema: dict) -> dict:
    return {"anyOf": [schema, {"type": "null"}]}


def _object(title: str, properties: dict, required: list[str]) -> dict:
    return {"type": "object", "title": title, "properties": properties, "required": required}


def schemas() -> dict:
    """The body's schema and its parts, and the answer's."""
    body = EvalResultsQuery.model_json_schema(ref_template=REF)
    parts = body.pop("$defs", {})
    number, integer, text = {"type": "number"}, {"type": "integer"}, {"type": "string"}
    span = _object("GenaiSpanRef", {"span_id": text, "trace_id": text}, ["span_id", "trace_id"])
    trial = _object(
        "EvalResultsTrial",
        {
            "predict_and_score_call_id": text,
            "predict_call_id": _nullable(text),
            "model_output": {},
            "scores": {"type": "object"},
            "scorer_call_ids": {"type": "object", "additionalProperties": text},
            "model_latency_seconds": _nullable(number),
            "total_tokens": _nullable(integer),
            "total_cost": _nullable(number),
            "genai_span_ref": _nullable({"type": "array", "items": _ref("GenaiSpanRef")}),
        },
        ["predict_and_score_call_id", "model_output", "scores", "scorer_call_ids"],
    )
    evaluation = _object(
        "EvalResultsRowEvaluation",
        {
            "evaluation_call_id": text,
            "trials": {"type": "array", "items": _ref("EvalResultsTrial")},
        },
        ["evaluation_call_id", "trials"],
    )
    row = _object(
        "EvalResultsRow",
        {
            "row_digest": text,
            "raw_data_row": {},
            "evaluations": {"type": "array", "items": _ref("EvalResultsRowEvaluation")},
        },
        ["row_digest", "raw_data_row", "evaluations"],
    )
    stat = _object(
        "EvalResultsScorerStat",
        {
            "scorer_key": text,
            "path": _nullable(text),
            "value_type": _nullable({"enum": ["binary", "continuous", "text"]}),
            "trial_count": integer,
            "numeric_count": integer,
            "numeric_mean": _nullable(number),
            "numeric_min": _nullable(number),
            "numeric_max": _nullable(number),
            "pass_true_count": integer,
            "pass_known_count": integer,
            "pass_rate": _nullable(number),
            "pass_signal_coverage": _nullable(number),
        },
        ["scorer_key", "trial_count", "numeric_count", "pass_true_count", "pass_known_count"],
    )
    summary_run = _object(
        "EvalResultsSummaryEvaluation",
        {
            "evaluation_call_id": text,
            "trial_count": integer,
            "scorer_stats": {"type": "array", "items": _ref("EvalResultsScorerStat")},
            "evaluation_ref": _nullable(text),
            "model_ref": _nullable(text),
            "display_name": _nullable(text),
            "trace_id": _nullable(text),
            "started_at": _nullable(text),
            "predict_total_tokens": _nullable(integer),
            "predict_total_cost": _nullable(number),
        },
        ["evaluation_call_id", "trial_count", "scorer_stats"],
    )
    summary = _object(
        "EvalResultsSummary",
        {
            "row_count": integer,
            "evaluations": {"type": "array", "items": _ref("EvalResultsSummaryEvaluation")},
        },
        ["row_count", "evaluations"],
    )
    answer = _object(
        "EvalResultsQueryRes",
        {
            "rows": {"type": "array", "items": _ref("EvalResultsRow")},
            "total_rows": integer,
            "summary": _nullable(_ref("EvalResultsSummary")),
            "warnings": {"type": "array", "items": text},
        },
        ["rows", "total_rows", "warnings"],
    )
    return {
        "EvalResultsQueryBody": body,
        **parts,
        "GenaiSpanRef": span,
        "EvalResultsTrial": trial,
        "EvalResultsRowEvaluation": evaluation,
        "EvalResultsRow": row,
        "EvalResultsScorerStat": stat,
        "EvalResultsSummaryEvaluation": summary_run,
        "EvalResultsSummary": summary,
        "EvalResultsQueryRes": answer,
    }


def paths() -> dict:
    """The route."""
    query = operation(
        "Eval results",
        "eval_results_query_v2__entity___project__eval_results_query_post",
        "Query eval results: runs lined up row by row, with per-scorer statistics",
        [],
        {
            "200": {
                "description": "Successful Response",
                "content": {"application/json": {"schema": _ref("EvalResultsQueryRes")}},
            },
            **BODY_ANSWERS,
        },
        requestBody=json_body("EvalResultsQueryBody"),
        description=(
            "Filters, sorts and pages the rows of the runs (evaluation_run_ids, or its alias"
            " evaluation_call_ids), lined up by row digest. A filter or sort naming a field,"
            " scorer or run that does not exist is a 422 naming it (loc under body)."
        ),
    )
    return {PATH: {"post": query}}
