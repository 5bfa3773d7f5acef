"""Label counts and histograms of a scorer's values: read from its scores, remembered.

The statistics kept with the scores (run_summary.py) hold counts, sums and
extremes, not which labels occur or how the numbers spread. Those come from
one read of the scorer's scores in the scope (a run, or the whole project),
each value walked leaf by leaf as the statistics walk it
(app/score_values.py), so the counts agree with theirs. A scope's result is
remembered per process under the versions of its statistics groups and the
project's deletion count: every write to the scope changes one of them (a
group counted again from scratch starts its versions afresh, but only after
a deletion), so a remembered result is exact until then.
"""

import json
import math
import threading
from collections import Counter, OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field

from app import storage
from app.extensions import db
from app.score_values import BOOLEAN, NUMBER, ROOT_PATH, TEXT, leaves
from app.services.run_summary import ScorerSummary

LABELS = 20  # the most common labels shown; the rest are "other"
BINS = 12
# Whole numbers spanning at most this many values get a bin each (ratings 1-5).
WHOLE_BINS = 20
# A label longer than this is shown (and counted) by its start.
LABEL_CHARS = 120
CACHE_ENTRIES = 512


@dataclass(frozen=True)
class Bin:
    """A bar of a histogram: values from low up to high (high too, in the last bar)."""

    low: float
    high: float
    count: int
    whole: bool  # one whole number per bar: low is the value


@dataclass
class LeafDistribution:
    """How one leaf's values spread: the commonest labels, and a histogram of numbers."""

    labels: list[tuple[str, int]] = field(default_factory=list)  # commonest first
    other_labels: int = 0  # text values beyond the commonest LABELS
    distinct_labels: int = 0
    bins: list[Bin] = field(default_factory=list)

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
        # value, numeric, boolean, true, text
        self.counts = [0, 0, 0, 0, 0]
        self.numbers: list[float] = []
        self.labels: Counter[str] = Counter()
        self.skipped = 0

    def add(self, kind: str, number: float | None, text: str | None) -> None:
        counts = self.counts
        counts[0] += 1
        if kind == NUMBER:
            counts[1] += 1
            self.numbers.append(number)  # type: ignore[arg-type]
        elif kind == BOOLEAN:
            counts[2] += 1
            counts[3] += number == 1.0
        elif kind == TEXT:
            counts[4] += 1
            self.labels[text[:LABEL_CHARS] if len(text) > LABEL_CHARS else text] += 1  # type: ignore[index, arg-type]

    def stats_row(self) -> dict:
        """The leaf as a statistics row (the shape storage.stats_rows returns)."""
        numbers = self.numbers
        return {
            "scorer": self.scorer,
            "path": self.path,
            "value_count": self.counts[0],
            "numeric_count": self.counts[1],
            "numeric_sum": math.fsum(numbers),
            "numeric_min": min(numbers) if numbers else None,
            "numeric_max": max(numbers) if numbers else None,
            "bool_count": self.counts[2],
            "true_count": self.counts[3],
            "text_count": self.counts[4],
            "skipped_leaves": self.skipped,
        }

    def distribution(self) -> LeafDistribution:
        ranked = sorted(self.labels.items(), key=lambda item: (-item[1], item[0]))
        top = ranked[:LABELS]
        return LeafDistribution(
            labels=top,
            other_labels=self.counts[4] - sum(count for _label, count in top),
            distinct_labels=len(ranked),
            bins=histogram(self.numbers),
        )


