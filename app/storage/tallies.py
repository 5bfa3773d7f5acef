"""A batch's statistics before they are written: one tally per (project, run, scorer,
leaf of the value), as score_values.py walks the values. score_stats.py adds them to the
stored rows; a recount builds them from every stored value.
"""

import json
from collections.abc import Iterable
from dataclasses import dataclass, field

from app.models import Score
from app.score_values import count_leaf, leaves

GROUP_COLUMNS = ("entity", "project", "run_key", "scorer_digest")
# What a tally reads of a stored score, in Tallies.add_score's order.
SCORE_COLUMNS = (
    Score.entity,
    Score.project,
    Score.evaluation_run_id,
    Score.scorer_digest,
    Score.scorer,
    Score.value_json,
)
KEY_COLUMNS = (*GROUP_COLUMNS, "path")
COUNTERS = (
    "value_count",
    "numeric_count",
    "numeric_sum",
    "bool_count",
    "true_count",
    "text_count",
    "skipped_leaves",
)


class Tally:
    """One leaf's statistics, as kept in a row of score_stats."""

    __slots__ = ("scorer", *COUNTERS[:3], "numeric_min", "numeric_max", *COUNTERS[3:])

    def __init__(self, scorer: str):
        self.scorer = scorer
        self.value_count = self.numeric_count = self.bool_count = 0
        self.true_count = self.text_count = self.skipped_leaves = 0
        self.numeric_sum = 0.0
        self.numeric_min: float | None = None
        self.numeric_max: float | None = None

    def add(self, kind: str, number: float | None) -> None:
        """Count one value of the leaf."""
        count_leaf(self, kind, number)

    def values(self) -> tuple:
        """The tally in the order of TALLIED (after a row's key)."""
        return (
            self.scorer,
            self.value_count,
            self.numeric_count,
            self.numeric_sum,
            self.numeric_min,
            self.numeric_max,
            self.bool_count,
            self.true_count,
            self.text_count,
            self.skipped_leaves,
        )


# A statistics row's columns after its key, in the order Tally.values gives them.
TALLIED = (
    "scorer",
    "value_count",
    "numeric_count",
    "numeric_sum",
    "numeric_min",
    "numeric_max",
    "bool_count",
    "true_count",
    "text_count",
    "skipped_leaves",
)


@dataclass
class Tallies:
    """Tallies by (entity, project, run_key, scorer_digest, path)."""

    by_key: dict[tuple, Tally] = field(default_factory=dict)

    def add_score(
        self, entity: str, project: str, run: str | None, digest: str, scorer: str, value_json: str
    ) -> None:
        """Count one stored score."""
        found, skipped = leaves(json.loads(value_json))
        by_key, run_key = self.by_key, run or ""
        root = None
        for leaf in found:
            key = (entity, project, run_key, digest, leaf.path)
            tally = by_key.get(key)
            if tally is None:
                tally = by_key[key] = Tally(scorer)
            tally.add(leaf.kind, leaf.number)
            if root is None:
                root = tally  # leaves() gives the root first
        assert root is not None
        root.skipped_leaves += skipped

    def ordered(self) -> list[tuple]:
        """One row per key as (*key, *Tally.values()), in key order (the order locks are
        taken in)."""
        return [(*key, *tally.values()) for key, tally in sorted(self.by_key.items())]

    def rows(self) -> list[dict]:
        """One score_stats row per key, as a dict, in key order."""
        names = (*KEY_COLUMNS, *TALLIED)
        return [dict(zip(names, row, strict=True)) for row in self.ordered()]


def tally_rows(rows: Iterable[dict]) -> Tallies:
    """The tallies of new score rows (dicts of every column)."""
    tallies = Tallies()
    for row in rows:
        tallies.add_score(
            row["entity"],
            row["project"],
            row["evaluation_run_id"],
            row["scorer_digest"],
            row["scorer"],
            row["value_json"],
        )
    return tallies
