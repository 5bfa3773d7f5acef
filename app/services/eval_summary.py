"""Per-run, per-scorer-leaf statistics of an eval results query, as the API's scorer_stats.

Over whole runs they come from the statistics kept with the scores
(run_summary.py): exact, and read without a scan. Over the rows that every
run shares (summary intersection) they are counted from those rows' scores,
the newest per prediction and scorer key, walked into leaves as the kept
statistics walk them (app/score_values.py).

A leaf's value_type is what most of its values are (binary, continuous,
text): the hosted server takes its first value's, and which came first is
not kept. Booleans never count as numbers; nulls, lists and objects count
in no leaf's trial_count.
"""

from collections.abc import Iterable, Sequence

from app import storage
from app.score_values import BOOLEAN, NUMBER, ROOT_PATH, TEXT, count_leaf, leaves
from app.services.eval_rows import Row
from app.services.run_summary import LeafSummary

VALUE_TYPES = {BOOLEAN: "binary", NUMBER: "continuous", TEXT: "text"}

# A key's leaves by stored path.
KeyLeaves = dict[str, dict[str, LeafSummary]]


def scorer_stat(key: str, leaf: LeafSummary) -> dict:
    """One leaf as a SummaryEvaluationScorerStat, with its minimum and maximum added."""
    typed = leaf.bool_count + leaf.numeric_count + leaf.text_count
    return {
        "scorer_key": key,
        "path": leaf.path,
        "value_type": VALUE_TYPES.get(leaf.kind),
        "trial_count": typed,
        "numeric_count": leaf.numeric_count,
        "numeric_mean": leaf.numeric_mean,
        "numeric_min": leaf.numeric_min,
        "numeric_max": leaf.numeric_max,
        "pass_true_count": leaf.true_count,
        "pass_known_count": leaf.bool_count,
        "pass_rate": leaf.pass_rate,
        "pass_signal_coverage": leaf.bool_count / typed if typed else None,
    }


def ordered_leaves(by_key: KeyLeaves) -> list[tuple[str, LeafSummary]]:
    """(key, leaf) of the typed leaves: by key, the root first, then by path."""
    found = []
    for key in sorted(by_key):
        for path in sorted(by_key[key], key=lambda text: (text != ROOT_PATH, text)):
            leaf = by_key[key][path]
            if leaf.kind != "other":
                found.append((key, leaf))
    return found


def kept_leaves(summaries) -> KeyLeaves:
    """A run's ScorerSummary list (versions merged by key) as leaves by key."""
    return {summary.key: dict(summary.leaves) for summary in summaries}


def counted_leaves(rows: Iterable[Row], run_id: str) -> KeyLeaves:
    """The leaves of one run's trials in these rows, counted from their scores."""
    by_key: KeyLeaves = {}
    for row in rows:
        for trial in row.trials.get(run_id, ()):
            for key in trial.scorer_keys():
                found, _skipped = leaves(trial.value(key))
                paths = by_key.setdefault(key, {})
                for leaf in found:
                    summary = paths.get(leaf.path)
                    if summary is None:
                        summary = paths[leaf.path] = LeafSummary(leaf.path)
                    count_leaf(summary, leaf.kind, leaf.number)
    return by_key


def run_metadata(entity: str, project: str, run_ids: Sequence[str]) -> dict[str, dict]:
    """run id: the summary's fields about the created run (all null for a run never created)."""
    found = {}
    for row in storage.list_runs(entity, project, run_ids=run_ids):
        run_id, evaluation, model, _status, started_at = row[:5]
        found[run_id] = {
            "evaluation_ref": evaluation,
            "model_ref": model,
            "display_name": None,
            "trace_id": run_id,
            "started_at": None if started_at is None else storage.format_timestamp(started_at),
        }
    return found


def evaluation_summary(
    run_id: str, trial_count: int, by_key: KeyLeaves, metadata: dict | None
) -> dict:
    """One SummaryEvaluation."""
    return {
        "evaluation_call_id": run_id,
        "trial_count": trial_count,
        "scorer_stats": [scorer_stat(key, leaf) for key, leaf in ordered_leaves(by_key)],
        "evaluation_ref": None,
        "model_ref": None,
        "display_name": None,
        "trace_id": None,
        "started_at": None,
        **(metadata or {}),
        "predict_total_tokens": None,
        "predict_total_cost": None,
    }
