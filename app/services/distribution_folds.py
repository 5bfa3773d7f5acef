"""A scorer's values folded leaf by leaf into label counts and histograms: what
distributions.py reads and remembers, and the pages draw.
"""

import json
import math
from collections import Counter
from dataclasses import dataclass, field

from app.score_values import BOOLEAN, NUMBER, ROOT_PATH, TEXT, leaves
from app.services.run_summary import ScorerSummary

LABELS = 20  # the most common labels shown; the rest are "other"
BINS = 12
# Whole numbers spanning at most this many values get a bin each (ratings 1-5).
WHOLE_BINS = 20
# A label longer than this is shown (and counted) by its start.
LABEL_CHARS = 120
# A leaf with at most this many distinct labels (or numbers) keeps the count of
# each: enough for a config's labels and a scale's points (at most 101,
# field_leaves.MAX_POINTS) with room for values from before the config.
ALL_COUNTS = 256


@dataclass(frozen=True)
class Bin:
    """A bar of a histogram: values from low up to high (high too, in the last bar)."""

    low: float
    high: float
    count: int
    whole: bool  # one value per bar (a whole number, a scale's point): low is the value


@dataclass
class LeafDistribution:
    """How one leaf's values spread: the commonest labels, a histogram of numbers, and the
    count of every label and every number when there are few distinct ones."""

    labels: list[tuple[str, int]] = field(default_factory=list)  # commonest first
    other_labels: int = 0  # text values beyond the commonest LABELS
    distinct_labels: int = 0
    bins: list[Bin] = field(default_factory=list)
    # Each label (by label_key) or number with its count; None past ALL_COUNTS distinct ones.
    label_counts: dict[str, int] | None = field(default_factory=dict)
    number_counts: dict[float, int] | None = field(default_factory=dict)

    @property
    def top_count(self) -> int:
        """The largest bar, labels and "other" included, for scaling bars."""
        counts = [count for _label, count in self.labels] + [self.other_labels]
        counts += [b.count for b in self.bins]
        return max(counts, default=0)


class LeafFold:
    """One leaf's values as a scan meets them: the kept statistics' counts, labels, numbers."""

    __slots__ = ("path", "scorer", "counts", "numbers", "labels", "skipped")

    def __init__(self, path: str, scorer: str):
        self.path = path
        self.scorer = scorer
        # values, numbers, booleans, trues, texts
        self.counts = [0, 0, 0, 0, 0]
        self.numbers: Counter[float] = Counter()
        self.labels: Counter[str] = Counter()
        self.skipped = 0

    def add(self, kind: str, number: float | None, text: str | None, times: int) -> None:
        """Count a value of the leaf `times` times."""
        counts = self.counts
        counts[0] += times
        if kind == NUMBER and number is not None:
            counts[1] += times
            self.numbers[number] += times
        elif kind == BOOLEAN:
            counts[2] += times
            if number == 1.0:
                counts[3] += times
        elif kind == TEXT and text is not None:
            counts[4] += times
            self.labels[text[:LABEL_CHARS]] += times

    def stats_row(self) -> dict:
        """The leaf as a statistics row (the shape storage.stats_rows returns)."""
        numbers = self.numbers
        return {
            "scorer": self.scorer,
            "path": self.path,
            "value_count": self.counts[0],
            "numeric_count": self.counts[1],
            "numeric_sum": math.fsum(number * times for number, times in numbers.items()),
            "numeric_min": min(numbers) if numbers else None,
            "numeric_max": max(numbers) if numbers else None,
            "bool_count": self.counts[2],
            "true_count": self.counts[3],
            "text_count": self.counts[4],
            "skipped_leaves": self.skipped,
        }

    def distribution(self) -> LeafDistribution:
        """The commonest labels and the histogram of the numbers."""
        ranked = sorted(self.labels.items(), key=lambda item: (-item[1], item[0]))
        top = ranked[:LABELS]
        return LeafDistribution(
            labels=top,
            other_labels=self.counts[4] - sum(count for _label, count in top),
            distinct_labels=len(ranked),
            bins=histogram(self.numbers),
            label_counts=dict(self.labels) if len(self.labels) <= ALL_COUNTS else None,
            number_counts=dict(self.numbers) if len(self.numbers) <= ALL_COUNTS else None,
        )


