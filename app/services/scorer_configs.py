"""Scorer configs: declare what a scorer's values look like, version it, archive it; and what
a summary needs to present a scorer's values the way its config describes them.

Saving a config stores a new version (the old ones stay) and archiving one
stops the checks; neither touches a stored score. Checks themselves live in
scorer_values.py.
"""

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from app import storage
from app.field_leaves import BOOLEAN, LABELS, NUMBER, Leaf, leaf_at, read_fields, read_leaf
from app.jsonbody import dumps_value
from app.models import ScorerConfig
from app.models._time import utcnow
from app.score_values import ROOT_PATH, path_keys, path_text
from app.services import scorer_values
from app.services.errors import NotFound
from app.services.run_summary import scorer_key
from app.validation import ScorerConfigCreate

NOT_FOUND = "Scorer config not found"


# --- Managing configs -------------------------------------------------------------------------


def save_config(entity: str, project: str, fields: ScorerConfigCreate, author: str) -> ScorerConfig:
    """Store a validated config as its scorer's next version (1 for a new scorer)."""
    config = ScorerConfig(
        entity=entity,
        project=project,
        scorer=fields.scorer,
        display_name=fields.display_name,
        description=fields.description,
        direction=fields.direction,
        field_schema_json=dumps_value(fields.field_schema),
        created_by=author,
        created_at=utcnow(),
    )
    stored = storage.add_config_version(config)
    # This process checks the next score against it at once; others learn of it
    # from the generation their next insert checks (scorer_values.py).
    scorer_values.forget(entity, project)
    return stored


def archive_config(entity: str, project: str, scorer: str) -> ScorerConfig:
    """Archive the scorer's config: checks stop, stored scores stay. NotFound when it has none."""
    archived = storage.archive_config(entity, project, scorer)
    if archived is None:
        raise NotFound(NOT_FOUND, "scorer")
    scorer_values.forget(entity, project)
    return archived


def latest_config(entity: str, project: str, scorer: str) -> ScorerConfig | None:
    """The scorer's latest config version, archived or not."""
    return storage.latest_config(entity, project, scorer)


def active_config(entity: str, project: str, scorer: str) -> ScorerConfig | None:
    """The config a new score of the scorer is checked against, if any."""
    latest = storage.latest_config(entity, project, scorer)
    return None if latest is None or latest.archived else latest


def active_configs(entity: str, project: str) -> list[ScorerConfig]:
    """The latest version of each active config, by scorer."""
    return list(storage.active_configs(entity, project).by_digest.values())


def project_configs(entity: str, project: str) -> list[ScorerConfig]:
    """The latest version of every config, active or archived, by scorer."""
    return storage.project_configs(entity, project)


def config_history(entity: str, project: str, scorer: str) -> list[ScorerConfig]:
    """Every version of a scorer's config, newest first."""
    return storage.config_history(entity, project, scorer)


def schema_of(config: ScorerConfig) -> dict:
    """The config's field schema."""
    return json.loads(config.field_schema_json)


def config_json(config: ScorerConfig) -> str:
    """A config as the API shows it (SCORER_CONFIGS.md)."""
    return dumps_value(
        {
            "scorer": config.scorer,
            "display_name": config.display_name,
            "description": config.description,
            "direction": config.direction,
            "field_schema": schema_of(config),
            "version": config.version,
            "archived": config.archived,
            "created_at": storage.format_timestamp(config.created_at),
            "created_by": config.created_by,
        }
    )


# --- Presenting values as their config describes them -----------------------------------------


@dataclass(frozen=True)
class LeafPresentation:
    """How to show one leaf of a scorer's values: its kind, labels or points, and direction.

    kind: "boolean" (show a pass rate), "number" (a scale when points is set),
    "labels" (counts per label, in the config's order) or "text".
    """

    kind: str
    title: str | None
    labels: tuple[str, ...]
    points: tuple[int | float, ...] | None
    direction: str | None
    version: int

    def ordered(self, counts: Mapping[Any, int]) -> list[tuple[Any, int]]:
        """The labels (or a scale's points, or false and true) with their counts, in the
        config's order, zero counts included; then any other value seen, most frequent first."""
        if self.kind == LABELS:
            expected: tuple = self.labels
        elif self.kind == BOOLEAN:
            expected = (False, True)
        else:
            expected = self.points or ()
        listed = [(value, counts.get(value, 0)) for value in expected]
        known = set(expected)
        others = sorted(
            ((value, count) for value, count in counts.items() if value not in known),
            key=lambda item: (-item[1], str(item[0])),
        )
        return listed + others

    def counts(self, values: Iterable[Any]) -> Counter:
        """Count the values of this leaf's own kind (a label, a number, a boolean)."""
        return Counter(value for value in values if _kind_of(value) == self.kind)


