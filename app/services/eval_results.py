"""Eval results: runs lined up row by row, filtered, sorted and paged, with exact statistics.

The query reads ids, digests and the values of the scorers its filters and
sorts name; it filters, sorts and counts in memory; then it reads the
inputs, outputs and every score of the page's rows alone. Semantics follow
the hosted reference server's; where it is silent or self-contradictory,
the modules beside this one (eval_filters, eval_sorting, eval_summary) say
what was chosen.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from app import storage
from app.services import collector, eval_rows, eval_summary
from app.services.errors import InvalidQuery
from app.services.eval_fields import DIGEST, SCORE, resolve
from app.services.eval_filters import Compiler, Needs, RowFilter, combine
from app.services.eval_rows import Gathered, Row
from app.services.eval_sorting import CHANGE, DIFFERENCE, SortKey, sort_rows
from app.services.run_summary import scorer_key, summaries_of_rows
from app.validation import EvalResultsQuery

IGNORED_OPTIONS = (
    ("include_costs", True, "include_costs is ignored: no costs are recorded here."),
    ("resolve_row_refs", True, "resolve_row_refs is ignored: rows are stored inline, not as refs."),
    (
        "include_predict_and_score_children",
        False,
        "include_predict_and_score_children is ignored: a trial is one prediction and its scores.",
    ),
)


@dataclass(frozen=True)
class SortRequest:
    """A sort key as asked for, before its field is resolved; loc places its errors."""

    field: str
    descending: bool
    mode: str = "value"
    run_id: str | None = None
    loc: tuple = ()


@dataclass
class RunStats:
    """One run's part of the summary."""

    run_id: str
    trial_count: int
    leaves: eval_summary.KeyLeaves
    metadata: dict | None


@dataclass
class Result:
    """What a query found: the page's rows, how many matched, the summary, the warnings."""

    run_ids: list[str]
    rows: list[Row] = field(default_factory=list)
    total_rows: int = 0
    row_count: int = 0  # rows the summary covers
    summary: list[RunStats] | None = None
    warnings: list[str] = field(default_factory=list)


class _Scorers:
    """The scorers of the requested runs by key, from the statistics (and, for a key they
    lack, from the scores themselves)."""

    def __init__(self, entity: str, project: str, run_ids: Sequence[str]):
        self.entity, self.project, self.run_ids = entity, project, run_ids
        # Scores that name no run may still score a requested run's predictions.
        self.stats = storage.stats_rows(entity, project, [*run_ids, ""])
        self.refs: dict[str, dict[str, str]] = {}  # key: {scorer: digest}
        for row in self.stats:
            self._add(row["scorer"], row["scorer_digest"])
        self.widened = False

    def _add(self, scorer: str, digest: str) -> None:
        self.refs.setdefault(scorer_key(scorer), {})[scorer] = digest

    def widen(self) -> bool:
        """Add the scorers of the runs' predictions' scores; False if done already."""
        if self.widened:
            return False
        self.widened = True
        for scorer, digest in storage.trial_scorers(self.entity, self.project, self.run_ids):
            self._add(scorer, digest)
        return True

    def versions(self, keys: set[str]) -> list[tuple[str, str]]:
        """(scorer, digest) of every version of these keys' scorers."""
        return sorted({pair for key in keys for pair in self.refs.get(key, {}).items()})

    def version_warnings(self) -> list[str]:
        """One warning per run and key with more than one scorer version."""
        warnings = []
        for run_id in self.run_ids:
            by_key: dict[str, set[str]] = {}
            for row in self.stats:
                if row["run_key"] == run_id:
                    by_key.setdefault(scorer_key(row["scorer"]), set()).add(row["scorer"])
            for key in sorted(by_key):
                if len(by_key[key]) > 1:
                    versions = ", ".join(sorted(by_key[key]))
                    warnings.append(
                        f"Run '{run_id}' has scores from {len(by_key[key])} versions of scorer"
                        f" '{key}' ({versions}); each prediction shows its newest."
                    )
        return warnings


@dataclass
class _Plan:
    matches: Callable[[Row], bool] | None
    sorts: list[SortKey]
    needs: Needs

    @property
    def by_digest(self) -> bool:
        """No filter, and no order but the digest's: the rows need no values to be paged."""
        return self.matches is None and all(key.field.kind == DIGEST for key in self.sorts)


def _plan(q: EvalResultsQuery, run_ids: Sequence[str], keys, sorts: Sequence[SortRequest]) -> _Plan:
    needs = Needs()
    compiler = Compiler(keys, needs)
    filters = []
    for index, item in enumerate(q.filters or ()):
        loc = ("filters", index)
        _check_run(item.evaluation_call_id, run_ids, (*loc, "evaluation_call_id"))
        condition = compiler.condition(item.query.expr, (*loc, "query", "$expr"))
        filters.append(RowFilter(condition, item.evaluation_call_id))
    keys_out = []
    for request in sorts:
        ref = resolve(request.field, keys, (*request.loc, "field"))
        if request.mode in (DIFFERENCE, CHANGE) and ref.kind != SCORE:
            raise InvalidQuery(
                f"mode '{request.mode}' sorts by a score field (scores.*), not '{request.field}'",
                (*request.loc, "mode"),
                request.mode,
            )
        _check_run(request.run_id, run_ids, (*request.loc, "evaluation_call_id"))
        needs.note(ref)
        keys_out.append(SortKey(ref, request.descending, request.run_id, request.mode))
    matches = combine(filters, q.filter_logic_operator) if filters else None
    return _Plan(matches, keys_out, needs)


