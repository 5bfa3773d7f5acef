"""The body of POST /v2/{entity}/{project}/eval_results/query, as the vendor's
V2EvalResultQueryParams names it; the expression grammar is app/query_grammar.py."""

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from app.query_grammar import FilterQuery
from app.validation.rules import (
    MAX_ROWS,
    Identifier,
    RulesError,
    _check_identifier,
    _not_an_object,
    _plain,
)


class EvalFilter(BaseModel):
    """A filter, optionally scoped to one of the requested runs."""

    model_config = ConfigDict(frozen=True)
    query: FilterQuery
    evaluation_call_id: Identifier | None = None


class EvalSortBy(BaseModel):
    """One sort key: a field, a direction, a mode, optionally scoped to one run."""

    model_config = ConfigDict(frozen=True)
    field: Annotated[str, Field(min_length=1, max_length=1024), AfterValidator(_check_identifier)]
    direction: Literal["asc", "desc"]
    evaluation_call_id: Identifier | None = None
    mode: Literal["value", "difference"] = "value"


class EvalResultsQuery(BaseModel):
    """Body of an eval results query, with the reference server's defaults."""

    model_config = ConfigDict(extra="ignore", title="EvalResultsQueryBody")

    evaluation_call_ids: list[Identifier] | None = None
    evaluation_run_ids: list[Identifier] | None = None
    include_rows: bool = True
    include_summary: bool = False
    include_raw_data_rows: bool = False
    require_intersection: bool = False
    summary_require_intersection: bool | None = None
    filters: list[EvalFilter] | None = None
    filter_logic_operator: Literal["and", "or"] = "or"
    sort_by: list[EvalSortBy] | None = None
    limit: int | None = Field(default=None, ge=0, le=MAX_ROWS)
    offset: int = Field(default=0, ge=0, le=MAX_ROWS)
    include_costs: bool = False
    include_predict_and_score_children: bool = True
    resolve_row_refs: bool = False

    @property
    def run_ids(self) -> list[str]:
        """The runs asked for under either name, each once, in the order given."""
        named = (self.evaluation_call_ids or []) + (self.evaluation_run_ids or [])
        return list(dict.fromkeys(named))


def validate_eval_query(data: Any) -> EvalResultsQuery:
    """Validate a parsed query body; raise RulesError with every problem at once."""
    if not isinstance(data, dict):
        raise RulesError([_not_an_object(data)])
    try:
        return EvalResultsQuery.model_validate(data)
    except ValidationError as exc:
        errors = [_plain(error) for error in exc.errors(include_url=False)]
        raise RulesError([{**e, "loc": _untagged(e["loc"])} for e in errors]) from None


def _untagged(loc: tuple) -> tuple:
    """The loc without the tags a tagged union repeats: ("$eq", "$eq", 0) is ("$eq", 0)."""
    kept: list = []
    for part in loc:
        if not (kept and part == kept[-1] and isinstance(part, str) and part.startswith("$")):
            kept.append(part)
    return tuple(kept)
