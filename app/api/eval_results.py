"""POST /v2/{entity}/{project}/eval_results/query: runs side by side, row by row."""

from app.api import bp
from app.api.body import BodyError, is_empty, missing_body_error, read_json_body, with_body_prefix
from app.api.responses import json_response, validation_error
from app.services import eval_answer, eval_results
from app.services.errors import InvalidQuery
from app.validation import ScoreRulesError, validate_eval_query


@bp.post("/v2/<entity>/<project>/eval_results/query")
def query_eval_results(entity: str, project: str):
    """Rows of the runs lined up by digest, with statistics. 200; 400 bad UTF-8; 413 too large;
    422 invalid body, or a field, scorer or run that does not exist."""
    try:
        body = read_json_body()
        if is_empty(body):
            return validation_error([{**missing_body_error(), "loc": ["body"]}])
        query = validate_eval_query(body)
    except (BodyError, ScoreRulesError) as exc:
        return validation_error(with_body_prefix(exc.errors))
    try:
        result = eval_results.run_query(entity, project, query)
    except InvalidQuery as exc:
        return validation_error(
            [
                {
                    "type": "value_error",
                    "loc": ["body", *exc.loc],
                    "msg": exc.message,
                    "input": exc.value,
                }
            ]
        )
    return json_response(eval_answer.api_answer(result, query.include_raw_data_rows))