def _check_run(run_id: str | None, run_ids: Sequence[str], loc: tuple) -> None:
    if run_id is not None and run_id not in run_ids:
        raise InvalidQuery(f"Run '{run_id}' is not one of the requested runs", loc, run_id)


def api_sorts(q: EvalResultsQuery) -> list[SortRequest]:
    """The query's sort_by as sort requests."""
    return [
        SortRequest(
            item.field,
            item.direction == "desc",
            item.mode,
            item.evaluation_call_id,
            ("sort_by", index),
        )
        for index, item in enumerate(q.sort_by or ())
    ]


def run_query(
    entity: str, project: str, q: EvalResultsQuery, sorts: Sequence[SortRequest] | None = None
) -> Result:
    """Answer a query. Raises InvalidQuery for a field, scorer or run that does not exist."""
    with collector.paused():
        return _run_query(entity, project, q, sorts)


def _run_query(
    entity: str, project: str, q: EvalResultsQuery, sorts: Sequence[SortRequest] | None
) -> Result:
    run_ids = q.run_ids
    result = Result(run_ids)
    result.warnings = [text for name, when, text in IGNORED_OPTIONS if getattr(q, name) == when]
    if not run_ids:
        result.summary = [] if q.include_summary else None
        return result
    sorts = api_sorts(q) if sorts is None else sorts
    scorers = _Scorers(entity, project, run_ids)
    try:
        plan = _plan(q, run_ids, scorers.refs, sorts)
    except InvalidQuery:
        if not scorers.widen():
            raise
        plan = _plan(q, run_ids, scorers.refs, sorts)
    result.warnings += scorers.version_warnings()
    intersect = q.summary_require_intersection
    if intersect is None:
        intersect = q.require_intersection
    intersect = intersect and len(run_ids) > 1
    runs = eval_rows.read_runs(entity, project, run_ids)
    found = None
    if (q.include_rows and not plan.by_digest) or (q.include_summary and intersect):
        found = eval_rows.gather(entity, project, runs, scorers.versions(plan.needs.keys))
    if q.include_rows:
        if found is None:
            _page_by_digest(entity, project, q, plan, runs, result)
        else:
            _page(entity, project, q, plan, found, result)
    if q.include_summary:
        _summarise(entity, project, scorers, runs, found if intersect else None, result)
    return result


def _every(found: Gathered, run_count: int) -> list[Row]:
    return [row for row in found.rows.values() if len(row.trials) == run_count]


def _page(
    entity: str,
    project: str,
    q: EvalResultsQuery,
    plan: _Plan,
    found: Gathered,
    result: Result,
) -> None:
    """Filter, sort and page the rows; read the page's payloads and scores."""
    run_count = len(result.run_ids)
    rows = _every(found, run_count) if q.require_intersection else list(found.rows.values())
    if plan.needs.payloads:
        eval_rows.read_payloads(entity, project, rows, with_scores=False)
    if plan.matches is not None:
        rows = [row for row in rows if plan.matches(row)]
    ordered = sort_rows(rows, plan.sorts, result.run_ids)
    result.total_rows = len(ordered)
    end = None if q.limit is None else q.offset + q.limit
    result.rows = ordered[q.offset : end]
    eval_rows.read_payloads(entity, project, result.rows, with_scores=True)


def _page_by_digest(
    entity: str,
    project: str,
    q: EvalResultsQuery,
    plan: _Plan,
    runs: dict[str, storage.RunRows],
    result: Result,
) -> None:
    """Without filters or sorts but by digest, page the digests alone, then line up the
    page's rows: the Compare page's first view reads no values and builds 50 rows, not all."""
    per_run = [eval_rows.digests_of(rows) for rows in runs.values()]
    if q.require_intersection and len(per_run) > 1:
        digests = set.intersection(*per_run)
    else:
        digests = set().union(*per_run)
    ordered = sorted(digests, reverse=bool(plan.sorts) and plan.sorts[0].descending)
    result.total_rows = len(ordered)
    end = None if q.limit is None else q.offset + q.limit
    page = ordered[q.offset : end]
    found = eval_rows.gather(entity, project, runs, None, only=set(page))
    result.rows = [found.rows[digest] for digest in page]
    eval_rows.read_payloads(entity, project, result.rows, with_scores=True)


def _summarise(
    entity: str,
    project: str,
    scorers: _Scorers,
    runs: dict[str, storage.RunRows],
    found: Gathered | None,
    result: Result,
) -> None:
    """Over the rows in every run, counted from their scores (found: every row); else over
    whole runs, from the statistics kept with the scores."""
    run_ids = result.run_ids
    metadata = eval_summary.run_metadata(entity, project, run_ids)
    stats: list[RunStats] = []
    if found is not None:
        every = _every(found, len(run_ids))
        # Every scorer of the rows' trials, whatever run their scores name.
        scorers.widen()
        eval_rows.add_values(entity, project, found, scorers.versions(set(scorers.refs)))
        for run_id in run_ids:
            trials = sum(len(row.trials[run_id]) for row in every)
            leaves = eval_summary.counted_leaves(every, run_id)
            stats.append(RunStats(run_id, trials, leaves, metadata.get(run_id)))
        result.row_count = len(every)
    else:
        kept = summaries_of_rows(scorers.stats, run_ids, by_key=True)
        for run_id in run_ids:
            trials = eval_rows.trial_count(runs[run_id])
            leaves = eval_summary.kept_leaves(kept[run_id])
            stats.append(RunStats(run_id, trials, leaves, metadata.get(run_id)))
        result.row_count = len(set().union(*(eval_rows.digests_of(r) for r in runs.values())))
    result.summary = stats
