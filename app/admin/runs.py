"""The runs of a project, and one run: its summary and its rows."""

from flask import abort, render_template, request, url_for

from app.admin import bp
from app.admin.access import require_entity
from app.admin.links import row_links
from app.services import run_page, runs_overview, score_summary

RUNS = "/p/<entity>/<project>/runs"
# Cursors are prediction or score ids (UUIDv7 strings).
CURSOR_MAX = 36


def compare_path(entity: str, project: str) -> str:
    """Where the compare page lives: /p/<entity>/<project>/compare."""
    return url_for("admin.project", entity=entity, project=project) + "/compare"


def _cursor(name: str) -> str | None:
    value = request.args.get(name, "")
    return value if 0 < len(value) <= CURSOR_MAX else None


@bp.get(RUNS)
def runs(entity: str, project: str):
    """Every run of the project with its headline numbers; select runs to compare."""
    require_entity(entity, project)
    overview = runs_overview.runs_overview(entity, project)
    return render_template(
        "admin/runs/index.html",
        entity=entity,
        project=project,
        overview=overview,
        compare_action=compare_path(entity, project),
    )


@bp.get(f"{RUNS}/<anyid:run_id>")
def run(entity: str, project: str, run_id: str):
    """One run: its exact per-scorer summary, then its rows a page at a time."""
    require_entity(entity, project)
    view = run_page.run_view(entity, project, run_id)
    if view is None:
        abort(404)
    after, before = _cursor("after"), _cursor("before")
    page = run_page.run_rows(entity, project, view, after=after, before=None if after else before)
    return render_template(
        "admin/runs/show.html",
        entity=entity,
        project=project,
        view=view,
        page=page,
        paged=bool(after or before),
        distribution_limit=score_summary.RUN_DISTRIBUTION_LIMIT,
        links=row_links(entity, project),
        compare_action=compare_path(entity, project),
    )
