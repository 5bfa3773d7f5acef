"""Our /api/v1 scorer-config routes (SCORER_CONFIGS.md): list, read, save, archive."""

from flask import Response, request

from app.api import bp
from app.api.body import BodyError, is_empty, missing_body_error, read_json_body, with_body_prefix
from app.api.responses import error_response, validation_error
from app.auth import current_api_user
from app.services import scorer_configs
from app.services.errors import NotFound
from app.validation import ScoreRulesError, scorer_errors, validate_scorer_config

CONFIGS = "/api/v1/<entity>/<project>/scorer-configs"


class QueryError(Exception):
    """The scorer query parameter is missing or breaks the rules; errors are FastAPI-shaped."""

    def __init__(self, errors: list[dict]):
        super().__init__("bad scorer parameter")
        self.errors = errors


def _json(text: str) -> Response:
    return Response(text, mimetype="application/json")


def _scorer_param() -> str:
    """The ?scorer= of the request; QueryError when missing or invalid."""
    scorer = request.args.get("scorer")
    if scorer is None:
        raise QueryError([{**missing_body_error(), "loc": ["query", "scorer"]}])
    errors = scorer_errors(scorer)
    if errors:
        raise QueryError([{**error, "loc": ["query", "scorer"]} for error in errors])
    return scorer


@bp.get(CONFIGS)
def read_scorer_configs(entity: str, project: str):
    """The active configs, 200 {"configs": [...]}; with ?scorer=, that scorer's latest
    version, archived or not: 200 the config; 404 none; 422 bad scorer."""
    if "scorer" not in request.args:
        configs = scorer_configs.active_configs(entity, project)
        lines = ",".join(scorer_configs.config_json(config) for config in configs)
        return _json(f'{{"configs":[{lines}]}}')
    try:
        scorer = _scorer_param()
    except QueryError as exc:
        return validation_error(exc.errors)
    config = scorer_configs.latest_config(entity, project, scorer)
    if config is None:
        return error_response(404, scorer_configs.NOT_FOUND)
    return _json(scorer_configs.config_json(config))


@bp.post(CONFIGS)
def save_scorer_config(entity: str, project: str):
    """Create a scorer's config, or replace it with a new version. 200 the stored config;
    400 bad UTF-8; 413 too large; 422 invalid (the schema's problems down to the keyword)."""
    try:
        body = read_json_body()
        if is_empty(body):
            return validation_error([{**missing_body_error(), "loc": ["body"]}])
        fields = validate_scorer_config(body)
    except (BodyError, ScoreRulesError) as exc:
        return validation_error(with_body_prefix(exc.errors))
    config = scorer_configs.save_config(entity, project, fields, current_api_user().username)
    return _json(scorer_configs.config_json(config))


@bp.delete(CONFIGS)
def archive_scorer_config(entity: str, project: str):
    """Archive a scorer's config: checks stop, stored scores stay. 200 the config, archived;
    404 none; 422 bad or missing ?scorer=."""
    try:
        scorer = _scorer_param()
    except QueryError as exc:
        return validation_error(exc.errors)
    try:
        config = scorer_configs.archive_config(entity, project, scorer)
    except NotFound as exc:
        return error_response(404, exc.message)
    return _json(scorer_configs.config_json(config))
