"""Label counts and histograms of a scorer's values: read from its scores, remembered.

The statistics kept with the scores (run_summary.py) hold counts, sums and
extremes, not which labels occur or how the numbers spread. Those come from
one read of the scorer's scores in the scope (a run, or the whole project),
each value walked leaf by leaf as the statistics walk it
(app/score_values.py), so the counts agree with theirs; a leaf of few
distinct labels or numbers keeps each one's count, for showing a config's
labels and a scale's points (scorer_views.py). A scope's result is
remembered per process under the versions of its statistics groups and the
project's deletion count: every write to the scope changes one of them (a
group counted again from scratch starts its versions afresh, but only after
a deletion), so a remembered result is exact until then.
"""

import threading
from collections import OrderedDict

from app import storage
from app.extensions import db
from app.services.distribution_folds import Fold, LeafDistribution
from app.services.run_summary import ScorerSummary

# What the remembered distributions may take per process, in bytes (an
# estimate: each label's text and its count, each bar); least recently
# viewed go first.
CACHE_BYTES = 16 * 1024 * 1024
ITEM_BYTES = 120

_cache: "OrderedDict[tuple, tuple[dict[str, dict[str, LeafDistribution]], int]]" = OrderedDict()
_cached_bytes = 0
_lock = threading.Lock()


def _size(result: dict[str, dict[str, LeafDistribution]]) -> int:
    """About how many bytes a result holds."""
    return sum(
        ITEM_BYTES
        * (
            1
            + len(dist.labels)
            + len(dist.bins)
            + len(dist.label_counts or ())
            + len(dist.number_counts or ())
        )
        + sum(len(label) for label, _count in dist.labels)
        + sum(len(label) for label in dist.label_counts or ())
        for by_path in result.values()
        for dist in by_path.values()
    )


def needs_reading(summary: ScorerSummary) -> bool:
    """Whether a scorer has labels or numbers to show the spread of (booleans have none)."""
    return any(leaf.numeric_count or leaf.text_count for leaf in summary.leaves.values())


def of_scope(
    entity: str,
    project: str,
    summaries: list[ScorerSummary],
    deletions: int,
    run_key: str | None,
    every_scorer: bool = True,
) -> dict[str, dict[str, LeafDistribution]]:
    """The distributions of these scorers' leaves, by scorer name, then leaf path: over one
    run ('' for scores that name none) or, with None, the whole project.

    Their scores are read in one pass; scorers of booleans alone are not read (they
    have no spread to show). every_scorer: the summaries are every scorer of the scope.
    """
    result: dict[str, dict[str, LeafDistribution]] = {summary.name: {} for summary in summaries}
    read = [summary for summary in summaries if needs_reading(summary)]
    if read:
        result.update(
            _read(
                entity,
                project,
                read,
                deletions,
                run_key,
                every_scorer and len(read) == len(summaries),
            )
        )
    return result


def _read(
    entity: str,
    project: str,
    summaries: list[ScorerSummary],
    deletions: int,
    run_key: str | None,
    every_scorer: bool,
) -> dict[str, dict[str, LeafDistribution]]:
    """of_scope for scorers that need reading: remembered, or read now."""
    groups = tuple(sorted((summary.name, _versions(summary)) for summary in summaries))
    key = (db.engine.url.render_as_string(), entity, project, run_key, groups, deletions)
    cacheable = all(
        version is not None for _name, versions in groups for *_group, version in versions
    )
    if cacheable:
        with _lock:
            found = _cache.get(key)
            if found is not None:
                _cache.move_to_end(key)
                return found[0]
    scorers: dict[str, tuple[str, str]] = {}  # digest: (scorer name, ref)
    for summary in summaries:
        for ref in summary.scorers:
            scorers[storage.scorer_digest(ref)] = (summary.name, ref)
    fold = Fold()
    wanted = None if every_scorer else sorted(scorers)
    for digest, value_json, times in storage.scope_values(entity, project, run_key, wanted):
        if digest in scorers:
            name, ref = scorers[digest]
            fold.add(name, ref, value_json, times)
    result = {summary.name: fold.distributions(summary.name) for summary in summaries}
    # A write that landed between the statistics and the read: exact for this
    # view, but not under the versions read, so not remembered.
    if cacheable and all(fold.counted(summary.name) == summary.count for summary in summaries):
        _remember(key, result)
    return result


def _remember(key: tuple, result: dict[str, dict[str, LeafDistribution]]) -> None:
    global _cached_bytes
    size = _size(result)
    with _lock:
        old = _cache.pop(key, None)
        if old is not None:
            _cached_bytes -= old[1]
        if size > CACHE_BYTES:
            return
        _cache[key] = (result, size)
        _cached_bytes += size
        while _cached_bytes > CACHE_BYTES:
            _evicted, (_result, evicted_size) = _cache.popitem(last=False)
            _cached_bytes -= evicted_size


def _versions(summary: ScorerSummary) -> tuple:
    return tuple(sorted(summary.groups, key=lambda group: (group[0], group[1])))


def forget_all() -> None:
    """Drop every remembered distribution (tests start each database afresh)."""
    global _cached_bytes
    with _lock:
        _cache.clear()
        _cached_bytes = 0
