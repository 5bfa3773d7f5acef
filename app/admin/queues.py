"""Review queue pages: the project's queues, a queue (progress, items), and creating,
changing and deleting one (its creator or an admin)."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.admin import bp
from app.admin.access import require_entity
from app.admin.forms import ConfirmForm
from app.services import review_queues, scorer_configs
from app.services.errors import Forbidden, NotFound
from app.services.review_queues import Queue
from app.validation import MAX_REVIEWERS, MIN_REVIEWERS, RulesError, validate_review_queue

QUEUES = "/p/<entity>/<project>/queues"
QUEUE = f"{QUEUES}/<int:queue_id>"
ITEMS_PAGE = 100


def queue_or_404(entity: str, project: str, queue_id: int) -> Queue:
    """The project's queue, after checking the user may use the entity; 404 otherwise."""
    require_entity(entity, project)
    try:
        return review_queues.get_queue(entity, project, queue_id)
    except NotFound:
        abort(404)


def checked_items() -> list[int]:
    """The ids of the items checked in the posted form."""
    return [int(text) for text in request.form.getlist("item") if text.isdigit()]


def counted(number: int, noun: str) -> str:
    """'1 item', '3 items'."""
    return f"{number} {noun}{'' if number == 1 else 's'}"


def require_change(queue: Queue) -> None:
    """403 unless the user created the queue or is an admin."""
    if not queue.may_change(current_user):
        abort(403)


@bp.get(QUEUES)
def queues(entity: str, project: str):
    """The project's review queues with their progress."""
    require_entity(entity, project)
    return render_template(
        "admin/queues/index.html",
        entity=entity,
        project=project,
        queues=review_queues.list_queues(entity, project),
    )


def _posted_settings() -> dict:
    form = request.form
    return {
        "name": form.get("name", ""),
        "scorers": form.getlist("scorers"),
        "reviewers_per_item": form.get("reviewers_per_item", ""),
        "blind": form.get("blind") == "on",
    }


def _settings_page(entity: str, project: str, queue: Queue | None, posted: dict, errors, status):
    return (
        render_template(
            "admin/queues/form.html",
            entity=entity,
            project=project,
            queue=queue,
            posted=posted,
            errors=errors,
            configs=scorer_configs.active_configs(entity, project),
            limits=(MIN_REVIEWERS, MAX_REVIEWERS),
        ),
        status,
    )


def _save(entity: str, project: str, queue: Queue | None):
    """Validate the posted settings and create or change the queue; the form again if not."""
    posted = _posted_settings()
    try:
        settings = validate_review_queue(posted)
        if queue is None:
            queue_id = review_queues.create_queue(entity, project, settings, current_user.username)
            flash(
                "Queue created. Add predictions from the scores, runs or compare pages.", "success"
            )
        else:
            review_queues.change_queue(queue, settings, current_user)
            queue_id = queue.id
            flash("Queue saved.", "success")
    except RulesError as exc:
        return _settings_page(entity, project, queue, posted, exc.by_field(), 422)
    except Forbidden:
        abort(403)
    return redirect(url_for("admin.queue", entity=entity, project=project, queue_id=queue_id))


@bp.route(f"{QUEUES}/new", methods=["GET", "POST"])
def new_queue(entity: str, project: str):
    """Create a queue: a name, the scorers to answer, reviewers per item, blind or not."""
    require_entity(entity, project)
    if request.method == "POST":
        return _save(entity, project, None)
    posted = {"name": "", "scorers": [], "reviewers_per_item": 1, "blind": False}
    return _settings_page(entity, project, None, posted, {}, 200)


@bp.route(f"{QUEUE}/edit", methods=["GET", "POST"])
def edit_queue(entity: str, project: str, queue_id: int):
    """Change a queue's settings (its creator or an admin)."""
    queue = queue_or_404(entity, project, queue_id)
    require_change(queue)
    if request.method == "POST":
        return _save(entity, project, queue)
    posted = {
        "name": queue.name,
        "scorers": queue.scorers,
        "reviewers_per_item": queue.reviewers_per_item,
        "blind": queue.blind,
    }
    return _settings_page(entity, project, queue, posted, {}, 200)


@bp.route(f"{QUEUE}/delete", methods=["GET", "POST"])
def delete_queue(entity: str, project: str, queue_id: int):
    """Delete a queue with its items (creator or admin); the scores given stay."""
    queue = queue_or_404(entity, project, queue_id)
    require_change(queue)
    form = ConfirmForm()
    if request.method == "POST" and form.validate_on_submit():
        review_queues.delete_queue(queue, current_user)
        flash(f"Queue {queue.name} deleted; its scores stay.", "success")
        return redirect(url_for("admin.queues", entity=entity, project=project))
    return render_template(
        "admin/queues/confirm_delete.html", entity=entity, project=project, queue=queue, form=form
    )


@bp.get(QUEUE)
def queue(entity: str, project: str, queue_id: int):
    """A queue: its settings, progress per reviewer, and its items a page at a time."""
    found = queue_or_404(entity, project, queue_id)
    after = request.args.get("after", "")
    items = review_queues.items(found, ITEMS_PAGE, int(after) if after.isdigit() else 0)
    return render_template(
        "admin/queues/show.html",
        entity=entity,
        project=project,
        queue=found,
        progress=review_queues.progress(found),
        items=items,
        more=len(items) == ITEMS_PAGE,
        may_change=found.may_change(current_user),
        form=ConfirmForm(),
    )


@bp.post(f"{QUEUE}/items/remove")
def remove_queue_items(entity: str, project: str, queue_id: int):
    """Remove the checked items from the queue (its creator or an admin)."""
    found = queue_or_404(entity, project, queue_id)
    require_change(found)
    chosen = checked_items()
    removed = review_queues.remove_items(found, chosen) if chosen else 0
    flash(f"Removed {counted(removed, 'item')} from the queue.", "success")
    return redirect(url_for("admin.queue", entity=entity, project=project, queue_id=queue_id))
