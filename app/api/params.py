"""Query parameters of the list route, validated by pydantic like FastAPI's."""

from pydantic import BaseModel, Field, ValidationError
from werkzeug.datastructures import MultiDict

from app.validation import MAX_ROWS


class ListQuery(BaseModel):
    evaluation_run_id: str | None = None
    limit: int | None = Field(default=None, ge=0, le=MAX_ROWS)
    offset: int | None = Field(default=None, ge=0, le=MAX_ROWS)


class QueryError(Exception):
    def __init__(self, errors: list[dict]):
        super().__init__("invalid query")
        self.errors = errors


def parse_list_query(args: MultiDict) -> ListQuery:
    """Validate the list query; raise QueryError with 'query'-prefixed locs."""
    # Only the first of repeated parameters counts, as in FastAPI.
    data = {name: args.get(name) for name in ListQuery.model_fields if name in args}
    try:
        return ListQuery.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        raise QueryError(
            [
                {key: value for key, value in {**error, "loc": ["query", *error["loc"]]}.items()}
                for error in errors
            ]
        ) from None
