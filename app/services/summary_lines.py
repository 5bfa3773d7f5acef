"""The project page's summary, each scorer shown as its config describes it.

A scorer with an active config gets one line per leaf the config declares, in
the config's order: labels with a count per label (in the config's order,
zeros shown), a scale with a count per point, a boolean as a pass rate, text
as a count; then any other numeric field seen (scores from before the
config). A scorer without one is shown as its values come, as before. The
summary itself may be remembered across views (summary_rows.py): lines are
built afresh and never change it.
"""

import json
from collections import Counter
from dataclasses import dataclass

from app.field_leaves import BOOLEAN, LABELS, NUMBER
from app.score_values import path_keys
from app.services.scorer_configs import LeafPresentation, Presentations
from app.services.summary import FieldStats, ScorerSummary, Summary


@dataclass
class SummaryLine:
    """One field of one scorer, as the summary table shows it."""

    name: str  # the field, '' for the value itself
    label: str
    kind: str  # "number", "boolean", "labels" or "text"
    count: int
    stats: FieldStats | None = None  # its numbers, when it has any
    # (label, count) per label or scale point, in the config's order, then any other value.
    distribution: list[tuple[str, int]] | None = None


@dataclass
class ScorerLines:
    """One scorer of the summary with its lines, its config's name and which way is better."""

    summary: ScorerSummary
    display_name: str | None
    direction: str | None
    lines: list[SummaryLine]


def _plain(stats: FieldStats) -> SummaryLine:
    kind = BOOLEAN if stats.is_boolean else NUMBER
    return SummaryLine(stats.name, stats.name or "value", kind, stats.count, stats)


def _shown(value) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _line(name: str, leaf: LeafPresentation, scorer: ScorerSummary) -> SummaryLine:
    label = leaf.title or name or "value"
    if leaf.kind == LABELS:
        text = scorer.texts.get(name)
        labels = text.labels if text else {}
        pairs = leaf.ordered(labels)
        return SummaryLine(name, label, LABELS, text.count if text else 0, None, pairs)
    if leaf.kind in (BOOLEAN, NUMBER):
        stats = scorer.fields.get(name)
        count = stats.count if stats else 0
        if leaf.kind == BOOLEAN or leaf.points is None:
            return SummaryLine(name, label, leaf.kind, count, stats)
        counts = Counter(stats.numbers) if stats else Counter()
        pairs = [(_shown(point), n) for point, n in leaf.ordered(counts)]
        return SummaryLine(name, label, NUMBER, count, stats, pairs)
    text = scorer.texts.get(name)
    return SummaryLine(name, label, "text", text.count if text else 0)


def present(summary: Summary, shown: Presentations) -> list[ScorerLines]:
    """Every scorer of the summary with its lines."""
    presented = []
    for scorer in summary.scorers:
        config = shown.config(scorer.scorer)
        if config is None:
            lines = [_plain(stats) for stats in scorer.fields.values()]
            presented.append(ScorerLines(scorer, None, None, lines))
            continue
        lines = []
        declared = set()
        for path, leaf in shown.leaves(scorer.scorer):
            keys = path_keys(path)
            name = keys[0] if keys else ""
            declared.add(name)
            lines.append(_line(name, leaf, scorer))
        lines += [_plain(stats) for name, stats in scorer.fields.items() if name not in declared]
        presented.append(ScorerLines(scorer, config.display_name, config.direction, lines))
    return presented
