"""Flask commands for evaluations: `flask compare` (a CI gate) and `flask stats recount`."""

import click
from flask import Flask
from flask.cli import AppGroup, with_appcontext

from app import storage
from app.validation import path_segment_errors

stats_cli = AppGroup("stats", help="The statistics kept with the scores.")


def parse_project(value: str) -> tuple[str, str]:
    """ENTITY/PROJECT as two valid names; click.BadParameter otherwise."""
    entity, slash, project = value.partition("/")
    if not slash or path_segment_errors(entity) or path_segment_errors(project):
        raise click.BadParameter(f"'{value}' is not ENTITY/PROJECT", param_hint="--project")
    return entity, project


@stats_cli.command("recount")
@click.option("--project", "project_path", required=True, help="ENTITY/PROJECT")
@with_appcontext
def recount_command(project_path: str) -> None:
    """Count a project's statistics again from its scores and predictions."""
    entity, project = parse_project(project_path)
    scores, predictions = storage.recount_statistics(entity, project)
    click.echo(f"Counted {scores} scores and {predictions} predictions of {entity}/{project}.")


def register_evals_cli(app: Flask) -> None:
    """Attach the evaluation commands to the app's CLI."""
    app.cli.add_command(stats_cli)
