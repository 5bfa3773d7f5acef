"""Reviewing a queue: the next item held for you, its inputs and output, and the form of
each of the queue's scorers (the hand-scoring widgets), keyboard first, with "Save and next"
and "Skip". In a blind queue nobody else's scores show until you have answered."""

from dataclasses import dataclass, field

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from app.admin import bp
from app.admin.queues import QUEUE, queue_or_404
from app.admin.score_widgets import MISSING, Widget, place_errors, read_value, widgets_for
from app.services import hand_scoring, review_queues, reviewing, scorer_configs
from app.services.review_queues import Queue
from app.validation import ScoreCreate, ScoreRulesError, validate_comment, validate_score


@dataclass
class ScorerForm:
    """The widgets of one of the queue's scorers; their fields are named with a prefix so
    several scorers share one form."""

    scorer: str
    title: str
    prefix: str
    schema: dict
    widgets: list[Widget]
    errors: list[str] = field(default_factory=list)


def _forms(queue: Queue) -> list[ScorerForm]:
    forms = []
    for index, scorer in enumerate(queue.scorers):
        config = scorer_configs.active_config(queue.entity, queue.project, scorer)
        if config is None:  # archived since: nothing to build a form from
            continue
        schema = scorer_configs.schema_of(config)
        title = config.display_name or scorer
        forms.append(ScorerForm(scorer, title, f"s{index}-", schema, widgets_for(schema)))
    return forms


def _own_fields(form: MultiDict, prefix: str) -> MultiDict:
    return MultiDict(
        [(k.removeprefix(prefix), v) for k, v in form.items(multi=True) if k.startswith(prefix)]
    )


def _read_answers(forms: list[ScorerForm], turn: reviewing.Turn, run_id: str | None):
    """Each scorer's posted value checked by the score rules; None when any is refused."""
    answers: list[ScoreCreate] = []
    for scorer_form in forms:
        value = read_value(
            scorer_form.schema, scorer_form.widgets, _own_fields(request.form, scorer_form.prefix)
        )
        body: dict = {"prediction_id": turn.prediction_id, "scorer": scorer_form.scorer}
        if run_id:
            body["evaluation_run_id"] = run_id
        if value is not MISSING:
            body["value"] = value
        try:
            answers.append(validate_score(body))
        except ScoreRulesError as exc:
            scorer_form.errors += place_errors(scorer_form.widgets, exc.errors)
    return answers if len(answers) == len(forms) else None


def _review_path(entity: str, project: str, queue_id: int, item: int | None = None) -> str:
    return url_for(
        "admin.review_queue", entity=entity, project=project, queue_id=queue_id, item=item
    )


@bp.route(f"{QUEUE}/review", methods=["GET", "POST"])
def review_queue(entity: str, project: str, queue_id: int):
    """GET: the item held for you (?item=), else hold the next and go to it. POST: save your
    answer (or skip) and go to the next."""
    queue = queue_or_404(entity, project, queue_id)
    reviewer = current_user.username
    item = request.args.get("item", "")
    if not item.isdigit():
        turn = reviewing.next_item(queue, reviewer)
        if turn is None:
            return render_template(
                "admin/queues/review_done.html",
                entity=entity,
                project=project,
                queue=queue,
                progress=review_queues.progress(queue),
            )
        return redirect(_review_path(entity, project, queue_id, turn.item_id))
    turn = reviewing.resume(queue, int(item), reviewer)
    if turn is None:
        flash("That item is no longer yours to review: here is the next one.", "warning")
        return redirect(_review_path(entity, project, queue_id))
    shown = hand_scoring.prediction(entity, project, turn.prediction_id)
    forms = _forms(queue)
    comment_errors: list[str] = []
    status = 200
    if request.method == "POST":
        if request.form.get("then") == "skip":
            reviewing.skip(queue, turn, reviewer)
            flash("Skipped.", "success")
            return redirect(_review_path(entity, project, queue_id))
        answers = _read_answers(forms, turn, shown.evaluation_run_id if shown else None)
        try:
            comment = validate_comment(request.form.get("comment", ""))
        except ScoreRulesError as exc:
            comment_errors = [error["msg"] for error in exc.errors]
        if answers is not None and not comment_errors:
            try:
                reviewing.submit(queue, turn, reviewer, answers, comment)
            except reviewing.AnswerRefused as exc:
                forms[exc.index].errors += place_errors(forms[exc.index].widgets, exc.errors)
            else:
                flash("Saved. Here is the next one.", "success")
                return redirect(_review_path(entity, project, queue_id))
        status = 422
    for scorer_form in forms:  # names and ids prefixed only now: reading used the plain ones
        for widget in scorer_form.widgets:
            widget.name = scorer_form.prefix + widget.name
            widget.id = scorer_form.prefix + widget.id
    return render_template(
        "admin/queues/review.html",
        entity=entity,
        project=project,
        queue=queue,
        turn=turn,
        prediction=shown,
        forms=forms,
        comment=request.form.get("comment", ""),
        comment_errors=comment_errors,
        others=reviewing.other_scores(queue, turn, reviewer),
        progress=review_queues.progress(queue),
        action=_review_path(entity, project, queue_id, turn.item_id),
    ), status
