"""Request and response bodies, as the vendor's OpenAPI describes them."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ScoreCreate(BaseModel):
    prediction_id: str = Field(min_length=1, max_length=256, description="The prediction ID")
    scorer: str = Field(min_length=1, max_length=1024, description="The scorer reference")
    value: Any = Field(description="The raw output of the scorer")
    evaluation_run_id: str | None = Field(default=None, min_length=1, max_length=256)


class ScoreCreated(BaseModel):
    score_id: str


class ScoreOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    score_id: str = Field(validation_alias="id")
    prediction_id: str
    scorer: str
    value: Any
    evaluation_run_id: str | None
    wb_user_id: str
    created_at: datetime


class Deleted(BaseModel):
    num_deleted: int


class EvaluationRunCreate(BaseModel):
    evaluation: str = Field(min_length=1, max_length=1024, description="The evaluation ref")
    model: str = Field(min_length=1, max_length=1024, description="The model ref")
    source_evaluation_run_id: str | None = Field(default=None, min_length=1, max_length=256)


class EvaluationRunCreated(BaseModel):
    evaluation_run_id: str


class GenaiSpanRef(BaseModel):
    span_id: str = Field(min_length=1, max_length=256)
    trace_id: str = Field(min_length=1, max_length=256)


class PredictionCreate(BaseModel):
    model: str = Field(min_length=1, max_length=1024, description="The model ref")
    inputs: dict[str, Any] = Field(description="The inputs to the prediction")
    output: Any = Field(description="The output of the prediction")
    evaluation_run_id: str | None = Field(default=None, min_length=1, max_length=256)
    genai_span_ref: list[GenaiSpanRef] | None = None


class PredictionCreated(BaseModel):
    prediction_id: str
