"""The predictions a page's current view stands for, resolved on the server in bulk, for
"add these N predictions to a queue": the scores page's filters, chosen runs, or a
comparison of runs with its filters."""

from collections.abc import Sequence

from sqlalchemy import select, union

from app import storage
from app.extensions import db
from app.models import Score
from app.services import browse, eval_results
from app.services.browse import Filters
from app.services.compare import CompareRequest, query_body
from app.validation import validate_eval_query

# Most predictions one add takes: a bigger view is added a part at a time.
MAX_ADD = 50_000


def of_scores(entity: str, project: str, filters: Filters) -> list[str]:
    """The distinct predictions of the scores the filters match, oldest first."""
    primary, secondary = browse.conditions(entity, project, filters)
    parts = [
        select(Score.prediction_id).distinct().where(*branch, *secondary) for branch in primary
    ]
    merged = union(*parts).subquery() if len(parts) > 1 else parts[0].subquery()
    query = select(merged.c.prediction_id).order_by(merged.c.prediction_id).limit(MAX_ADD)
    return list(db.session.execute(query).scalars())


def of_runs(entity: str, project: str, run_ids: Sequence[str]) -> list[str]:
    """The stored predictions of the runs, oldest first."""
    return storage.prediction_ids_of_runs(entity, project, run_ids, MAX_ADD)


def of_comparison(entity: str, project: str, request: CompareRequest) -> list[str]:
    """The stored predictions of every row the comparison's filters and text keep, in any of
    its runs; raises what the compare page reports when a filter cannot run."""
    body = {**query_body(request, with_rows=True), "limit": MAX_ADD, "offset": 0}
    body["include_summary"] = False
    result = eval_results.run_query(entity, project, validate_eval_query(body), [])
    found: dict[str, None] = {}
    for row in result.rows:
        for trials in row.trials.values():
            for trial in trials:
                if trial.stored:
                    found[trial.prediction_id] = None
    return list(found)
