"""Links a page repeats for every row, built once: the path up to the row's id."""

from typing import Any

from flask import url_for


def path_prefix(endpoint: str, entity: str, project: str, last: str) -> str:
    """The path of an endpoint whose last part is an id, without that id.

    A page appends each row's id (through the id_path filter for run and
    prediction ids): url_for costs tens of microseconds, and a page has hundreds.
    """
    values: dict[str, Any] = {"entity": entity, "project": project, last: "_"}
    return url_for(endpoint, **values)[:-1]


def row_links(entity: str, project: str) -> dict[str, str]:
    """The prefixes of a score's, a prediction's and a run's page in a project."""
    return {
        "score": path_prefix("admin.score", entity, project, "score_id"),
        "prediction": path_prefix("admin.prediction", entity, project, "prediction_id"),
        "run": path_prefix("admin.run", entity, project, "run_id"),
    }
