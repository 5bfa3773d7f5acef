"""Flask commands for evaluations: `flask compare` (a CI gate) and `flask stats recount`."""

import click
from flask import Flask
from flask.cli import AppGroup, with_appcontext

from app import storage
from app.services import gates
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
    app.cli.add_command(compare_command)


@click.command("compare")
@click.argument("baseline")
@click.argument("candidate")
@click.option("--project", "project_path", required=True, help="ENTITY/PROJECT")
@click.option(
    "--fail-if",
    "gate_texts",
    multiple=True,
    metavar="'SCORER[.FIELD] OP NUMBER'",
    help="Fail when the candidate's change from the baseline (pass rate for true/false values,"
    " mean for numbers) is OP NUMBER, e.g. 'exact_match < -0.02' (repeatable).",
)
@click.option("--every", is_flag=True, help="Only rows that both runs have.")
@with_appcontext
def compare_command(
    baseline: str, candidate: str, project_path: str, gate_texts: tuple[str, ...], every: bool
) -> None:
    """Compare CANDIDATE with BASELINE; exit 1 if a --fail-if gate fails, 2 for bad arguments."""
    entity, project = parse_project(project_path)
    try:
        gate_list = [gates.parse_gate(text) for text in gate_texts]
        checks = gates.check(entity, project, baseline, candidate, gate_list, every)
    except gates.GateError as exc:
        hint = "--fail-if" if exc.field == "fail-if" else None
        raise click.BadParameter(exc.message, param_hint=hint) from None
    click.echo(render_checks(checks))
    failed = [gate for check in checks for gate in check.failed]
    if failed:
        click.echo(f"\nFAILED: {len(failed)} of {len(gate_list)} gates: " + "; ".join(
            gate.text for gate in failed))  # fmt: skip
        raise SystemExit(1)
    if gate_list:
        click.echo(f"\nPassed: {len(gate_list)} gate{'s' if len(gate_list) != 1 else ''}.")


def _measure(value: float | None, is_rate: bool) -> str:
    if value is None:
        return "-"
    return f"{value * 100:.1f}%" if is_rate else f"{value:.4g}"


def _change(check: gates.Check) -> str:
    change = check.change
    if change is None:
        return "-"
    return f"{change:+.4f}" if check.line.is_rate else f"{change:+.4g}"


def render_checks(checks: list[gates.Check]) -> str:
    """An aligned table: leaf, baseline, candidate, change, the gates and their result."""
    header = ("scorer", "baseline", "candidate", "change", "gate", "result")
    lines = [header]
    for check in checks:
        rate = check.line.is_rate
        texts = [gate.text for gate in check.gates] or [""]
        for index, text in enumerate(texts):
            failed = any(gate.text == text for gate in check.failed)
            result = ("FAILED" if failed else "ok") if text else ""
            if index == 0:
                lines.append(
                    (
                        check.line.name,
                        _measure(check.baseline, rate),
                        _measure(check.candidate, rate),
                        _change(check),
                        text,
                        result,
                    )
                )
            else:
                lines.append(("", "", "", "", text, result))
    widths = [max(len(row[i]) for row in lines) for i in range(len(header))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in lines
    )
