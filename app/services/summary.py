"""Per-scorer summaries over the newest matching scores, never an unbounded set."""

import json
import math
from dataclasses import dataclass, field

from sqlalchemy import func

from app.extensions import db
from app.models import Score
from app.services.browse import Filters, conditions, windowed

SUMMARY_LIMIT = 2_000
# Longer values are counted but not parsed: scorer metrics are short JSON.
PARSE_MAX_CHARS = 2_000
BINS = 12


@dataclass
class FieldStats:
    """Numbers (or booleans) seen in one field of one scorer's values."""

    name: str
    numbers: list[float] = field(default_factory=list)
    booleans: int = 0

    @property
    def count(self) -> int:
        """How many values were numbers or booleans."""
        return len(self.numbers)

    @property
    def is_boolean(self) -> bool:
        """Whether every value seen was a boolean."""
        return self.booleans == len(self.numbers)

    @property
    def mean(self) -> float:
        """The mean (for booleans: the share of true)."""
        return math.fsum(self.numbers) / len(self.numbers)

    def histogram(self) -> list[tuple[float, int]]:
        """Counts per bin as (lower edge, count); two bins for booleans."""
        if self.is_boolean:
            trues = int(sum(self.numbers))
            return [(0.0, len(self.numbers) - trues), (1.0, trues)]
        low, high = min(self.numbers), max(self.numbers)
        if low == high:
            return [(low, len(self.numbers))]
        width = (high - low) / BINS
        counts = [0] * BINS
        for number in self.numbers:
            counts[min(int((number - low) / width), BINS - 1)] += 1
        return [(low + index * width, count) for index, count in enumerate(counts)]


@dataclass
class ScorerSummary:
    """One scorer: how many scores, and stats per numeric or boolean field."""

    scorer: str
    count: int = 0
    fields: dict[str, FieldStats] = field(default_factory=dict)

    def add(self, value) -> None:
        """Fold one parsed value into the stats."""
        self.count += 1
        if isinstance(value, dict):
            for key, item in value.items():
                self._add_number(str(key), item)
        else:
            self._add_number("", value)

    def _add_number(self, name: str, item) -> None:
        if isinstance(item, bool):
            stats = self.fields.setdefault(name, FieldStats(name))
            stats.numbers.append(float(item))
            stats.booleans += 1
        elif isinstance(item, int | float) and math.isfinite(float(item)):
            self.fields.setdefault(name, FieldStats(name)).numbers.append(float(item))


@dataclass
class Summary:
    """Summaries of every scorer among the rows looked at."""

    scorers: list[ScorerSummary]
    rows_seen: int
    truncated: bool  # more rows match than were summarised


def summarise(entity: str, project: str, filters: Filters) -> Summary:
    """Summarise the newest SUMMARY_LIMIT scores matching the filters."""
    primary, secondary = conditions(entity, project, filters)
    columns = (Score.scorer, func.substr(Score.value_json, 1, PARSE_MAX_CHARS + 1))
    query, edge = windowed(primary, secondary, True, SUMMARY_LIMIT + 1, columns)
    rows = db.session.execute(query).all()
    truncated = len(rows) > SUMMARY_LIMIT or edge is not None
    by_scorer: dict[str, ScorerSummary] = {}
    for scorer, text in rows[:SUMMARY_LIMIT]:
        summary = by_scorer.setdefault(scorer, ScorerSummary(scorer))
        if len(text) > PARSE_MAX_CHARS:
            summary.count += 1
            continue
        summary.add(json.loads(text))
    ordered = sorted(by_scorer.values(), key=lambda item: (-item.count, item.scorer))
    return Summary(ordered, min(len(rows), SUMMARY_LIMIT), truncated)
