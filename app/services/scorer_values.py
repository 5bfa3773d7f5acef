"""Checking a score's value against its scorer's active config, on every write.

A project's active configs are remembered per process with the generation
they belong to. Every score carries that generation to its insert, which
stores it only if the generation is still the project's
(app/storage/scorer_configs.py): when another process changed a config
meanwhile, the remembered configs are dropped and the value checked again.
Scorers without an active config accept any value, as the contract says.
"""

import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from app import storage
from app.extensions import db
from app.field_schemas import ValueValidator

# Projects whose configs a process remembers; the least recently used go first.
_REMEMBERED = 1024
# A write that keeps meeting changed configs gives up after this many tries.
_TRIES = 5

Result = TypeVar("Result")


@dataclass(frozen=True)
class ActiveConfig:
    """One scorer's active config, ready to check values."""

    scorer: str
    version: int
    validator: ValueValidator


@dataclass(frozen=True)
class Checked:
    """What a value was checked against: the project's generation and the config's version."""

    generation: int
    version: int | None


class ScorerConfigError(Exception):
    """The value breaks its scorer's config; errors are FastAPI-shaped, locs under 'value'."""

    def __init__(self, errors: list[dict]):
        super().__init__(f"{len(errors)} scorer config error(s)")
        self.errors = errors


_remembered: "OrderedDict[tuple, tuple[int, dict[str, ActiveConfig]]]" = OrderedDict()
_lock = threading.Lock()


def _key(entity: str, project: str) -> tuple:
    # The engine itself (one per app and database): rendering its URL cost half the check.
    return (db.engine, entity, project)


def _project(entity: str, project: str, fresh: bool = False) -> tuple[int, dict[str, ActiveConfig]]:
    """The project's generation and active configs: remembered, or read now when fresh."""
    key = _key(entity, project)
    with _lock:
        found = None if fresh else _remembered.get(key)
        if found is not None:
            _remembered.move_to_end(key)
            return found
    state = storage.active_configs(entity, project)
    configs = {
        digest: ActiveConfig(
            config.scorer,
            config.version,
            ValueValidator(json.loads(config.field_schema_json)),
        )
        for digest, config in state.by_digest.items()
    }
    with _lock:
        _remembered[key] = (state.generation, configs)
        while len(_remembered) > _REMEMBERED:
            _remembered.popitem(last=False)
    return state.generation, configs


def forget(entity: str, project: str) -> None:
    """Drop what this process remembers of a project's configs (they changed)."""
    with _lock:
        _remembered.pop(_key(entity, project), None)


def forget_all() -> None:
    """Drop every project's remembered configs (tests start each database afresh)."""
    with _lock:
        _remembered.clear()


def check_value(entity: str, project: str, scorer: str, value: Any) -> Checked:
    """Check a value against its scorer's active config; raise ScorerConfigError if it breaks it.

    An accepted value is confirmed by its insert (the generation travels with
    it); a refusal is confirmed here, against configs read afresh, so a
    config another process archived or relaxed never refuses a value.
    """
    generation, configs = _project(entity, project)
    config = configs.get(storage.scorer_digest(scorer)) if configs else None
    if config is None:  # the usual case: nothing to check
        return Checked(generation, None)
    errors = _errors(config, value)
    if errors and generation != storage.config_generation(entity, project):
        generation, configs = _project(entity, project, fresh=True)
        config = configs.get(storage.scorer_digest(scorer))
        errors = [] if config is None else _errors(config, value)
    if errors:
        raise ScorerConfigError(errors)
    return Checked(generation, None if config is None else config.version)


def _errors(config: ActiveConfig, value: Any) -> list[dict]:
    return [
        {
            "type": "scorer_config",
            "loc": ["value", *_location(error)],
            "msg": error.message,
            "input": error.instance,
            "ctx": {"scorer": config.scorer, "version": config.version},
        }
        for error in sorted(config.validator.iter_errors(value), key=_location)
    ]


def _location(error) -> list:
    """Where in the value the error is: a missing required field is at that field."""
    path = list(error.absolute_path)
    if error.validator == "required":
        missing = next(
            (
                name
                for name in error.validator_value
                if error.message == f"{name!r} is a required property"
            ),
            None,
        )
        if missing is not None:
            path.append(missing)
    return path


def write_checked(
    entity: str, project: str, scorer: str, value: Any, write: Callable[[Checked], Result]
) -> Result:
    """write(checked) after checking the value, again from fresh configs if they changed."""
    for _ in range(_TRIES - 1):
        checked = check_value(entity, project, scorer, value)
        try:
            return write(checked)
        except storage.ConfigsChanged:
            forget(entity, project)
    return write(check_value(entity, project, scorer, value))
