"""Creates written in batches: what the group commit's leader does with a batch.

Scores and predictions each have a group per engine: the creates of a
worker's threads share batches (group_commit.py), written on a connection
the group keeps, with the tallies kept beside them (row_inserts.py).

A plain create defers its key check to here (app/api/guard.py): the batch
looks each distinct key up once, refuses the creates whose key is not
active or not granted the entity, and inserts the rest. On SQLite the
lookup and the insert share one transaction; on PostgreSQL the insert is
one statement, committed by itself (writer_connection.py), and when
the whole batch presents one key, the lookup is part of that statement
(row_inserts.py).
"""

import threading
from dataclasses import dataclass
from functools import partial

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from app.models._time import utcnow
from app.storage import key_lookup, row_inserts, score_folds, scorer_configs
from app.storage.engine import is_postgresql
from app.storage.group_commit import GroupCommit
from app.storage.writer_connection import WriterConnection


@dataclass
class PendingCreate:
    """A new row, and the digest of the key to check for it (None: author known).

    generation: the scorer-config generation of the row's project that its
    value was checked at (scores only); a stale one refuses the create with
    ConfigsChanged.
    """

    row: dict
    key_digest: str | None = None
    generation: int | None = None


def store(engine: Engine, kind: row_inserts.RowKind, create: PendingCreate) -> None:
    """Write the create with whatever else its worker writes meanwhile.

    Returns once it is stored and durable; raises KeyRefused for a key that
    may not write to the entity, ConfigsChanged when its project's scorer
    configs changed since its value was checked, or the error that failed
    its whole batch.
    """
    _group_for(engine, kind).submit(create)


def insert_batch(
    writer: WriterConnection,
    kind: row_inserts.RowKind,
    creates: list[PendingCreate],
    folds: score_folds.FoldSchedule | None = None,
) -> list[BaseException | None]:
    """Check the batch's keys and insert what they allow: one outcome per create.

    On PostgreSQL stored scores then fold their projects' statistics when
    their turn comes (score_folds.py); they are stored and answered either way.
    """
    outcomes = writer.run(partial(_store_batch, kind, creates))
    if folds is not None and kind.stamped and is_postgresql(writer.engine):
        stored = [create.row for create, refused in zip(creates, outcomes, strict=True)
                  if refused is None]  # fmt: skip
        score_folds.fold_when_due(writer.engine, folds, stored)
    return outcomes


def _store_batch(
    kind: row_inserts.RowKind, creates: list[PendingCreate], connection: Connection, again: bool
) -> list[BaseException | None]:
    if is_postgresql(connection):
        presented = {(create.key_digest, create.row["entity"]) for create in creates}
        if len(presented) == 1:
            ((digest, entity),) = presented
            if digest is not None:
                # One statement looks the key up and inserts (a data-modifying
                # CTE): a server round trip saved. SQLite has none to save.
                return _store_checked_in_insert(connection, kind, creates, digest, entity, again)
    outcomes = _check_keys(connection, creates)
    postgresql = is_postgresql(connection)
    if not postgresql:
        # SQLite checks in the batch's transaction and refuses only the stale creates.
        stale = scorer_configs.stale_projects(connection, _generations(creates))
        outcomes = [
            outcome
            if outcome is not None or (create.row["entity"], create.row["project"]) not in stale
            else scorer_configs.ConfigsChanged()
            for create, outcome in zip(creates, outcomes, strict=True)
        ]
    accepted = [create for create, refused in zip(creates, outcomes, strict=True)
                if refused is None]  # fmt: skip
    if accepted:
        rows = [create.row for create in accepted]
        try:
            # PostgreSQL checks in the insert's own statement, storing none if one is stale.
            checked = _generations(accepted) if postgresql else []
            row_inserts.insert_rows(connection, kind, rows, again, checked)
        except scorer_configs.ConfigsChanged:
            return [outcome or scorer_configs.ConfigsChanged() for outcome in outcomes]
    return outcomes


def _generations(creates: list[PendingCreate]) -> list[tuple[str, str, int]]:
    return sorted(
        {
            (create.row["entity"], create.row["project"], create.generation)
            for create in creates
            if create.generation is not None
        }
    )


def _store_checked_in_insert(
    connection: Connection,
    kind: row_inserts.RowKind,
    creates: list[PendingCreate],
    digest: str,
    entity: str,
    again: bool,
) -> list[BaseException | None]:
    now = utcnow()
    rows = [create.row for create in creates]
    generations = _generations(creates)
    try:
        stored = row_inserts.insert_if_allowed(
            connection, kind, rows, digest, entity, now, again, generations
        )
    except scorer_configs.ConfigsChanged:
        return [scorer_configs.ConfigsChanged() for _ in creates]
    found = key_lookup.found_key(stored, digest)
    return [_verdict(found, create) for create in creates]


def _check_keys(connection: Connection, creates: list[PendingCreate]) -> list[BaseException | None]:
    """Fill in each key-authenticated create's author, or the error that refuses it."""
    now = utcnow()
    found: dict[tuple[str, str], key_lookup.KeyCheck | None] = {}
    outcomes: list[BaseException | None] = []
    for create in creates:
        digest, entity = create.key_digest, create.row["entity"]
        if digest is None:
            outcomes.append(None)
            continue
        if (digest, entity) not in found:
            found[digest, entity] = key_lookup.check_key(connection, digest, entity, now)
        outcomes.append(_verdict(found[digest, entity], create))
    stale = sorted({check.key_id for check in found.values() if check and check.stale})
    if stale:
        key_lookup.mark_used(connection, stale, now)
    return outcomes


def _verdict(check: key_lookup.KeyCheck | None, create: PendingCreate) -> BaseException | None:
    """None if the key lets the create be stored (its author filled in), else the error."""
    refused = key_lookup.refusal(check, create.row["entity"])
    if refused is None and check is not None:
        create.row["created_by"] = check.username
    return refused


_groups: dict[tuple[Engine, row_inserts.RowKind], GroupCommit[PendingCreate]] = {}
_groups_lock = threading.Lock()


def _group_for(engine: Engine, kind: row_inserts.RowKind) -> GroupCommit[PendingCreate]:
    group = _groups.get((engine, kind))
    if group is None:
        with _groups_lock:
            group = _groups.get((engine, kind))
            if group is None:
                writer = WriterConnection(engine)
                folds = score_folds.FoldSchedule()
                group = GroupCommit(partial(insert_batch, writer, kind, folds=folds))
                _groups[engine, kind] = group
                if not event.contains(engine, "engine_disposed", _forget_groups):
                    event.listen(engine, "engine_disposed", _forget_groups)
    return group


def _forget_groups(engine: Engine) -> None:
    # A disposed engine's groups go with it (tests dispose one per app); the
    # writers closed their connections on the same event.
    with _groups_lock:
        for key in [key for key in _groups if key[0] is engine]:
            del _groups[key]
