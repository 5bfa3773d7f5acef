"""The rows of runs side by side: each dataset row (by digest) with its trials in each run.

A trial is a prediction of a requested run; its scores are the scores that
name its prediction, the newest per scorer key winning. Scores that name a
requested run but whose prediction was never stored make trials too, in
rows of their own ("prediction:" + the prediction id), with no inputs and
no output. Rows are gathered from ids, digests and the values of the
scorers a query needs; payloads are read for the page alone.
"""

import heapq
import json
from collections.abc import Iterable, Sequence
from functools import lru_cache

from app import storage
from app.services.run_summary import scorer_key

ORPHAN_PREFIX = "prediction:"
_UNREAD = object()
# Shared by every trial until it is given a score: most trials of a query get none.
_NO_SCORES: dict = {}
# Scorers repeat on every score.
_key_of = lru_cache(maxsize=4096)(scorer_key)


class Trial:
    """One prediction of one run, and the scores read for it so far (key: (id, scorer, text))."""

    __slots__ = (
        "prediction_id",
        "run_id",
        "stored",
        "scores",
        "span_json",
        "_shared",
        "_output_json",
        "_output",
    )

    def __init__(self, prediction_id: str, run_id: str, shared: "Shared", stored: bool = True):
        self.prediction_id = prediction_id
        self.run_id = run_id
        self.stored = stored  # False: only its scores exist
        self._shared = shared
        self.scores: dict[str, tuple[str, str, str]] = _NO_SCORES
        self.span_json: str | None = None
        self._output_json: str | None = None
        self._output = _UNREAD

    def add_score(self, score_id: str, scorer: str, value_json: str) -> None:
        """Keep a score; read oldest first, so the newest of a key wins."""
        if self.scores is _NO_SCORES:
            self.scores = {}
        self.scores[_key_of(scorer)] = (score_id, scorer, value_json)

    def value(self, key: str):
        """The value of the scorer with this key (its own scores once read, else the query's
        values of that scorer), or None."""
        scores = self.scores
        if scores is _NO_SCORES:
            found = self._shared.book.get(key, _NO_SCORES).get(self.prediction_id)
        else:
            found = scores.get(key)
        if found is None:
            return None
        text = found[-1]
        parsed = self._shared.parsed.get(text, _UNREAD)
        if parsed is _UNREAD:
            parsed = self._shared.parsed[text] = json.loads(text)
        return parsed

    def scorer_keys(self) -> Iterable[str]:
        """The scorer keys it has a score of: its own scores once read, else the book's."""
        if self.scores is not _NO_SCORES:
            return self.scores.keys()
        book, prediction = self._shared.book, self.prediction_id
        return [key for key, values in book.items() if prediction in values]

    @property
    def span(self):
        """The prediction's genai_span_ref, once its payload was read."""
        return None if self.span_json is None else json.loads(self.span_json)

    def set_output_json(self, text: str | None) -> None:
        self._output_json, self._output = text, _UNREAD

    @property
    def output(self):
        """The prediction's output (None for a trial with no stored prediction)."""
        if self._output is _UNREAD:
            self._output = None if self._output_json is None else json.loads(self._output_json)
        return self._output


class Row:
    """One dataset row: its digest, its trials by run, and (once read) its inputs."""

    __slots__ = ("digest", "trials", "_inputs_json", "_inputs")

    def __init__(self, digest: str):
        self.digest = digest
        self.trials: dict[str, list[Trial]] = {}
        self._inputs_json: str | None = None
        self._inputs = _UNREAD

    def add(self, trial: Trial) -> None:
        self.trials.setdefault(trial.run_id, []).append(trial)

    def set_inputs_json(self, text: str | None) -> None:
        self._inputs_json, self._inputs = text, _UNREAD

    @property
    def inputs(self):
        """The row's inputs (None for a row of scores whose prediction was never stored)."""
        if self._inputs is _UNREAD:
            self._inputs = None if self._inputs_json is None else json.loads(self._inputs_json)
        return self._inputs

    def all_trials(self) -> Iterable[Trial]:
        for trials in self.trials.values():
            yield from trials


class Shared:
    """What a query's trials share: the values of the scorers it reads, and parsed texts."""

    def __init__(self) -> None:
        # scorer key: {prediction id: (prediction id, score id, scorer, value text)}, the
        # newest score of the key for each prediction.
        self.book: dict[str, dict[str, tuple]] = {}
        # Value texts parsed so far: many repeat (booleans, small numbers). Never changed.
        self.parsed: dict[str, object] = {}


