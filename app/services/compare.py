"""The Compare page: two or more runs side by side, the first the baseline.

Built on the eval results query (eval_results.py): per-scorer statistics
with each run's change from the baseline, judged better or worse by the
leaf's direction (directions.py: a scorer's config first), each scorer by
its config's display name when it has one; then the rows, lined up by digest, with
each run's output and scores, booleans that flipped and numbers that moved
marked against the baseline.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field

from app.services import compare_rows, directions, eval_results, run_summary, scorer_configs
from app.services.errors import CompareError, InvalidQuery
from app.services.eval_fields import PREFIXES, split_path
from app.services.eval_sorting import CHANGE, DIFFERENCE, VALUE
from app.services.eval_summary import VALUE_TYPES, KeyLeaves, ordered_leaves
from app.services.scorer_configs import Presentations
from app.validation import ScoreRulesError, validate_eval_query

OPERATORS = {"=": "$eq", "!=": "$eq", "<": "$lt", "<=": "$lte", ">": "$gt", ">=": "$gte"}
SORTS = ("worst", "best", "low", "high")


@dataclass(frozen=True)
class ScoreFilter:
    """`correctness.passed = false`: a scorer leaf (or inputs./outputs. field), an operator,
    and a JSON value."""

    leaf: str
    op: str
    value: object


@dataclass(frozen=True)
class SortChoice:
    """worst / best: by the change from the baseline; low / high: by the value."""

    kind: str
    leaf: str


@dataclass
class CompareRequest:
    run_ids: list[str]
    filters: list[ScoreFilter] = field(default_factory=list)
    text: str = ""
    sort: SortChoice | None = None
    every: bool = False
    page: int = 1
    size: int = 50


@dataclass
class RunColumn:
    run_id: str
    evaluation: str | None
    model: str | None
    started_at: str | None
    trial_count: int
    baseline: bool


@dataclass
class StatCell:
    """One run's statistics of a leaf; `measure` is its pass rate or mean."""

    count: int
    measure: float | None
    low: float | None
    high: float | None


@dataclass
class Change:
    delta: float
    verdict: str | None


@dataclass
class StatLine:
    """One scorer leaf across the runs."""

    key: str
    path: str | None
    value_type: str | None
    direction: str
    cells: list[StatCell | None]
    changes: list[Change | None]  # one per run after the baseline
    display_name: str | None = None  # the config's, for a scorer with one
    configured: bool = False  # its direction is its config's

    @property
    def title(self) -> str:
        """What the page calls the scorer: its config's display name, else its short name."""
        return self.display_name or self.key

    @property
    def name(self) -> str:
        """The leaf as filters and sorts name it: key, or key.path."""
        return self.key if self.path is None else f"{self.key}.{self.path}"

    @property
    def is_rate(self) -> bool:
        return self.value_type == VALUE_TYPES["boolean"]


@dataclass
class Comparison:
    runs: list[RunColumn]
    lines: list[StatLine]
    rows: list[compare_rows.RowView] = field(default_factory=list)
    total_rows: int = 0
    warnings: list[str] = field(default_factory=list)
    error: CompareError | None = None

    @property
    def sortable(self) -> list[StatLine]:
        """The leaves a sort can measure: pass rates and means."""
        return [line for line in self.lines if line.value_type in ("binary", "continuous")]


def query_field(leaf: str) -> str:
    """A filter's or sort's leaf as a query field: scores.<leaf>, unless it names its prefix."""
    head = split_path(leaf)[0]
    if head in PREFIXES and head != "scores" and "." in leaf:
        return leaf
    return leaf if head == "scores" else f"scores.{leaf}"


def _filter_expr(item: ScoreFilter) -> dict:
    expr = {OPERATORS[item.op]: [{"$getField": query_field(item.leaf)}, {"$literal": item.value}]}
    return {"$not": [expr]} if item.op == "!=" else expr


def _text_expr(text: str) -> dict:
    def contains(name: str) -> dict:
        return {
            "$contains": {
                "input": {"$getField": name},
                "substr": {"$literal": text},
                "case_insensitive": True,
            }
        }

    return {"$or": [contains("inputs"), contains("outputs")]}


def query_body(request: CompareRequest, with_rows: bool) -> dict:
    """The eval-results query of a comparison (its filters apply to rows only)."""
    filters = [{"query": {"$expr": _filter_expr(item)}} for item in request.filters]
    if request.text:
        filters.append({"query": {"$expr": _text_expr(request.text)}})
    return {
        "evaluation_run_ids": request.run_ids,
        "include_rows": with_rows,
        "include_summary": True,
        "require_intersection": request.every,
        "filters": filters if with_rows else None,
        "filter_logic_operator": "and",
        "limit": request.size,
        "offset": (request.page - 1) * request.size,
    }


