"""A queue's agreement page: per field, how far reviewers agree with each other and with a
judge scorer; the items they disagree on most, which can go back for another round."""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.admin import bp
from app.admin.queues import QUEUE, checked_items, counted, queue_or_404, require_change
from app.services import queue_agreement, review_queues


@bp.get(f"{QUEUE}/agreement")
def queue_agreement_page(entity: str, project: str, queue_id: int):
    """Agreement per field; ?judge=<scorer>&judge_field=<field> compares with a judge."""
    queue = queue_or_404(entity, project, queue_id)
    choices = queue_agreement.judge_choices(queue)
    judge = request.args.get("judge", "")
    judge = judge if judge in choices else ""
    fields = queue_agreement.judge_fields(queue, judge) if judge else []
    judge_field = request.args.get("judge_field", fields[0] if fields else "")
    judge_field = judge_field if judge_field in fields else (fields[0] if fields else "")
    return render_template(
        "admin/queues/agreement.html",
        entity=entity,
        project=project,
        queue=queue,
        results=queue_agreement.queue_agreement(queue, current_user.username, judge, judge_field),
        choices=choices,
        judge=judge,
        judge_fields=fields,
        judge_field=judge_field,
        may_change=queue.may_change(current_user),
    )


@bp.post(f"{QUEUE}/send-back")
def send_back_items(entity: str, project: str, queue_id: int):
    """Send the checked items back for another round of reviews (creator or admin)."""
    queue = queue_or_404(entity, project, queue_id)
    require_change(queue)
    chosen = checked_items()
    sent = review_queues.send_back(queue, chosen) if chosen else 0
    flash(f"Sent {counted(sent, 'item')} back for another round.", "success")
    return redirect(
        url_for("admin.queue_agreement_page", entity=entity, project=project, queue_id=queue_id)
    )