class Gathered:
    """Every row of the runs, and their trials by prediction id."""

    def __init__(self) -> None:
        self.rows: dict[str, Row] = {}
        self.trials: dict[str, Trial] = {}
        self.shared = Shared()
        self.orphans: list[Trial] = []
        self.ids: dict[str, set[str]] = {}  # run id: its trials' prediction ids

    def row(self, digest: str) -> Row:
        row = self.rows.get(digest)
        if row is None:
            row = self.rows[digest] = Row(digest)
        return row


def read_runs(entity: str, project: str, run_ids: Sequence[str]) -> dict[str, storage.RunRows]:
    """Each run's predictions (id, digest) and scores of unstored predictions, as remembered."""
    return {run_id: storage.remembered_run_rows(entity, project, run_id) for run_id in run_ids}


def digests_of(rows: storage.RunRows) -> set[str]:
    """The row digests a run has trials in."""
    found = {digest for _prediction, digest in rows.trials}
    found.update(ORPHAN_PREFIX + orphan[0] for orphan in rows.orphans)
    return found


def trial_count(rows: storage.RunRows) -> int:
    """How many trials a run has: its predictions, and the unstored ones its scores name."""
    return len(rows.trials) + len({orphan[0] for orphan in rows.orphans})


def gather(
    entity: str,
    project: str,
    runs: dict[str, storage.RunRows],
    scorers: Sequence[tuple[str, str]] | None,
    only: set[str] | None = None,
) -> Gathered:
    """The runs' rows and trials (only the rows of these digests, when given), with the values
    of these scorers ((scorer, digest) pairs; every scorer for trials whose prediction was
    never stored)."""
    found = Gathered()
    for run_id, remembered in runs.items():
        ids = set()
        for prediction_id, digest in remembered.trials:
            if only is not None and digest not in only:
                continue
            trial = Trial(prediction_id, run_id, found.shared)
            found.row(digest).add(trial)
            found.trials[prediction_id] = trial
            ids.add(prediction_id)
        orphans: dict[str, Trial] = {}
        for prediction_id, score_id, scorer, value_json in remembered.orphans:
            if only is not None and ORPHAN_PREFIX + prediction_id not in only:
                continue
            orphan = orphans.get(prediction_id)
            if orphan is None:
                orphan = Trial(prediction_id, run_id, found.shared, stored=False)
                orphans[prediction_id] = orphan
                found.row(ORPHAN_PREFIX + prediction_id).add(orphan)
                found.orphans.append(orphan)
            orphan.add_score(score_id, scorer, value_json)
        found.ids[run_id] = ids
    add_values(entity, project, found, scorers or ())
    return found


def add_values(
    entity: str, project: str, found: Gathered, scorers: Iterable[tuple[str, str]]
) -> None:
    """Put these scorers' values ((scorer, digest) pairs) of every run's trials in the book."""
    book = found.shared.book
    for run_id, ids in found.ids.items():
        by_key: dict[str, list[list[tuple]]] = {}
        for scorer, digest in scorers:
            rows = storage.remembered_run_values(entity, project, run_id, digest, ids)
            by_key.setdefault(_key_of(scorer), []).append(rows)
        for key, lists in by_key.items():
            # Oldest first across a key's versions too, so the newest score wins.
            ordered = lists[0] if len(lists) == 1 else heapq.merge(*lists, key=_score_id)
            book.setdefault(key, {}).update((row[0], row) for row in ordered)


def _score_id(row: tuple) -> str:
    return row[1]


def read_payloads(entity: str, project: str, rows: Iterable[Row], with_scores: bool) -> None:
    """Read the inputs and outputs of these rows' trials; with_scores: all their scores too."""
    stored: dict[str, Trial] = {}
    for row in rows:
        for trial in row.all_trials():
            if trial.stored:
                stored[trial.prediction_id] = trial
    ids = list(stored)
    payloads = storage.prediction_payloads(entity, project, ids)
    for row in rows:
        for trial in row.all_trials():
            payload = payloads.get(trial.prediction_id) if trial.stored else None
            if payload is not None:
                trial.set_output_json(payload[1])
                trial.span_json = payload[2]
                row.set_inputs_json(payload[0])
    if with_scores:
        for trial in stored.values():
            trial.scores = _NO_SCORES
        for prediction_id, score_id, scorer, value_json in storage.prediction_scores(
            entity, project, ids
        ):
            stored[prediction_id].add_score(score_id, scorer, value_json)
