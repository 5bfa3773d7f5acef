"""The hand-scoring page: a form built from the scorer's config, keyboard first, with the
prediction beside it; "Save and next" walks a run's predictions you have not scored yet."""

from dataclasses import dataclass, field

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.admin import bp
from app.admin.access import require_entity
from app.admin.forms import VALUE_TYPES
from app.admin.score_input import parse_value
from app.admin.score_widgets import MISSING, Widget, place_errors, read_value, widgets_for
from app.services import hand_scoring, overview, scorer_configs, scores
from app.services.scorer_values import ScorerConfigError
from app.validation import (
    ScoreRulesError,
    identifier_errors,
    scorer_errors,
    validate_comment,
    validate_score,
)

SCORE_FORM = "/p/<entity>/<project>/score"


@dataclass
class Target:
    """The scorer, prediction and run the URL names; empty when not given or not usable."""

    scorer: str = ""
    prediction_id: str = ""
    evaluation_run_id: str = ""
    errors: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def from_url(cls) -> "Target":
        target = cls()
        for name, rule in (
            ("scorer", scorer_errors),
            ("prediction_id", identifier_errors),
            ("evaluation_run_id", identifier_errors),
        ):
            text = request.args.get(name, "")
            found = rule(text) if text else []
            if found:
                target.errors[name] = [error["msg"] for error in found]
            else:
                setattr(target, name, text)
        return target

    def link(self, entity: str, project: str, **changes: str) -> str:
        """This page for the target, with some parts changed."""
        parts = {
            "scorer": self.scorer,
            "prediction_id": self.prediction_id,
            "evaluation_run_id": self.evaluation_run_id,
            **changes,
        }
        kept: dict = {name: value for name, value in parts.items() if value}
        return url_for("admin.score_form", entity=entity, project=project, **kept)


@dataclass
class Posted:
    """What the form holds, and the messages to show beside its parts."""

    comment: str = ""
    value_type: str = "json"
    value_text: str = ""
    errors: dict[str, list[str]] = field(default_factory=dict)


@bp.route(SCORE_FORM, methods=["GET", "POST"])
def score_form(entity: str, project: str):
    """Score a prediction by hand; POST stores it (source 'ui') and goes to the score, or
    ("Save and next") to the run's next prediction you have not scored with this scorer."""
    require_entity(entity, project)
    target = Target.from_url()
    author = current_user.username
    queue = bool(target.scorer and target.evaluation_run_id)
    if queue and not target.prediction_id and request.method == "GET":
        first = hand_scoring.next_prediction(
            entity, project, target.evaluation_run_id, target.scorer, author
        )
        if first is not None:
            return redirect(target.link(entity, project, prediction_id=first))
    shown = None
    if target.prediction_id:
        shown = hand_scoring.prediction(entity, project, target.prediction_id)
        if shown is not None and not target.evaluation_run_id and shown.evaluation_run_id:
            target.evaluation_run_id = shown.evaluation_run_id
            queue = bool(target.scorer)
    config = scorer_configs.active_config(entity, project, target.scorer) if target.scorer else None
    schema = scorer_configs.schema_of(config) if config else None
    widgets = widgets_for(schema) if schema else []
    posted = Posted()
    status = 200
    if request.method == "POST":
        score_id = _store(entity, project, target, schema, widgets, posted)
        if score_id is not None:
            return _after_saving(entity, project, target, score_id)
        status = 422
    ready = bool(target.scorer and target.prediction_id)
    return render_template(
        "admin/scoring/form.html",
        entity=entity,
        project=project,
        target=target,
        ready=ready,
        config=config,
        widgets=widgets,
        posted=posted,
        value_types=VALUE_TYPES,
        prediction=shown,
        progress=(
            hand_scoring.progress(entity, project, target.evaluation_run_id, target.scorer, author)
            if queue
            else None
        ),
        skip_to=(
            hand_scoring.next_prediction(
                entity,
                project,
                target.evaluation_run_id,
                target.scorer,
                author,
                target.prediction_id,
            )
            if queue and target.prediction_id
            else None
        ),
        earlier=(
            hand_scoring.earlier_scores(
                entity, project, target.prediction_id, target.scorer, author
            )
            if ready
            else []
        ),
        scorers=_scorer_choices(entity, project),
    ), status


def _scorer_choices(entity: str, project: str) -> list[str]:
    """Scorers to suggest: those with a config first, then those already used."""
    configured = [config.scorer for config in scorer_configs.active_configs(entity, project)]
    used = overview.project_scorers(entity, project)
    return list(dict.fromkeys([*configured, *used]))


def _store(
    entity: str,
    project: str,
    target: Target,
    schema: dict | None,
    widgets: list[Widget],
    posted: Posted,
) -> str | None:
    """Store the posted score and return its id; None, with the messages in place, if refused.

    The rules are the API's (validation.py, then the config's check), so are the messages.
    """
    form = request.form
    posted.comment = form.get("comment", "")
    body: dict = {"prediction_id": target.prediction_id, "scorer": target.scorer}
    if target.evaluation_run_id:
        body["evaluation_run_id"] = target.evaluation_run_id
    value = read_value(schema, widgets, form) if schema else _generic_value(form, posted)
    if value is not MISSING:
        body["value"] = value
    fields = comment = None
    try:
        fields = validate_score(body)
    except ScoreRulesError as exc:
        _place(exc.errors, widgets, posted, target)
    try:
        comment = validate_comment(posted.comment)
    except ScoreRulesError as exc:
        _place(exc.errors, widgets, posted, target)
    if fields is None or posted.errors or target.errors or any(w.errors for w in widgets):
        return None
    try:
        return scores.create_score(
            entity, project, fields, current_user.username, source="ui", comment=comment
        )
    except ScorerConfigError as exc:
        _place(exc.errors, widgets, posted, target)
        return None


def _generic_value(form, posted: Posted):
    """The value box's value, for a scorer without a config (as /scores/new reads it)."""
    posted.value_type = form.get("value_type", "json")
    posted.value_text = form.get("value", "")
    try:
        return parse_value(posted.value_type, posted.value_text)
    except ValueError as exc:
        posted.errors["value"] = [str(exc)]
        return MISSING


def _place(errors: list[dict], widgets: list[Widget], posted: Posted, target: Target) -> None:
    """Each error beside the part of the form it concerns."""
    for error in errors:
        name = str(error["loc"][0]) if error["loc"] else "value"
        if name == "value" and widgets:
            for message in place_errors(widgets, [error]):
                posted.errors.setdefault("value", []).append(message)
        elif name in ("scorer", "prediction_id", "evaluation_run_id"):
            if name not in target.errors:  # a part the URL gave wrongly says why already
                target.errors[name] = [error["msg"]]
        else:
            posted.errors.setdefault(name, []).append(error["msg"])


def _after_saving(entity: str, project: str, target: Target, score_id: str):
    """Save: the score's page. Save and next: the run's next prediction to score, or 'done'."""
    if request.form.get("then") != "next" or not target.evaluation_run_id:
        flash("Score added.", "success")
        return redirect(url_for("admin.score", entity=entity, project=project, score_id=score_id))
    following = hand_scoring.next_prediction(
        entity,
        project,
        target.evaluation_run_id,
        target.scorer,
        current_user.username,
        target.prediction_id,
    )
    flash(f"Saved the score of {target.prediction_id}.", "success")
    return redirect(target.link(entity, project, prediction_id=following or ""))
