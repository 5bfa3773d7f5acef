"""The four scores routes and the two evaluation creates (runs, predictions), as a FastAPI
user would write them.

Run: PEER_DATABASE_URL=sqlite:////tmp/peer.db uvicorn bench.peer.main:app --workers 2
"""

import hashlib
from collections.abc import Iterator
from typing import Annotated

import uuid_utils
from fastapi import Depends, FastAPI, HTTPException, Query, status
from fastapi.responses import StreamingResponse
from fastapi.security import (
    HTTPAuthorizationCredentials,
    HTTPBasic,
    HTTPBasicCredentials,
    HTTPBearer,
)
from sqlalchemy import delete, select, text
from sqlalchemy.orm import Session

from bench.peer.database import SessionLocal, get_db
from bench.peer.models import ApiKey, EvaluationRun, Prediction, Score, User
from bench.peer.schemas import (
    Deleted,
    EvaluationRunCreate,
    EvaluationRunCreated,
    PredictionCreate,
    PredictionCreated,
    ScoreCreate,
    ScoreCreated,
    ScoreOut,
)

STREAM_BATCH = 1000

app = FastAPI(title="Scores (FastAPI peer)")
basic = HTTPBasic(auto_error=False)
bearer = HTTPBearer(auto_error=False)
DB = Annotated[Session, Depends(get_db)]


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, detail, {"WWW-Authenticate": "Basic"})


def current_user(
    entity: str,
    db: DB,
    basic_credentials: Annotated[HTTPBasicCredentials | None, Depends(basic)],
    bearer_credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> User:
    """The owner of the key sent as Basic password or Bearer token, allowed on this entity."""
    if basic_credentials is not None:
        key = basic_credentials.password
    elif bearer_credentials is not None:
        key = bearer_credentials.credentials
    else:
        raise _unauthorized("Not authenticated")
    digest = hashlib.sha256(key.encode()).hexdigest()
    api_key = db.scalar(select(ApiKey).where(ApiKey.key_hash == digest))
    if api_key is None:
        raise _unauthorized("Invalid authentication credentials")
    user = api_key.user
    if not user.is_admin and all(grant.entity != entity for grant in user.grants):
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"Not allowed to access entity '{entity}'")
    return user


CurrentUser = Annotated[User, Depends(current_user)]


@app.get("/health")
def health(db: DB) -> dict:
    db.execute(text("SELECT 1"))
    return {"status": "ok"}


@app.post("/v2/{entity}/{project}/scores")
def create_score(
    entity: str, project: str, body: ScoreCreate, user: CurrentUser, db: DB
) -> ScoreCreated:
    score = Score(
        id=str(uuid_utils.uuid7()),
        entity=entity,
        project=project,
        wb_user_id=user.username,
        **body.model_dump(),
    )
    db.add(score)
    db.commit()
    return ScoreCreated(score_id=score.id)


@app.get("/v2/{entity}/{project}/scores/{score_id}")
def read_score(entity: str, project: str, score_id: str, user: CurrentUser, db: DB) -> ScoreOut:
    score = db.get(Score, score_id)
    if score is None or score.entity != entity or score.project != project:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Score not found")
    return ScoreOut.model_validate(score)


@app.get("/v2/{entity}/{project}/scores")
def list_scores(
    entity: str,
    project: str,
    user: CurrentUser,
    evaluation_run_id: str | None = None,
    limit: Annotated[int | None, Query(ge=0)] = None,
    offset: Annotated[int | None, Query(ge=0)] = None,
) -> StreamingResponse:
    query = (
        select(Score)
        .where(Score.entity == entity, Score.project == project)
        .order_by(Score.id)
        .limit(limit)
        .offset(offset)
    )
    if evaluation_run_id is not None:
        query = query.where(Score.evaluation_run_id == evaluation_run_id)
    return StreamingResponse(_jsonl(query), media_type="application/jsonl")


def _jsonl(query) -> Iterator[str]:
    # The stream outlives the request's dependencies, so it opens its own session.
    with SessionLocal() as session:
        lines = []
        for score in session.scalars(query.execution_options(yield_per=STREAM_BATCH)):
            lines.append(ScoreOut.model_validate(score).model_dump_json())
            if len(lines) == STREAM_BATCH:
                yield "\n".join(lines) + "\n"
                lines = []
        if lines:
            yield "\n".join(lines) + "\n"


@app.delete("/v2/{entity}/{project}/scores")
def delete_scores(
    entity: str, project: str, score_ids: Annotated[list[str], Query()], user: CurrentUser, db: DB
) -> Deleted:
    result = db.execute(
        delete(Score).where(
            Score.entity == entity, Score.project == project, Score.id.in_(score_ids)
        )
    )
    db.commit()
    return Deleted(num_deleted=result.rowcount)


@app.post("/v2/{entity}/{project}/evaluation_runs")
def create_evaluation_run(
    entity: str, project: str, body: EvaluationRunCreate, user: CurrentUser, db: DB
) -> EvaluationRunCreated:
    run = EvaluationRun(
        id=str(uuid_utils.uuid7()),
        entity=entity,
        project=project,
        wb_user_id=user.username,
        **body.model_dump(),
    )
    db.add(run)
    db.commit()
    return EvaluationRunCreated(evaluation_run_id=run.id)


@app.post("/v2/{entity}/{project}/predictions")
def create_prediction(
    entity: str, project: str, body: PredictionCreate, user: CurrentUser, db: DB
) -> PredictionCreated:
    prediction = Prediction(
        id=str(uuid_utils.uuid7()),
        entity=entity,
        project=project,
        wb_user_id=user.username,
        **body.model_dump(),
    )
    db.add(prediction)
    db.commit()
    return PredictionCreated(prediction_id=prediction.id)
