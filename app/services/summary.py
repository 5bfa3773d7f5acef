"""Per-scorer summaries over the newest matching scores, never an unbounded set."""

import json
import math
from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy import func

from app import storage
from app.extensions import db
from app.models import Score
from app.services.browse import Filters, conditions, windowed
from app.storage import SummaryRow

SUMMARY_LIMIT = 2_000
# Longer values are counted but not parsed: scorer metrics are short JSON.
PARSE_MAX_CHARS = 2_000
# Text in a field is counted per label up to this many labels of up to this length
# (labels are short; free text only needs its count).
MAX_LABELS = 100
LABEL_MAX_CHARS = 200
BINS = 12
_DECODER = json.JSONDecoder()


def parse_json(text: str):
    """json.loads(text), in a third of the time for the compact text stored here.

    raw_decode skips loads' type checks and whitespace matching, and reads one
    value from the start of the text; whatever else the text holds (spaces
    around the value, say) goes to loads, which decides as ever.
    """
    try:
        value, end = _DECODER.raw_decode(text)
    except ValueError:
        return json.loads(text)
    return value if end == len(text) else json.loads(text)


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

    # Cached, like low, high and histogram: a remembered summary renders many times.
    @cached_property
    def mean(self) -> float:
        """The mean (for booleans: the share of true)."""
        return math.fsum(self.numbers) / len(self.numbers)

    # Computed once, in Python: Jinja's min and max filters cost a call per item.
    @cached_property
    def low(self) -> float:
        """The smallest value (for booleans: 0.0 if any was false)."""
        return min(self.numbers)

    @cached_property
    def high(self) -> float:
        """The largest value (for booleans: 1.0 if any was true)."""
        return max(self.numbers)

    @cached_property
    def histogram(self) -> list[tuple[float, int]]:
        """Counts per bin as (lower edge, count); two bins for booleans."""
        if self.is_boolean:
            trues = int(sum(self.numbers))
            return [(0.0, len(self.numbers) - trues), (1.0, trues)]
        low, high = self.low, self.high
        if low == high:
            return [(low, len(self.numbers))]
        width = (high - low) / BINS
        counts = [0] * BINS
        last = BINS - 1  # the bin of `high` itself, whose index comes out as BINS
        for number in self.numbers:
            index = int((number - low) / width)
            counts[index if index < last else last] += 1
        return [(low + index * width, count) for index, count in enumerate(counts)]


@dataclass
class TextStats:
    """Text seen in one field: how much, and how often each short text (a label) came."""

    count: int = 0
    labels: dict[str, int] = field(default_factory=dict)


@dataclass
class ScorerSummary:
    """One scorer: how many scores, and stats per numeric or boolean field (and per text one)."""

    scorer: str
    count: int = 0
    fields: dict[str, FieldStats] = field(default_factory=dict)
    texts: dict[str, TextStats] = field(default_factory=dict)

    def add(self, value) -> None:
        """Fold one parsed value into the stats."""
        # One loop, no call per field: it runs for every field of thousands of values.
        self.count += 1
        items = value.items() if type(value) is dict else (("", value),)
        fields, texts = self.fields, self.texts
        for name, item in items:
            # Exact type checks: bool is an int, and only JSON's own types occur here.
            kind = type(item)
            if kind is float:
                if not math.isfinite(item):  # nothing to chart
                    continue
                number = item
            elif kind is int or kind is bool:
                try:
                    number = float(item)
                except OverflowError:  # an integer past any float (they are stored exactly)
                    continue
            elif kind is str:
                text = texts.get(name)
                if text is None:
                    text = texts[name] = TextStats()
                text.count += 1
                labels = text.labels
                if item in labels:
                    labels[item] += 1
                elif len(labels) < MAX_LABELS and len(item) <= LABEL_MAX_CHARS:
                    labels[item] = 1
                continue
            else:
                continue
            stats = fields.get(name)
            if stats is None:
                stats = fields[name] = FieldStats(name)
            stats.numbers.append(number)
            if kind is bool:
                stats.booleans += 1


@dataclass
class Summary:
    """Summaries of every scorer among the rows looked at."""

    scorers: list[ScorerSummary]
    rows_seen: int
    truncated: bool  # more rows match than were summarised


def summarise(entity: str, project: str, filters: Filters) -> Summary:
    """Summarise the newest SUMMARY_LIMIT scores matching the filters."""
    primary, secondary = conditions(entity, project, filters)
    connection = db.session.connection()
    limit = SUMMARY_LIMIT + 1  # one more, to know whether more match

    def read(lowest: str | None, count: int) -> list[SummaryRow]:
        bounded = primary if lowest is None else [*primary, Score.id >= lowest]
        query, _edge = windowed(bounded, [], True, count, _COLUMNS)
        return _summary_rows(connection.execute(query))

    if secondary:
        query, edge = windowed(primary, secondary, True, limit, _COLUMNS)
        return _summary(_summary_rows(connection.execute(query)), edge is not None)
    return storage.newest_rows(connection, entity, project, filters, read, limit, _summary)


_COLUMNS = (Score.id, Score.scorer, func.substr(Score.value_json, 1, PARSE_MAX_CHARS + 1))


def _summary_rows(result) -> list[SummaryRow]:
    # Core rows as plain tuples, one string per scorer name: they may be remembered.
    scorers: dict[str, str] = {}
    return [
        (
            score_id,
            scorers.setdefault(scorer, scorer),
            text if len(text) <= PARSE_MAX_CHARS else None,
        )
        for score_id, scorer, text in result
    ]


def _summary(rows: list[SummaryRow], window_ended: bool = False) -> Summary:
    """The summary of rows (newest first, one more than SUMMARY_LIMIT when more match)."""
    by_scorer: dict[str, ScorerSummary] = {}
    for _id, scorer, text in rows[:SUMMARY_LIMIT]:
        summary = by_scorer.get(scorer)
        if summary is None:
            summary = by_scorer[scorer] = ScorerSummary(scorer)
        if text is None:  # too long to parse: counted only
            summary.count += 1
            continue
        summary.add(parse_json(text))
    ordered = sorted(by_scorer.values(), key=lambda item: (-item.count, item.scorer))
    truncated = len(rows) > SUMMARY_LIMIT or window_ended
    return Summary(ordered, min(len(rows), SUMMARY_LIMIT), truncated)
