"""The bodies of the /v2 creates: a score, an evaluation run (and its finish), a prediction."""

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from app.validation.rules import (
    Identifier,
    JsonObject,
    JsonValue,
    Reference,
    validate,
)


class ScoreCreate(BaseModel):
    """Body of a score create: the schema of the vendor's ScoreCreateBody."""

    model_config = ConfigDict(extra="ignore", title="ScoreCreateBody")

    prediction_id: Identifier = Field(description="The prediction ID")
    scorer: Reference = Field(description="The scorer reference (weave:// URI)")
    value: JsonValue = Field(description="The raw output of the scorer")
    evaluation_run_id: Identifier | None = Field(
        default=None,
        description="Optional evaluation run ID to link this score as a child call",
    )


class EvaluationRunCreate(BaseModel):
    """Body of an evaluation run create (the vendor's EvaluationRunCreateBody)."""

    model_config = ConfigDict(extra="ignore", title="EvaluationRunCreateBody")

    evaluation: Reference = Field(description="Reference to the evaluation (weave:// URI)")
    model: Reference = Field(description="Reference to the model (weave:// URI)")
    source_evaluation_run_id: Identifier | None = Field(
        default=None,
        description="Source evaluation run ID if this run was created by rescoring",
    )


class EvaluationRunFinish(BaseModel):
    """Body of an evaluation run finish: the summary to keep, an object or null."""

    model_config = ConfigDict(extra="ignore", title="EvaluationRunFinishBody")

    summary: JsonObject | None = Field(
        default=None, description="Optional summary dictionary for the evaluation run"
    )


class GenaiSpanRef(BaseModel):
    """A GenAI span a prediction produced (the client's name for it, shown in messages)."""

    model_config = ConfigDict(extra="ignore", title="GenaiSpanRef")

    span_id: Identifier = Field(description="The span ID (1 to 256 characters)")
    trace_id: Identifier = Field(description="The trace ID (1 to 256 characters)")


class PredictionCreate(BaseModel):
    """Body of a prediction create (the vendor's PredictionCreateBody)."""

    model_config = ConfigDict(extra="ignore", title="PredictionCreateBody")

    model: Reference = Field(description="The model reference (weave:// URI)")
    inputs: JsonObject = Field(description="The inputs to the prediction")
    output: JsonValue = Field(description="The output of the prediction")
    evaluation_run_id: Identifier | None = Field(
        default=None,
        description="Optional evaluation run ID to link this prediction as a child call",
    )
    genai_span_ref: list[GenaiSpanRef] | None = Field(
        default=None, description="Optional GenAI span reference(s) produced by this prediction"
    )


def validate_score(data: Any) -> ScoreCreate:
    """Validate a parsed score body; raise RulesError with every problem at once."""
    return validate(ScoreCreate, data)