def _kind_of(value: Any) -> str | None:
    kind = type(value)  # exact: a boolean is not a number here
    if kind is bool:
        return BOOLEAN
    if kind is int or kind is float:
        return NUMBER
    return LABELS if kind is str else None


def _presented(leaf: Leaf, config: ScorerConfig, name: str | None = None) -> LeafPresentation:
    return LeafPresentation(
        kind=leaf.kind,
        title=leaf.title or name,
        labels=leaf.labels,
        points=leaf.points if leaf.kind == NUMBER else None,
        direction=config.direction,
        version=config.version,
    )


class Presentations:
    """A project's active configs, read once, for presenting any of its scorers (by the
    scorer a config names, or by short name: by_key)."""

    def __init__(self, configs: Iterable[ScorerConfig] | Mapping[str, ScorerConfig]):
        if not isinstance(configs, Mapping):
            configs = {config.scorer: config for config in configs}
        self._configs = dict(configs)
        self._schemas = {scorer: schema_of(config) for scorer, config in self._configs.items()}

    def by_key(self) -> "Presentations":
        """The same configs named by short name (run_summary.scorer_key), for pages that
        merge a scorer's versions: when several scorers share a short name, the config
        saved last of theirs (latest created_at; the scorer's name breaks a tie)."""
        newest: dict[str, ScorerConfig] = {}
        for config in self._configs.values():
            key = scorer_key(config.scorer)
            held = newest.get(key)
            if held is None or (config.created_at, config.scorer) > (held.created_at, held.scorer):
                newest[key] = config
        return Presentations(newest)

    def config(self, scorer: str) -> ScorerConfig | None:
        """The scorer's active config, if any."""
        return self._configs.get(scorer)

    def direction(self, scorer: str) -> str | None:
        """Which way is better for the scorer: "higher", "lower", or None."""
        config = self._configs.get(scorer)
        return None if config is None else config.direction

    def leaf(self, scorer: str, path: str = ROOT_PATH) -> LeafPresentation | None:
        """How to show a leaf, named by its stored path (score_values.path_text), or None."""
        config = self._configs.get(scorer)
        if config is None:
            return None
        keys = path_keys(path)
        leaf = leaf_at(self._schemas[scorer], keys)
        return None if leaf is None else _presented(leaf, config, keys[-1] if keys else None)

    def leaves(self, scorer: str) -> list[tuple[str, LeafPresentation]]:
        """(stored path, presentation) of every leaf the config declares, in its order."""
        config = self._configs.get(scorer)
        if config is None:
            return []
        schema = self._schemas[scorer]
        fields = read_fields(schema)
        if fields is None:
            return [(ROOT_PATH, _presented(read_leaf(schema), config))]
        return [
            (path_text((field.name,)), _presented(field.leaf, config, field.name))
            for field in fields
        ]


def presentations(entity: str, project: str) -> Presentations:
    """The project's active configs for presenting its scorers: one read for a whole page."""
    return Presentations(active_configs(entity, project))


def presentation(
    entity: str, project: str, scorer: str, path: str = ROOT_PATH
) -> LeafPresentation | None:
    """How to show one leaf (stored path, '' for the value itself) of a scorer's values."""
    config = active_config(entity, project, scorer)
    return None if config is None else Presentations([config]).leaf(scorer, path)


def direction(entity: str, project: str, scorer: str) -> str | None:
    """Which way is better for the scorer's values: "higher", "lower", or None."""
    config = active_config(entity, project, scorer)
    return None if config is None else config.direction


def leaf_values(
    entity: str, project: str, run_id: str | None, scorer: str, path: str = ROOT_PATH
) -> list[Any]:
    """Every value of one leaf in a run's scores of the scorer (None: scores of no run),
    for counting with LeafPresentation.counts."""
    keys = path_keys(path)
    found = []
    rows = storage.group_values(entity, project, run_id or "", storage.scorer_digest(scorer))
    for row_scorer, value_json in rows:
        if row_scorer != scorer:
            continue
        value = json.loads(value_json)
        for key in keys:
            value = value.get(key) if type(value) is dict else None
        found.append(value)
    return found
