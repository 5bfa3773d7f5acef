"""One score: read it, delete it; and the add-score form."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.admin import bp
from app.admin.access import require_entity
from app.admin.forms import ConfirmForm, ScoreForm
from app.admin.score_input import ScoreInputError, read_score_form, segment_errors
from app.services import overview, scores
from app.services.scorer_values import ScorerConfigError

SCORE = "/p/<entity>/<project>/scores/<score_id>"


def _score_or_404(entity: str, project: str, score_id: str):
    require_entity(entity, project)
    score = scores.get_score(entity, project, score_id)
    if score is None:
        abort(404)
    return score


@bp.get(SCORE)
def score(entity: str, project: str, score_id: str):
    """Every field of a score, its value as highlighted JSON."""
    found = _score_or_404(entity, project, score_id)
    return render_template("admin/scores/show.html", score=found, form=ConfirmForm())


@bp.route(f"{SCORE}/delete", methods=["GET", "POST"])
def delete_score(entity: str, project: str, score_id: str):
    """GET asks for confirmation; the POST deletes and goes back to the project."""
    found = _score_or_404(entity, project, score_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        return render_template("admin/scores/confirm_delete.html", score=found, form=form)
    scores.delete_scores(entity, project, [score_id])
    flash(f"Deleted score {score_id}.", "success")
    return redirect(url_for("admin.project", entity=entity, project=project))


def _suggestions(entity: str, project: str) -> dict:
    """Projects the user may use, and the scorers of the chosen one, for datalists."""
    pairs = overview.project_pairs(None if current_user.is_admin else current_user.entities)
    scorers = []
    if (
        entity
        and project
        and not segment_errors(entity)
        and not segment_errors(project)
        and current_user.may_use(entity)
    ):
        scorers = overview.project_scorers(entity, project)
    entities = sorted({e for e, _ in pairs} | set(current_user.entities))
    return {"entities": entities, "projects": sorted({p for _, p in pairs}), "scorers": scorers}


@bp.route("/scores/new", methods=["GET", "POST"])
def new_score():
    """The add-score form; valid input is stored with source 'ui'."""
    form = ScoreForm(entity=request.args.get("entity", ""), project=request.args.get("project", ""))
    status = 200
    if form.validate_on_submit():
        try:
            accepted = read_score_form(request.form, current_user.may_use)
        except ScoreInputError as exc:
            for name, messages in exc.messages.items():
                getattr(form, name, form.value).errors = messages
            status = 422
        else:
            try:
                score_id = scores.create_score(
                    accepted.entity,
                    accepted.project,
                    accepted.fields,
                    current_user.username,
                    source="ui",
                    comment=accepted.comment,
                )
            except ScorerConfigError as exc:
                # The API's messages, beside the value they concern.
                form.value.errors = [error["msg"] for error in exc.errors]
                status = 422
            else:
                flash("Score added.", "success")
                return redirect(
                    url_for(
                        "admin.score",
                        entity=accepted.entity,
                        project=accepted.project,
                        score_id=score_id,
                    )
                )
    elif form.errors:
        status = 400
    return render_template(
        "admin/scores/new.html",
        form=form,
        **_suggestions(form.entity.data or "", form.project.data or ""),
    ), status
