"""The OpenAPI paths and schemas of evaluation runs and predictions (EVALS.md)."""

from dataclasses import dataclass

from app.api.openapi_parts import (
    BODY_ANSWERS,
    answer_schema,
    body_schemas,
    deleted,
    finished,
    id_param,
    idempotency_key,
    ids_param,
    json_answer,
    json_body,
    jsonl_answer,
    moment,
    nullable,
    operation,
    page_params,
    query_param,
    string,
)
from app.validation import EvaluationRunCreate, EvaluationRunFinish, PredictionCreate


@dataclass(frozen=True)
class _Resource:
    """What the five operations of runs and of predictions differ by."""

    tag: str
    noun: str  # "evaluation run"
    collection: str  # "evaluation_runs"
    id_name: str  # "evaluation_run_id"
    schema_prefix: str  # "EvaluationRun"
    list_params: tuple[dict, ...]
    finish_body: str | None  # the finish's body schema, if it takes one

    @property
    def operation_name(self) -> str:
        return self.noun.replace(" ", "_")


_RUNS = _Resource(
    "Evaluation Runs",
    "evaluation run",
    "evaluation_runs",
    "evaluation_run_id",
    "EvaluationRun",
    tuple(
        query_param(name, {"type": "array", "items": {"type": "string"}}, description)
        for name, description in (
            ("evaluation_run_ids", "Only these runs (repeat the key for each)"),
            ("evaluations", "Only runs of these evaluations (repeat the key for each)"),
            ("models", "Only runs of these models (repeat the key for each)"),
        )
    ),
    "EvaluationRunFinishBody",
)
_PREDICTIONS = _Resource(
    "Predictions",
    "prediction",
    "predictions",
    "prediction_id",
    "Prediction",
    (query_param("evaluation_run_id", {"anyOf": [{"type": "string"}, {"type": "null"}]}),),
    None,
)


def _operations(resource: _Resource) -> dict:
    """The five operations of one resource, keyed by path and method."""
    base = f"/v2/{{entity}}/{{project}}/{resource.collection}"
    one = f"{base}/{{{resource.id_name}}}"
    prefix, noun, name = resource.schema_prefix, resource.noun, resource.operation_name
    path_id = f"v2__entity___project__{resource.collection}"
    missing = json_answer("HTTPError", f"No such {noun} in this entity/project")

    def op(verb: str, suffix: str, summary: str, params: list, responses: dict, **extra) -> dict:
        return operation(
            resource.tag, f"{name}_{verb}_{path_id}{suffix}", summary, params, responses, **extra
        )

    finish_extra = {}
    finish_answers = {
        "200": json_answer(f"{prefix}FinishRes", "Successful Response"),
        "404": missing,
    }
    if resource.finish_body is not None:
        finish_extra["requestBody"] = json_body(resource.finish_body)
        finish_answers.update(BODY_ANSWERS)
    return {
        base: {
            "post": op(
                "create",
                "_post",
                f"Create an {noun}" if noun[0] in "aeiou" else f"Create a {noun}",
                [idempotency_key(resource.id_name)],
                {
                    "200": json_answer(f"{prefix}CreateRes", "Successful Response"),
                    "409": json_answer(
                        "HTTPError", "The Idempotency-Key was used for a different request"
                    ),
                    **BODY_ANSWERS,
                },
                requestBody=json_body(f"{prefix}CreateBody"),
            ),
            "get": op(
                "list",
                "_get",
                f"List {noun}s (JSON lines, oldest first)",
                [*resource.list_params, *page_params()],
                {"200": jsonl_answer(f"{prefix}ReadRes", f"One {noun} object per line")},
            ),
            "delete": op(
                "delete",
                "_delete",
                f"Delete {noun}s",
                [ids_param(f"{resource.id_name}s", f"{noun}s")],
                {"200": json_answer(f"{prefix}DeleteRes", "Successful Response")},
            ),
        },
        one: {
            "get": op(
                "read",
                f"__{resource.id_name}__get",
                f"Read {'an' if noun[0] in 'aeiou' else 'a'} {noun}",
                [id_param(resource.id_name)],
                {"200": json_answer(f"{prefix}ReadRes", "Successful Response"), "404": missing},
            )
        },
        f"{one}/finish": {
            "post": op(
                "finish",
                f"__{resource.id_name}__finish_post",
                f"Finish {'an' if noun[0] in 'aeiou' else 'a'} {noun}",
                [id_param(resource.id_name)],
                finish_answers,
                **finish_extra,
            )
        },
    }


def paths() -> dict:
    return {**_operations(_RUNS), **_operations(_PREDICTIONS)}


def schemas() -> dict:
    any_object = {"type": "object", "additionalProperties": True}
    run = {
        "evaluation_run_id": string("Evaluation Run Id"),
        "evaluation": string("Evaluation"),
        "model": string("Model"),
        "status": string("Status", enum=["running", "finished"]),
        "started_at": moment("Started At"),
        "finished_at": nullable({"type": "string", "format": "date-time"}, "Finished At"),
        "summary": nullable(any_object, "Summary"),
        "source_evaluation_run_id": nullable({"type": "string"}, "Source Evaluation Run Id"),
    }
    span = {
        "type": "object",
        "properties": {"span_id": {"type": "string"}, "trace_id": {"type": "string"}},
        "required": ["span_id", "trace_id"],
    }
    prediction = {
        "prediction_id": string("Prediction Id"),
        "model": string("Model"),
        "inputs": {**any_object, "title": "Inputs"},
        "output": {"title": "Output"},
        "evaluation_run_id": nullable({"type": "string"}, "Evaluation Run Id"),
        "wb_user_id": string("Wb User Id"),
        "created_at": moment("Created At"),
        "genai_span_ref": nullable({"type": "array", "items": span}, "Genai Span Ref"),
    }
    return {
        **body_schemas(EvaluationRunCreate),
        **body_schemas(EvaluationRunFinish),
        **body_schemas(PredictionCreate),
        "EvaluationRunCreateRes": answer_schema(
            "EvaluationRunCreateRes", {"evaluation_run_id": string("Evaluation Run Id")}
        ),
        "EvaluationRunReadRes": answer_schema("EvaluationRunReadRes", run),
        "EvaluationRunFinishRes": finished("EvaluationRunFinishRes"),
        "EvaluationRunDeleteRes": deleted("EvaluationRunDeleteRes"),
        "PredictionCreateRes": answer_schema(
            "PredictionCreateRes", {"prediction_id": string("Prediction Id")}
        ),
        "PredictionReadRes": answer_schema("PredictionReadRes", prediction),
        "PredictionFinishRes": finished("PredictionFinishRes"),
        "PredictionDeleteRes": deleted("PredictionDeleteRes"),
    }
