"""Exact per-scorer statistics of runs and projects, from the statistics kept with the scores.

A scorer's values are summarised per leaf (app/score_values.py): numbers
by count, mean, minimum and maximum; booleans by pass rate; text by count.
The counts are the scores' own, kept as they are written, so they are exact
at any size (app/storage/score_stats.py).
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from app import storage
from app.score_values import ROOT_PATH, display_path

WEAVE_PREFIX = "weave:///"


def scorer_key(scorer: str) -> str:
    """The short name of a scorer: a weave ref's object name without its version, else itself.

    `weave:///team/proj/object/exact_match:v3` is `exact_match`.
    """
    if not scorer.startswith(WEAVE_PREFIX):
        return scorer
    name = scorer.rstrip("/").rsplit("/", 1)[-1]
    return name.split(":", 1)[0] or scorer


@dataclass
class LeafSummary:
    """One leaf of a scorer's values: every count kept for it."""

    path_text: str  # as stored: JSON of the keys, '' at the root
    value_count: int = 0
    numeric_count: int = 0
    numeric_sum: float = 0.0
    numeric_min: float | None = None
    numeric_max: float | None = None
    bool_count: int = 0
    true_count: int = 0
    text_count: int = 0

    @property
    def path(self) -> str | None:
        """The keys joined by dots, as the Weave API names a leaf; None at the root."""
        return display_path(self.path_text)

    @property
    def kind(self) -> str:
        """What most of its values are: "boolean", "number", "text", or "other" for none."""
        typed = {
            "boolean": self.bool_count,
            "number": self.numeric_count,
            "text": self.text_count,
        }
        kind, count = max(typed.items(), key=lambda item: item[1])
        return kind if count else "other"

    @property
    def numeric_mean(self) -> float | None:
        return self.numeric_sum / self.numeric_count if self.numeric_count else None

    @property
    def pass_rate(self) -> float | None:
        return self.true_count / self.bool_count if self.bool_count else None

    def merge(self, row) -> None:
        """Add the counts of a statistics row (or another leaf) to these."""
        for name in (
            "value_count",
            "numeric_count",
            "numeric_sum",
            "bool_count",
            "true_count",
            "text_count",
        ):
            setattr(self, name, getattr(self, name) + _get(row, name))
        low, high = _get(row, "numeric_min"), _get(row, "numeric_max")
        if low is not None and (self.numeric_min is None or low < self.numeric_min):
            self.numeric_min = low
        if high is not None and (self.numeric_max is None or high > self.numeric_max):
            self.numeric_max = high


def _get(row, name: str):
    return row[name] if isinstance(row, dict) else getattr(row, name)


@dataclass
class ScorerSummary:
    """One scorer (or several versions sharing a short name): its leaves, the root first."""

    name: str  # the scorer ref, or the short name when versions were merged
    scorers: list[str] = field(default_factory=list)  # the refs counted
    leaves: dict[str, LeafSummary] = field(default_factory=dict)  # by stored path
    skipped_leaves: int = 0
    # The statistics groups counted: (run key, scorer digest, version), the
    # version None when unknown (counted again just now).
    groups: list[tuple[str, str, int | None]] = field(default_factory=list)

    @property
    def key(self) -> str:
        return scorer_key(self.name)

    @property
    def count(self) -> int:
        """How many scores it gave."""
        root = self.leaves.get(ROOT_PATH)
        return root.value_count if root else 0

    def add(self, row: dict) -> None:
        if row["scorer"] not in self.scorers:
            self.scorers.append(row["scorer"])
        leaf = self.leaves.get(row["path"])
        if leaf is None:
            leaf = self.leaves[row["path"]] = LeafSummary(row["path"])
        leaf.merge(row)
        if row["path"] == ROOT_PATH:
            self.skipped_leaves += row["skipped_leaves"]
            if "run_key" in row:
                version = None if row.get("dirty", True) else row.get("version")
                self.groups.append((row["run_key"], row["scorer_digest"], version))

    def summarised(self) -> list[LeafSummary]:
        """The leaves worth a line: typed values, root first, then by path."""
        ordered = sorted(
            self.leaves.values(), key=lambda leaf: (leaf.path_text != "", leaf.path_text)
        )
        return [leaf for leaf in ordered if leaf.kind != "other"]

    @property
    def main(self) -> LeafSummary | None:
        """The leaf a scorer is judged by: its value when that is a number or a boolean,
        else its first boolean leaf, else its first number leaf, else its text."""
        root = self.leaves.get(ROOT_PATH)
        if root is not None and root.kind in ("boolean", "number"):
            return root
        leaves = self.summarised()
        for kind in ("boolean", "number"):
            for leaf in leaves:
                if leaf.kind == kind:
                    return leaf
        return root if root is not None and root.kind == "text" else None


def grouped(rows: Iterable[dict], by_key: bool) -> list[ScorerSummary]:
    """Statistics rows as scorers, by ref (or by short name, by_key), ordered by short name."""
    summaries: dict[str, ScorerSummary] = {}
    for row in rows:
        name = scorer_key(row["scorer"]) if by_key else row["scorer"]
        summary = summaries.get(name)
        if summary is None:
            summary = summaries[name] = ScorerSummary(name)
        summary.add(row)
    return sorted(summaries.values(), key=lambda summary: (summary.key, summary.name))


def run_summaries(
    entity: str, project: str, run_ids: Sequence[str], by_key: bool = False
) -> dict[str, list[ScorerSummary]]:
    """Each run's scorers with their exact statistics.

    by_key: versions of a scorer that share a short name are counted as one.
    """
    rows = storage.stats_rows(entity, project, list(run_ids))
    return summaries_of_rows(rows, run_ids, by_key)


def summaries_of_rows(
    rows: Iterable[dict], run_ids: Sequence[str], by_key: bool = False
) -> dict[str, list[ScorerSummary]]:
    """run_summaries over statistics rows already read (storage.stats_rows)."""
    by_run: dict[str, list[dict]] = {run_id: [] for run_id in run_ids}
    for row in rows:
        by_run.setdefault(row["run_key"], []).append(row)
    return {run_id: grouped(by_run.get(run_id, []), by_key) for run_id in run_ids}


def project_summary(
    entity: str, project: str, run_id: str | None = None, scorer: str | None = None
) -> list[ScorerSummary]:
    """The project's scorers with exact statistics over all its scores (or one run's, or
    one scorer's, given by ref or short name)."""
    rows = storage.stats_rows(entity, project, None if run_id is None else [run_id])
    if scorer is not None:
        rows = [row for row in rows if scorer in (row["scorer"], scorer_key(row["scorer"]))]
    return grouped(rows, by_key=False)