class Fold:
    """Scores folded leaf by leaf, per scorer (named by ref or by short name).

    Equal values are counted first and walked once: labels, booleans and
    small ratings repeat, so a run's thousands of scores are a few hundred walks.
    """

    def __init__(self) -> None:
        self.scorers: dict[str, dict[str, LeafFold]] = {}
        self.pending: Counter[tuple[str, str, str]] = Counter()

    def add(self, name: str, scorer: str, value_json: str, times: int = 1) -> None:
        """Count `times` scores of the scorer `name` (its ref is `scorer`) with this value."""
        self.pending[name, scorer, value_json] += times

    def _walk(self) -> None:
        """Walk each distinct value counted since the last walk, once."""
        for (name, scorer, value_json), times in self.pending.items():
            by_path = self.scorers.get(name)
            if by_path is None:
                by_path = self.scorers[name] = {}
            found, skipped = leaves(json.loads(value_json))
            for path, kind, number, text in found:
                leaf = by_path.get(path)
                if leaf is None:
                    leaf = by_path[path] = LeafFold(path, scorer)
                leaf.add(kind, number, text, times)
            by_path[ROOT_PATH].skipped += skipped * times
        self.pending.clear()

    def counted(self, name: str) -> int:
        """How many scores of the scorer were folded."""
        self._walk()
        root = self.scorers.get(name, {}).get(ROOT_PATH)
        return root.counts[0] if root is not None else 0

    @property
    def count(self) -> int:
        """How many scores were folded in all."""
        self._walk()
        return sum(self.counted(name) for name in self.scorers)

    def summaries(self) -> list[ScorerSummary]:
        """The scorers with their statistics, as run_summary gives kept ones."""
        self._walk()
        found = []
        for name, by_path in self.scorers.items():
            summary = ScorerSummary(name)
            for leaf in by_path.values():
                summary.add(leaf.stats_row())
            found.append(summary)
        return sorted(found, key=lambda summary: (summary.key, summary.name))

    def distributions(self, name: str) -> dict[str, LeafDistribution]:
        """The labels and histograms of one scorer's leaves, by stored path."""
        self._walk()
        return {path: leaf.distribution() for path, leaf in self.scorers.get(name, {}).items()}


def label_key(label: str) -> str:
    """The label as its count is kept: its start when long."""
    return label[:LABEL_CHARS]


def histogram(numbers: Counter[float]) -> list[Bin]:
    """Bars over the numbers' range (each with how often it occurs): one per whole number
    for a small whole range, else BINS."""
    if not numbers:
        return []
    low, high = min(numbers), max(numbers)
    total = sum(numbers.values())
    if low == high:
        return [Bin(low, high, total, whole=low.is_integer())]
    if high - low < WHOLE_BINS and all(number.is_integer() for number in numbers):
        return [
            Bin(float(value), float(value), numbers.get(float(value), 0), whole=True)
            for value in range(int(low), int(high) + 1)
        ]
    # Halves, so that a range from -1e308 to 1e308 does not overflow to infinity.
    span = high / 2 - low / 2
    counts = [0] * BINS
    last = BINS - 1  # the bin of `high` itself, whose index comes out as BINS
    for number, times in numbers.items():
        index = int((number / 2 - low / 2) / span * BINS)
        counts[index if index < last else last] += times
    return [
        Bin(_edge(low, high, index), _edge(low, high, index + 1), count, False)
        for index, count in enumerate(counts)
    ]


def _edge(low: float, high: float, index: int) -> float:
    """The index-th of the BINS + 1 edges from low to high (never past either)."""
    share = index / BINS
    return high if index == BINS else low * (1 - share) + high * share
