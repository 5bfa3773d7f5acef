"""A summary's scorers as their configs describe them, for the scores page and the run page.

A scorer with an active config is shown by its config: its display name,
which way is better, and every leaf the config declares in its order (those
no score has yet with zero counts), then any other leaf its values have
(scores from before the config). A labels leaf counts each label in the
config's order, zeros included, then any other value seen; a scale counts
each of its points; a boolean is a pass rate. The counts come from the
distributions already read (distributions.py), never from a read of their
own. A scorer without a config is shown as its values come.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from app.field_leaves import BOOLEAN, LABELS, NUMBER
from app.services.distribution_folds import Bin, LeafDistribution, label_key
from app.services.run_summary import LeafSummary, ScorerSummary
from app.services.scorer_configs import LeafPresentation, Presentations

# A leaf's kind as the statistics name it (run_summary.LeafSummary.kind) for each kind
# a config declares: labels and free text are both text.
_SHOWN_AS = {BOOLEAN: "boolean", NUMBER: "number", LABELS: "text"}


# A scale of more points than this is drawn as a histogram, a bar per point, not a list.
LISTED_POINTS = 12


@dataclass(frozen=True)
class Count:
    """A label or a scale's point with how many values are it; expected: the config names it."""

    value: Any
    text: str
    count: int
    expected: bool


@dataclass
class LeafView:
    """One leaf as the page shows it: its statistics, and its counts in the config's order."""

    stats: LeafSummary  # all zeros for a declared leaf no score has yet
    kind: str  # "boolean", "number" or "text", as LeafSummary.kind names them
    title: str | None = None  # the config's title for the leaf
    presentation: LeafPresentation | None = None
    # Each label or point in the config's order, then any other value seen; None when the
    # leaf is not shown that way, or its values were not read or are too many to list.
    counts: list[Count] | None = None
    # Counts not listed one by one: too many distinct values (distribution_folds.ALL_COUNTS).
    uncounted: bool = False

    @property
    def path(self) -> str | None:
        """The leaf's keys joined by dots; None at the root."""
        return self.stats.path

    @property
    def path_text(self) -> str:
        return self.stats.path_text

    @property
    def name(self) -> str:
        """What the page calls the leaf: the config's title, else its path, else 'value'."""
        return self.title or self.stats.path or "value"

    @property
    def is_scale(self) -> bool:
        return self.presentation is not None and self.presentation.points is not None

    @property
    def point_bins(self) -> list[Bin] | None:
        """A wide scale's points as histogram bars, one per point, zeros included; None when
        the counts are a list."""
        if not self.is_scale or self.counts is None:
            return None
        points = [count for count in self.counts if count.expected]
        if len(points) <= LISTED_POINTS:
            return None
        return [Bin(float(c.value), float(c.value), c.count, whole=True) for c in points]

    @property
    def other_counts(self) -> list[Count]:
        """The counted values the config does not name."""
        return [count for count in self.counts or () if not count.expected]

    @property
    def counted(self) -> int:
        """How many values the counts are over: the leaf's values of its kind."""
        stats = self.stats
        return {"boolean": stats.bool_count, "number": stats.numeric_count}.get(
            self.kind, stats.text_count
        )


@dataclass
class ScorerView:
    """One scorer of a summary with its leaves, as its config (if any) describes it."""

    summary: ScorerSummary
    leaves: list[LeafView] = field(default_factory=list)
    display_name: str | None = None
    direction: str | None = None  # the config's: "higher", "lower", or None
    config_version: int | None = None  # None: no active config
    config_scorer: str | None = None  # the scorer its config names (a ref, or a short name)

    @property
    def configured(self) -> bool:
        return self.config_version is not None


def present(
    summaries: list[ScorerSummary],
    found: Mapping[str, Mapping[str, LeafDistribution] | None],
    shown: Presentations,
) -> list[ScorerView]:
    """Each scorer with its leaves. found: the distributions read, by scorer name then leaf
    path (a scorer missing or None: not read); shown: configs named as the summaries name
    their scorers (by ref, or Presentations.by_key for short names)."""
    return [_scorer(summary, found.get(summary.name), shown) for summary in summaries]


def _scorer(
    summary: ScorerSummary,
    dists: Mapping[str, LeafDistribution] | None,
    shown: Presentations,
) -> ScorerView:
    config = shown.config(summary.name)
    if config is None:
        return ScorerView(summary, [LeafView(leaf, leaf.kind) for leaf in summary.summarised()])
    leaves = []
    declared = set()
    for path, presentation in shown.leaves(summary.name):
        declared.add(path)
        stats = summary.leaves.get(path) or LeafSummary(path)
        dist = None if dists is None else dists.get(path, LeafDistribution())
        leaves.append(_declared(stats, presentation, dist))
    leaves += [
        LeafView(leaf, leaf.kind) for leaf in summary.summarised() if leaf.path_text not in declared
    ]
    return ScorerView(
        summary, leaves, config.display_name, config.direction, config.version, config.scorer
    )


def _declared(
    stats: LeafSummary, presentation: LeafPresentation, dist: LeafDistribution | None
) -> LeafView:
    """A leaf the config declares, shown as it says."""
    # A field's title defaults to its name (scorer_configs): only a title of its own is news.
    title = presentation.title if presentation.title != stats.path else None
    view = LeafView(stats, _SHOWN_AS.get(presentation.kind, "text"), title)
    view.presentation = presentation
    if dist is None or (presentation.kind != LABELS and presentation.points is None):
        return view  # not read; or a boolean, an unbounded number, free text: shown as ever
    counts: Mapping[Any, int] | None
    if presentation.kind == LABELS:
        counts = _label_counts(presentation.labels, dist.label_counts)
    else:
        counts = dist.number_counts
    if counts is None:
        view.uncounted = True
        return view
    expected = len(presentation.ordered({}))
    view.counts = [
        Count(value, _text(value), count, index < expected)
        for index, (value, count) in enumerate(presentation.ordered(counts))
    ]
    return view


def _label_counts(labels: tuple[str, ...], counts: dict[str, int] | None) -> dict[str, int] | None:
    """The counts by label: a long label is counted by its start (distribution_folds.label_key),
    so none when two of the config's labels start alike."""
    starts = {label_key(label): label for label in labels}
    if counts is None or len(starts) < len(labels):
        return None
    return {starts.get(label, label): count for label, count in counts.items()}


def _text(value: Any) -> str:
    """A label as itself, a number as JSON writes it (4, not 4.0)."""
    if isinstance(value, str):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return repr(value)
