"""A project's scorer configs: list them, create or edit one (a new version), see a scorer's
versions, archive one."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.admin import bp
from app.admin.access import require_entity
from app.admin.config_input import (
    BLANK_ROWS,
    ConfigInputError,
    describe,
    form_data,
    place_messages,
    read_config_form,
)
from app.admin.forms import ConfirmForm, ScorerConfigForm
from app.services import overview, scorer_configs
from app.services.errors import NotFound
from app.validation import scorer_errors

CONFIGS = "/p/<entity>/<project>/scorer-configs"


def _scorer_or_404() -> str:
    """The ?scorer= the page is about; 404 when missing or no scorer could be named so."""
    scorer = request.args.get("scorer", "")
    if not scorer or scorer_errors(scorer):
        abort(404)
    return scorer


@bp.get(CONFIGS)
def scorer_configs_page(entity: str, project: str):
    """The project's configs, active then archived, each with its shape in a few words."""
    require_entity(entity, project)
    configs = scorer_configs.project_configs(entity, project)
    return render_template(
        "admin/scorer_configs/index.html",
        entity=entity,
        project=project,
        active=[c for c in configs if not c.archived],
        archived=[c for c in configs if c.archived],
        describe=lambda config: describe(scorer_configs.schema_of(config)),
    )


@bp.route(f"{CONFIGS}/edit", methods=["GET", "POST"])
def edit_scorer_config(entity: str, project: str):
    """Create a config, or edit the scorer's (?scorer=): saving stores a new version."""
    require_entity(entity, project)
    scorer = request.args.get("scorer", "")
    current = (
        scorer_configs.latest_config(entity, project, scorer)
        if scorer and not scorer_errors(scorer)
        else None
    )
    status = 200
    unplaced: list[str] = []
    if request.method == "GET":
        form = ScorerConfigForm(formdata=None, data=form_data(current, scorer))
    else:
        form = ScorerConfigForm()
        if form.add_field.data:
            form.rows.append_entry()
        elif form.validate_on_submit():
            try:
                fields = read_config_form(form)
            except ConfigInputError as exc:
                unplaced = place_messages(form, exc.messages)
                status = 422
            else:
                saved = scorer_configs.save_config(entity, project, fields, current_user.username)
                flash(f"Saved version {saved.version} of the config.", "success")
                return redirect(
                    url_for("admin.scorer_configs_page", entity=entity, project=project)
                )
        else:
            status = 400
    return render_template(
        "admin/scorer_configs/edit.html",
        entity=entity,
        project=project,
        form=form,
        current=current,
        unplaced=unplaced,
        scorers=overview.project_scorers(entity, project),
        blank_rows=BLANK_ROWS,
    ), status


@bp.get(f"{CONFIGS}/history")
def scorer_config_history(entity: str, project: str):
    """Every version of a scorer's config, newest first, with its schema."""
    require_entity(entity, project)
    scorer = _scorer_or_404()
    versions = scorer_configs.config_history(entity, project, scorer)
    if not versions:
        abort(404)
    return render_template(
        "admin/scorer_configs/history.html",
        entity=entity,
        project=project,
        scorer=scorer,
        versions=versions,
        describe=lambda config: describe(scorer_configs.schema_of(config)),
    )


@bp.route(f"{CONFIGS}/archive", methods=["GET", "POST"])
def archive_scorer_config(entity: str, project: str):
    """GET asks for confirmation; the POST archives: checks stop, stored scores stay."""
    require_entity(entity, project)
    scorer = _scorer_or_404()
    config = scorer_configs.latest_config(entity, project, scorer)
    if config is None:
        abort(404)
    form = ConfirmForm()
    if not form.validate_on_submit():
        return render_template(
            "admin/scorer_configs/confirm_archive.html",
            entity=entity,
            project=project,
            config=config,
            form=form,
        )
    try:
        scorer_configs.archive_config(entity, project, scorer)
    except NotFound:
        abort(404)
    flash("Archived the config: scores of this scorer are no longer checked.", "success")
    return redirect(url_for("admin.scorer_configs_page", entity=entity, project=project))