def _types(entity: str, project: str, run_ids: Sequence[str]) -> dict[str, str | None]:
    """leaf name: value type, over the runs' kept statistics."""
    types: dict[str, str | None] = {}
    for summaries in run_summary.run_summaries(entity, project, run_ids, by_key=True).values():
        for summary in summaries:
            for leaf in summary.summarised():
                name = summary.key if leaf.path is None else f"{summary.key}.{leaf.path}"
                types.setdefault(name, VALUE_TYPES.get(leaf.kind))
    return types


def _sort_request(
    choice: SortChoice, types: dict, ways: directions.Directions
) -> eval_results.SortRequest:
    name = query_field(choice.leaf)
    if choice.kind in ("low", "high"):
        return eval_results.SortRequest(name, choice.kind == "high", VALUE, loc=("sort",))
    key, _dot, path = choice.leaf.partition(".")
    direction = ways.leaf(key, path or None, types.get(choice.leaf))
    if direction == directions.NONE:
        # No better or worse: the rows that moved most, either way, first.
        return eval_results.SortRequest(name, True, DIFFERENCE, loc=("sort",))
    # Worst first: the smallest change when higher is better, the largest when lower is.
    smallest_first = (choice.kind == "worst") == (direction == directions.HIGHER)
    return eval_results.SortRequest(name, not smallest_first, CHANGE, loc=("sort",))


def _where(loc: tuple, request: CompareRequest) -> tuple[str, int]:
    if loc and loc[0] == "filters":
        index = int(loc[1])
        return ("f", index) if index < len(request.filters) else ("q", 0)
    return ("sort", 0)


def compare(entity: str, project: str, request: CompareRequest, rows: bool = True) -> Comparison:
    """The comparison the request asks for (rows: False for the statistics alone); a filter or
    sort that cannot run is reported in `error`, with the statistics still shown."""
    error = None
    shown = scorer_configs.presentations(entity, project).by_key()
    ways = directions.Directions(shown)
    if rows:
        try:
            query = validate_eval_query(query_body(request, with_rows=True))
            types = _types(entity, project, request.run_ids) if request.sort else {}
            sorts = [_sort_request(request.sort, types, ways)] if request.sort else []
            result = eval_results.run_query(entity, project, query, sorts)
        except ScoreRulesError as exc:
            first = exc.errors[0]
            error = CompareError(first["msg"], _where(tuple(first["loc"]), request))
        except InvalidQuery as exc:
            error = CompareError(exc.message, _where(exc.loc, request))
    if error is not None or not rows:
        query = validate_eval_query(query_body(request, with_rows=False))
        result = eval_results.run_query(entity, project, query, [])
    comparison = Comparison(_columns(result), _lines(result, shown, ways))
    comparison.warnings = result.warnings
    comparison.error = error
    if error is None and rows:
        comparison.total_rows = result.total_rows
        direction_of = {line.name: line.direction for line in comparison.lines}
        comparison.rows = [
            compare_rows.row_view(row, result.run_ids, direction_of) for row in result.rows
        ]
    return comparison


def _columns(result: eval_results.Result) -> list[RunColumn]:
    columns = []
    for index, stats in enumerate(result.summary or ()):
        meta = stats.metadata or {}
        columns.append(
            RunColumn(
                stats.run_id,
                meta.get("evaluation_ref"),
                meta.get("model_ref"),
                meta.get("started_at"),
                stats.trial_count,
                index == 0,
            )
        )
    return columns


def _cell(leaf) -> StatCell:
    measure = leaf.pass_rate if leaf.kind == "boolean" else leaf.numeric_mean
    typed = leaf.bool_count + leaf.numeric_count + leaf.text_count
    return StatCell(typed, measure, leaf.numeric_min, leaf.numeric_max)


def _lines(
    result: eval_results.Result, shown: Presentations, ways: directions.Directions
) -> list[StatLine]:
    runs = result.summary or []
    by_run: list[KeyLeaves] = [stats.leaves for stats in runs]
    names: dict[tuple[str, str], tuple[str, str | None, str | None]] = {}
    for leaves in by_run:
        for key, leaf in ordered_leaves(leaves):
            names.setdefault((key, leaf.path_text), (key, leaf.path, VALUE_TYPES.get(leaf.kind)))
    lines = []
    for (key, path_text), (_key, path, value_type) in sorted(
        names.items(), key=lambda item: (item[0][0], item[0][1] != "", item[0][1])
    ):
        direction = ways.leaf(key, path, value_type)
        config = shown.config(key)
        cells: list[StatCell | None] = []
        for leaves in by_run:
            found = leaves.get(key, {}).get(path_text)
            cells.append(None if found is None or found.kind == "other" else _cell(found))
        base = cells[0].measure if cells and cells[0] is not None else None
        changes: list[Change | None] = []
        for cell in cells[1:]:
            if cell is None or cell.measure is None or base is None:
                changes.append(None)
                continue
            delta = cell.measure - base
            changes.append(Change(delta, directions.verdict(delta, direction)))
        lines.append(
            StatLine(
                key,
                path,
                value_type,
                direction,
                cells,
                changes,
                None if config is None else config.display_name,
                config is not None,
            )
        )
    return lines
