"""What scoring a run by hand reads: the next prediction someone has not scored, and how far
they are.

"Scored by you" means a score of that scorer on the prediction whose author
is you, whatever its source: a score you posted with your key counts too.
"""

from collections.abc import Sequence

from sqlalchemy import exists, func, select

from app.models import Prediction, Score
from app.storage.digests import could_be_stored, scorer_digest
from app.storage.transactions import request_connection


def _scored_by(scorer: str, author: str):
    """Whether the prediction of the outer query has a score of the scorer by the author."""
    return exists().where(
        Score.entity == Prediction.entity,
        Score.project == Prediction.project,
        Score.prediction_id == Prediction.id,
        Score.scorer_digest == scorer_digest(scorer),
        Score.created_by == author,
    )


def _of_run(entity: str, project: str, run_id: str):
    return (
        Prediction.entity == entity,
        Prediction.project == project,
        Prediction.evaluation_run_id == run_id,
    )


def next_unscored(
    entity: str, project: str, run_id: str, scorer: str, author: str, after: str = ""
) -> str | None:
    """The oldest prediction of the run after the id `after` that the author has not scored
    with the scorer; None when there is none."""
    if not could_be_stored(run_id):
        return None
    query = (
        select(Prediction.id)
        .where(*_of_run(entity, project, run_id), Prediction.id > after)
        .where(~_scored_by(scorer, author))
        .order_by(Prediction.id)
        .limit(1)
    )
    return request_connection().execute(query).scalar()


def scoring_progress(
    entity: str, project: str, run_id: str, scorer: str, author: str
) -> tuple[int, int]:
    """(how many of the run's predictions the author scored with the scorer, how many it has)."""
    if not could_be_stored(run_id):
        return 0, 0
    query = select(
        func.count(Prediction.id),
        func.count(Prediction.id).filter(_scored_by(scorer, author)),
    ).where(*_of_run(entity, project, run_id))
    scored_total = request_connection().execute(query).one()
    return scored_total[1], scored_total[0]


def own_scores(
    entity: str, project: str, prediction_id: str, scorer: str, author: str, limit: int = 5
) -> Sequence[Sequence]:
    """(id, value_json, created_at) of the author's newest scores of the scorer on a prediction."""
    if not could_be_stored(prediction_id):
        return []
    query = (
        select(Score.id, Score.value_json, Score.created_at)
        .where(
            Score.entity == entity,
            Score.project == project,
            Score.prediction_id == prediction_id,
            Score.scorer_digest == scorer_digest(scorer),
            Score.created_by == author,
        )
        .order_by(Score.id.desc())
        .limit(limit)
    )
    return request_connection().execute(query).all()
