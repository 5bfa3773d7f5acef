"""The project page: filtered, paged scores with a summary; exports; bulk delete."""

import shlex
from urllib.parse import quote

from flask import (
    Response,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)

from app.admin import bp
from app.admin.access import require_entity
from app.admin.filtering import read_view
from app.admin.forms import ConfirmForm
from app.admin.links import row_links
from app.admin.redirects import local_path
from app.services import browse, export, score_summary, scores
from app.services.run_summary import scorer_key

PROJECT = "/p/<entity>/<project>"
MAX_BULK = 1000
FIRST_SCORE = '{"prediction_id":"pred-1","scorer":"exact_match","value":1}'


@bp.get(PROJECT)
def project(entity: str, project: str):
    """Scores newest first (or oldest), filtered from the query string, a page at a time."""
    require_entity(entity, project)
    view = read_view(request.args)
    known = score_summary.project_scorers(entity, project)
    filters = score_summary.resolve_scorer(view.filters, known)
    page = browse.page(
        entity,
        project,
        filters,
        newest_first=view.newest_first,
        size=view.size,
        after=view.after,
        before=view.before,
    )
    if not page.rows and view.filters.is_empty() and not (view.after or view.before):
        # No scores at all: a project exists by name alone, so this is no 404.
        return render_template(
            "admin/projects/empty.html",
            entity=entity,
            project=project,
            command=_create_command(entity, project),
        )
    return render_template(
        "admin/projects/show.html",
        entity=entity,
        project=project,
        view=view,
        page=page,
        summary=score_summary.summarise(entity, project, filters),
        scan_limit=score_summary.SCAN_LIMIT,
        distribution_limit=score_summary.DISTRIBUTION_LIMIT,
        scan_window=browse.SCAN_WINDOW,
        scorers=_scorer_options(known),
        links=row_links(entity, project),
        form=ConfirmForm(),
    )


def _scorer_options(refs: list[str]) -> list[str]:
    """What the scorer filter suggests: each scorer's short name, then each full ref."""
    return sorted({scorer_key(ref) for ref in refs}) + [
        ref for ref in refs if scorer_key(ref) != ref
    ]


def _create_command(entity: str, project: str) -> str:
    """A curl command that posts a first score to the project, ready to paste."""
    url = url_for("api.create_score", entity=entity, project=project, _external=True)
    return (
        "curl -u api:$KEY -H 'Content-Type: application/json' \\\n"
        f"  -d '{FIRST_SCORE}' \\\n"
        f"  {shlex.quote(url)}"
    )


@bp.get(f"{PROJECT}/export.<kind>")
def export_scores(entity: str, project: str, kind: str):
    """The filtered view, every matching row, streamed as CSV or JSON lines."""
    require_entity(entity, project)
    if kind not in ("csv", "jsonl"):
        return render_template("admin/errors/error.html", status=404, name="Not Found"), 404
    view = read_view(request.args)
    known = score_summary.project_scorers(entity, project)
    filters = score_summary.resolve_scorer(view.filters, known)
    rows = browse.export_rows(entity, project, filters, view.newest_first)
    chunks = export.csv_chunks(rows) if kind == "csv" else export.jsonl_chunks(rows)
    mimetype = "text/csv" if kind == "csv" else "application/jsonl"
    filename = f"scores-{project}.{kind}".replace('"', "")
    return Response(
        stream_with_context(chunks),
        mimetype=mimetype,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename, safe='')}"},
    )


@bp.post(f"{PROJECT}/delete")
def bulk_delete(entity: str, project: str):
    """Ask to confirm deleting the selected scores; delete them once confirmed."""
    require_entity(entity, project)
    ids = list(dict.fromkeys(request.form.getlist("score_ids")))[:MAX_BULK]
    back = local_path(
        request.form.get("back"), url_for("admin.project", entity=entity, project=project)
    )
    if not ids:
        flash("Select at least one score to delete.", "error")
        return redirect(back)
    if request.form.get("confirmed") != "yes":
        return render_template(
            "admin/projects/confirm_delete.html",
            entity=entity,
            project=project,
            ids=ids,
            back=back,
            form=ConfirmForm(),
        )
    deleted = scores.delete_scores(entity, project, ids)
    flash(f"Deleted {deleted} score{'s' if deleted != 1 else ''}.", "success")
    return redirect(back)
