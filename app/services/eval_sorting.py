"""Eval results order: sort keys applied in turn, nulls last either way, the digest last.

- value: a score field's mean over the trials in scope (booleans as 1 and 0,
  numeric text as its number); an inputs or outputs field's numbers first,
  then its texts; row_digest its text.
- difference: the spread (largest minus smallest) of the runs' means of a
  score field; unknown unless every requested run has one. With one run it
  is the value.
- change (the Compare page): each other run's mean minus the first run's,
  the smallest change when ascending, the largest when descending, so the
  worst regression or the best improvement of a row comes first.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from app.services import eval_fields
from app.services.eval_fields import DIGEST, SCORE, FieldRef
from app.services.eval_filters import field_reader
from app.services.eval_rows import Row

VALUE, DIFFERENCE, CHANGE = "value", "difference", "change"


@dataclass(frozen=True)
class SortKey:
    """One key of the order, its field resolved."""

    field: FieldRef
    descending: bool
    run_id: str | None = None  # value mode: only this run's trials
    mode: str = VALUE


def _mean(numbers: list[float]) -> float | None:
    return sum(numbers) / len(numbers) if numbers else None


class _Keyer:
    """The sort value of each row for one key: a number, a text, or None."""

    def __init__(self, key: SortKey, run_ids: Sequence[str]):
        self.key = key
        self.run_ids = run_ids
        self.read = field_reader(key.field)
        self.is_score = key.field.kind == SCORE

    def run_mean(self, row: Row, run_id: str | None) -> float | None:
        """The mean of the field's numbers over one run's trials (None: every run's)."""
        read, is_score = self.read, self.is_score
        trials = (
            row.trials.get(run_id, ())
            if run_id is not None
            else [trial for trials in row.trials.values() for trial in trials]
        )
        numbers = []
        for trial in trials:
            number = eval_fields.as_number(read(row, trial), is_score)
            if number is not None:
                numbers.append(number)
        return _mean(numbers)

    def value(self, row: Row):
        key = self.key
        if key.field.kind == DIGEST:
            return (1, row.digest)
        if key.mode == DIFFERENCE and len(self.run_ids) > 1:
            means = [self.run_mean(row, run_id) for run_id in self.run_ids]
            if any(mean is None for mean in means):
                return None
            return (0, max(means) - min(means))  # type: ignore[type-var,operator]
        if key.mode == CHANGE and len(self.run_ids) > 1:
            base = self.run_mean(row, self.run_ids[0])
            changes = [
                mean - base
                for mean in (self.run_mean(row, run_id) for run_id in self.run_ids[1:])
                if mean is not None and base is not None
            ]
            if not changes:
                return None
            return (0, max(changes) if key.descending else min(changes))
        if self.is_score:
            mean = self.run_mean(row, key.run_id)
            return None if mean is None else (0, mean)
        return self._plain_value(row)

    def _plain_value(self, row: Row):
        """An inputs or outputs field: its numbers' mean first, else its smallest text."""
        trials = (
            row.trials.get(self.key.run_id, ())
            if self.key.run_id is not None
            else [trial for trials in row.trials.values() for trial in trials]
        )
        numbers, texts = [], []
        for trial in trials:
            value = self.read(row, trial)
            number = eval_fields.as_number(value, False)
            if number is not None:
                numbers.append(number)
            else:
                text = eval_fields.as_text(value, False)
                if text is not None:
                    texts.append(text)
        if numbers:
            return (0, _mean(numbers))
        return (1, min(texts)) if texts else None


def sort_rows(rows: list[Row], keys: Sequence[SortKey], run_ids: Sequence[str]) -> list[Row]:
    """The rows in the order the keys ask for; ties broken by digest, ascending."""
    ordered = sorted(rows, key=lambda row: row.digest)
    for key in reversed(keys):
        keyer = _Keyer(key, run_ids)
        valued = [(keyer.value(row), row) for row in ordered]
        # Numbers (group 0) before texts (group 1) in both directions, nulls last.
        groups: list[list[Row]] = []
        for group in (0, 1):
            members = [(v[1], row) for v, row in valued if v is not None and v[0] == group]
            members.sort(key=lambda item: item[0], reverse=key.descending)
            groups.append([row for _v, row in members])
        nulls = [row for v, row in valued if v is None]
        ordered = groups[0] + groups[1] + nulls
    return ordered