class Fold:
    """Scores folded leaf by leaf, per scorer (named by ref or by short name)."""

    def __init__(self) -> None:
        self.scorers: dict[str, dict[str, LeafFold]] = {}
        self.count = 0

    def add(self, name: str, scorer: str, value_json: str) -> None:
        """Fold one score of the scorer `name` (its ref is `scorer`)."""
        self.count += 1
        by_path = self.scorers.get(name)
        if by_path is None:
            by_path = self.scorers[name] = {}
        found, skipped = leaves(json.loads(value_json))
        for path, kind, number, text in found:
            leaf = by_path.get(path)
            if leaf is None:
                leaf = by_path[path] = LeafFold(path, scorer)
            leaf.add(kind, number, text)
        by_path[ROOT_PATH].skipped += skipped

    def summaries(self) -> list[ScorerSummary]:
        """The scorers with their statistics, as run_summary gives kept ones."""
        found = []
        for name, by_path in self.scorers.items():
            summary = ScorerSummary(name)
            for leaf in by_path.values():
                summary.add(leaf.stats_row())
            found.append(summary)
        return sorted(found, key=lambda summary: (summary.key, summary.name))

    def distributions(self, name: str) -> dict[str, LeafDistribution]:
        """The labels and histograms of one scorer's leaves, by stored path."""
        return {path: leaf.distribution() for path, leaf in self.scorers.get(name, {}).items()}


def histogram(numbers: list[float]) -> list[Bin]:
    """Bars over the numbers' range: one per whole number for small whole ranges, else BINS."""
    if not numbers:
        return []
    low, high = min(numbers), max(numbers)
    if low == high:
        return [Bin(low, high, len(numbers), whole=low.is_integer())]
    if high - low < WHOLE_BINS and all(number.is_integer() for number in numbers):
        counts = Counter(numbers)
        start = int(low)
        return [
            Bin(float(value), float(value), counts.get(float(value), 0), whole=True)
            for value in range(start, int(high) + 1)
        ]
    width = (high - low) / BINS
    counts_by_bin = [0] * BINS
    last = BINS - 1  # the bin of `high` itself, whose index comes out as BINS
    for number in numbers:
        index = int((number - low) / width)
        counts_by_bin[index if index < last else last] += 1
    return [
        Bin(low + index * width, high if index == last else low + (index + 1) * width, count, False)
        for index, count in enumerate(counts_by_bin)
    ]


_cache: "OrderedDict[tuple, dict[str, LeafDistribution]]" = OrderedDict()
_lock = threading.Lock()


def of_scorer(
    entity: str,
    project: str,
    summary: ScorerSummary,
    deletions: int,
    whole_project: bool = False,
) -> dict[str, LeafDistribution]:
    """The distributions of a scorer's leaves over the groups its statistics counted.

    whole_project: the groups are every run's, so each scorer is read once, not per run.
    """
    groups = tuple(sorted(summary.groups, key=lambda group: (group[0], group[1], group[2] or 0)))
    key = (db.engine.url.render_as_string(), entity, project, groups, deletions)
    cacheable = all(version is not None for _run, _digest, version in groups)
    if cacheable:
        with _lock:
            found = _cache.get(key)
            if found is not None:
                _cache.move_to_end(key)
                return found
    fold = Fold()
    for run_key, digest, scorer in _reads(summary, whole_project):
        for value_json in storage.scorer_values(entity, project, digest, run_key):
            fold.add(summary.name, scorer, value_json)
    result = fold.distributions(summary.name)
    # A write that landed between the statistics and the read: exact for this
    # view, but not under the versions read, so not remembered.
    if cacheable and fold.count == summary.count:
        with _lock:
            _cache[key] = result
            while len(_cache) > CACHE_ENTRIES:
                _cache.popitem(last=False)
    return result


def _reads(summary: ScorerSummary, whole_project: bool) -> Iterable[tuple[str | None, str, str]]:
    """(run key or None for every run, scorer digest, scorer ref) of each read to make."""
    refs = {}
    for row_scorer in summary.scorers:
        refs[storage.scorer_digest(row_scorer)] = row_scorer
    if whole_project:
        return [(None, digest, scorer) for digest, scorer in sorted(refs.items())]
    return [
        (run_key, digest, refs.get(digest, summary.name))
        for run_key, digest, _version in sorted(summary.groups, key=lambda g: (g[0], g[1]))
    ]


def forget_all() -> None:
    """Drop every remembered distribution (tests start each database afresh)."""
    with _lock:
        _cache.clear()
