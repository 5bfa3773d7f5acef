"""Scores: create, read, list and delete within one entity/project."""

from collections.abc import Sequence
from datetime import UTC, datetime
from functools import partial

import uuid_utils

from app import storage
from app.extensions import db
from app.jsonbody import dumps_value
from app.models import Score
from app.models.score import SOURCES as SOURCES  # the admin filter form offers them
from app.services import idempotency, keys, scorer_values
from app.services.keys import ApiPrincipal
from app.validation import ScoreCreate

KIND_NAME = "score"
# How the API shows rows read by read_api_row and list_api_rows (app.storage).
FetchedRows = storage.FetchedRows
api_line = storage.api_line


def new_score_row(
    entity: str,
    project: str,
    fields: ScoreCreate,
    author: str,
    source: str,
    config_version: int | None = None,
    comment: str | None = None,
) -> dict:
    """The column values of a new score, with a fresh UUIDv7 id.

    config_version: the version of its scorer's config the value was checked against.
    comment: what a person scoring by hand had to say (validation.validate_comment).
    """
    # uuid7() keeps ids strictly increasing within this process, even inside
    # one millisecond (a seeded timestamp would not).
    return {
        "id": str(uuid_utils.uuid7()),
        "entity": entity,
        "project": project,
        "prediction_id": fields.prediction_id,
        "scorer": fields.scorer,
        "scorer_digest": storage.scorer_digest(fields.scorer),
        "value_json": dumps_value(fields.value),
        "evaluation_run_id": fields.evaluation_run_id,
        "created_by": author,
        "source": source,
        "created_at": datetime.now(UTC),
        "scorer_config_version": config_version,
        "comment": comment,
    }


def create_score(
    entity: str,
    project: str,
    fields: ScoreCreate,
    author: str,
    source: str = "api",
    comment: str | None = None,
) -> str:
    """Store one validated score by a known author and return its id.

    Raises ScorerConfigError when the value breaks its scorer's active config.
    """

    def write(checked: scorer_values.Checked) -> str:
        row = new_score_row(entity, project, fields, author, source, checked.version, comment)
        storage.store_score(row, generation=checked.generation)
        return row["id"]

    return scorer_values.write_checked(entity, project, fields.scorer, fields.value, write)


def create_score_for_key(entity: str, project: str, fields: ScoreCreate, digest: str) -> str:
    """Store one validated score for whoever holds the key with this digest; return its id.

    The key is checked by the batch that stores the score, just before its
    insert, once for all the creates that share it. Raises NotAuthenticated
    for a key that is not active and Forbidden when its owner may not use
    the entity; nothing is stored then. Raises ScorerConfigError, before the
    key is checked, when the value breaks its scorer's active config.
    """

    def write(checked: scorer_values.Checked) -> str:
        row = new_score_row(entity, project, fields, "", "api", checked.version)
        store = partial(storage.store_score, generation=checked.generation)
        return keys.store_for_key(store, row, digest)

    return scorer_values.write_checked(entity, project, fields.scorer, fields.value, write)


def create_score_once(
    entity: str, project: str, fields: ScoreCreate, user: ApiPrincipal, key: str
) -> tuple[str, bool]:
    """Store the score unless this caller's Idempotency-Key already did; (score_id, replayed).

    Raises Conflict when the key was used for a different request, and
    ScorerConfigError when a new score's value breaks its scorer's config.
    """

    def write(checked: scorer_values.Checked) -> tuple[str, bool]:
        row = new_score_row(entity, project, fields, user.username, "api", checked.version)
        stamp = (entity, project, checked.generation)
        kind = idempotency.Kind(KIND_NAME, partial(storage.insert_scores, generations=[stamp]))
        return idempotency.create_once(kind, entity, project, fields, row, user.id, key)

    try:
        return scorer_values.write_checked(entity, project, fields.scorer, fields.value, write)
    except scorer_values.ScorerConfigError:
        # A retry of a request stored before the config came replays it all the same.
        created = idempotency.replayed(KIND_NAME, entity, project, fields, user.id, key)
        if created is None:
            raise
        return created, True


def read_api_row(entity: str, project: str, score_id: str) -> Sequence | None:
    """The API row of one score of this entity/project, or None."""
    return storage.read_api_row(entity, project, score_id)


def list_api_rows(
    entity: str,
    project: str,
    evaluation_run_id: str | None = None,
    limit: int | None = None,
    offset: int | None = None,
) -> storage.RowStream | storage.FetchedRows:
    """API rows oldest first: a page read now, or a stream whose first batch is read now."""
    return storage.list_api_rows(entity, project, evaluation_run_id, limit, offset)


def get_score(entity: str, project: str, score_id: str) -> Score | None:
    """The score with this id in this entity/project, or None."""
    if not storage.could_be_stored(score_id):
        return None
    return db.session.get(Score, (entity, project, score_id))


def delete_scores(entity: str, project: str, score_ids: Sequence[str]) -> int:
    """Delete the given ids of this entity/project; return how many existed."""
    return storage.delete_score_rows(entity, project, score_ids)
