"""The Compare page: runs side by side, statistics with the change from the baseline, then rows."""

from urllib.parse import quote

from flask import render_template, request

from app.admin import bp
from app.admin.access import require_entity
from app.admin.compare_query import PAGE_SIZE, parse_view
from app.services import compare, runs_overview


@bp.get("/p/<entity>/<project>/compare")
def compare_runs(entity: str, project: str):
    """Two or more runs (?runs=A&runs=B...); with fewer, or ?pick=1, the runs to pick from."""
    require_entity(entity, project)
    view = parse_view(request.args)
    if len(view.request.run_ids) < 2 or request.args.get("pick"):
        return render_template(
            "admin/compare/pick.html",
            entity=entity,
            project=project,
            runs=runs_overview.run_choices(entity, project),
            chosen=view.request.run_ids,
            too_few=len(view.request.run_ids) == 1,
        )
    comparison = compare.compare(entity, project, view.request, rows=not view.problems)
    problems = dict(view.problems)
    if comparison.error is not None:
        kind, index = comparison.error.where
        if kind == "f":
            index = view.filter_index[index]
        problems[kind, index] = comparison.error.message
    pages = max(1, -(-comparison.total_rows // PAGE_SIZE))
    return render_template(
        "admin/compare/show.html",
        entity=entity,
        project=project,
        view=view,
        comparison=comparison,
        problems=problems,
        pages=pages,
        prediction_path=lambda prediction_id: _prediction_path(entity, project, prediction_id),
    )


def _prediction_path(entity: str, project: str, prediction_id: str) -> str:
    """The prediction page of one prediction."""
    parts = (quote(part, safe="") for part in (entity, project, prediction_id))
    return "/p/{}/{}/predictions/{}".format(*parts)


@bp.app_template_filter("measure")
def measure(value: float, is_rate: bool) -> str:
    """A pass rate as a percentage, a mean to four significant digits."""
    return f"{value * 100:.1f}%" if is_rate else f"{value:.4g}"


@bp.app_template_filter("change")
def change(delta: float, is_rate: bool) -> str:
    """A change from the baseline, signed: percentage points for rates."""
    sign = "+" if delta > 0 else "−" if delta < 0 else "±"
    size = abs(delta)
    return f"{sign}{size * 100:.1f} pts" if is_rate else f"{sign}{size:.4g}"
