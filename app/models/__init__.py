"""The tables, one module each."""

from app.models.api_key import ApiKey
from app.models.evaluation_run import EvaluationRun
from app.models.idempotency import IdempotencyKey
from app.models.prediction import Prediction
from app.models.project_change import ProjectChange
from app.models.review_queue import ReviewAnswer, ReviewHold, ReviewQueue, ReviewQueueItem
from app.models.score import Score
from app.models.score_stat import FoldHorizon, RunPredictionCount, ScoreStat
from app.models.scorer_config import ScorerConfig, ScorerConfigGeneration
from app.models.sign_in_attempt import SignInAttempts
from app.models.user import EntityGrant, User
from app.models.user_session import UserSession

__all__ = [
    "ApiKey",
    "EntityGrant",
    "EvaluationRun",
    "FoldHorizon",
    "IdempotencyKey",
    "Prediction",
    "ProjectChange",
    "ReviewAnswer",
    "ReviewHold",
    "ReviewQueue",
    "ReviewQueueItem",
    "RunPredictionCount",
    "Score",
    "ScoreStat",
    "ScorerConfig",
    "ScorerConfigGeneration",
    "SignInAttempts",
    "User",
    "UserSession",
]
