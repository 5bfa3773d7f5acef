""" "Add these N predictions to a queue": the scores page's filters, chosen runs, or a
comparison, posted as they are and resolved to predictions on the server, in bulk."""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from app.admin import bp
from app.admin.access import require_entity
from app.admin.compare_query import parse_view
from app.admin.filtering import read_view
from app.admin.queues import QUEUES, counted, queue_or_404, require_change
from app.services import queue_sources, review_queues, score_summary
from app.services.errors import DomainError, InvalidQuery
from app.validation import ScoreRulesError

SOURCES = {
    "scores": "these scores' predictions",
    "runs": "these runs",
    "compare": "this comparison",
}
# Which page's view to add from: not "source", which the scores page filters by.
FROM = "add_from"
# Form fields of this page, not of the view it adds from.
OWN_FIELDS = ("csrf_token", "queue_id")


def _view_args(values: MultiDict) -> MultiDict:
    return MultiDict([(k, v) for k, v in values.items(multi=True) if k not in OWN_FIELDS])


def resolve(entity: str, project: str, args: MultiDict) -> list[str]:
    """The prediction ids the view stands for; DomainError when it cannot be read."""
    source = args.get(FROM, "")
    if source == "scores":
        view = read_view(args)
        known = score_summary.project_scorers(entity, project)
        filters = score_summary.resolve_scorer(view.filters, known)
        return queue_sources.of_scores(entity, project, filters)
    if source == "runs":
        run_ids = list(dict.fromkeys(run for run in args.getlist("runs") if run.strip()))
        return queue_sources.of_runs(entity, project, run_ids) if run_ids else []
    if source == "compare":
        parsed = parse_view(args)
        if parsed.problems:
            raise DomainError("Fix the comparison's filters first", FROM)
        try:
            return queue_sources.of_comparison(entity, project, parsed.request)
        except ScoreRulesError as exc:
            raise DomainError(exc.errors[0]["msg"], FROM) from None
        except InvalidQuery as exc:
            raise DomainError(exc.message, FROM) from None
    raise DomainError("Say what to add: add_from=scores, runs or compare", FROM)


@bp.route(f"{QUEUES}/add", methods=["GET", "POST"])
def add_to_queue(entity: str, project: str):
    """GET: how many predictions the view stands for and the queues to add them to.
    POST: add them to the chosen queue (its creator or an admin), each once."""
    require_entity(entity, project)
    args = _view_args(request.form if request.method == "POST" else request.args)
    error = None
    try:
        prediction_ids = resolve(entity, project, args)
    except DomainError as exc:
        prediction_ids, error = [], exc.message
    if request.method == "POST" and error is None:
        chosen = request.form.get("queue_id", "")
        if not chosen.isdigit():
            error = "Choose a queue"
        else:
            queue = queue_or_404(entity, project, int(chosen))
            require_change(queue)
            try:
                added, unstored = review_queues.add_stored_predictions(queue, prediction_ids)
            except DomainError as exc:
                error = exc.message
            else:
                note = f" ({unstored} not stored here, so not added)" if unstored else ""
                flash(f"Added {counted(added, 'prediction')} to the queue{note}.", "success")
                return redirect(
                    url_for("admin.queue", entity=entity, project=project, queue_id=queue.id)
                )
    queues = [q for q in review_queues.list_queues(entity, project) if q.may_change(current_user)]
    return render_template(
        "admin/queues/add.html",
        entity=entity,
        project=project,
        count=len(prediction_ids),
        limit=queue_sources.MAX_ADD,
        what=SOURCES.get(args.get(FROM, ""), "this view"),
        args=list(args.items(multi=True)),
        queues=queues,
        error=error,
    ), (422 if error else 200)
