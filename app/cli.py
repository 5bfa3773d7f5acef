"""Flask commands: users, keys and the first-run bootstrap."""

import secrets
import sys

import click
from flask import Flask
from flask.cli import AppGroup, with_appcontext

from app import storage
from app.cli_demo import demo_data_command
from app.cli_evals import register_evals_cli
from app.services import keys, users
from app.services.errors import DomainError

users_cli = AppGroup("users", help="Manage users.")
keys_cli = AppGroup("keys", help="Manage API keys.")


@users_cli.command("create")
@click.argument("username")
@click.option("--admin", is_flag=True, help="May use every entity and manage keys.")
@click.option(
    "--entity", "entities", multiple=True, help="An entity the user may use (repeatable)."
)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_user_command(
    username: str, admin: bool, entities: tuple[str, ...], password_stdin: bool
) -> None:
    """Create a user; prompts for the password unless --password-stdin."""
    password = _read_password(password_stdin)
    try:
        user = users.create_user(username, password, is_admin=admin, entities=entities)
    except DomainError as exc:
        raise click.ClickException(str(exc)) from None
    role = "admin" if user.is_admin else "entities: " + (", ".join(user.entities) or "none")
    click.echo(f"Created user '{user.username}' ({role}).")


@users_cli.command("set-password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def set_password_command(username: str, password_stdin: bool) -> None:
    """Give USERNAME a new password and sign out every session of theirs."""
    user = users.find_user(username)
    if user is None:
        raise click.ClickException(f"No user '{username}'")
    password = _read_password(password_stdin)
    try:
        users.set_password(user.id, password)
    except DomainError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Set the password of '{user.username}'; every session of theirs is signed out.")


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@keys_cli.command("create")
@click.argument("username")
@click.option("--label", default="", help="A name for the key, such as CI or laptop (up to 64).")
def create_key_command(username: str, label: str) -> None:
    """Create an API key for USERNAME; the key is the last line printed."""
    user = users.find_user(username)
    if user is None:
        raise click.ClickException(f"No user '{username}'")
    try:
        record, key = keys.create_key(user, label=label)
    except DomainError as exc:
        raise click.ClickException(str(exc)) from None
    named = f" ({record.label})" if record.label else ""
    click.echo(f"Created key {record.prefix}…{named} for '{username}'. It is shown only once:")
    click.echo(key)


@keys_cli.command("list")
def list_keys_command() -> None:
    """List every key: prefix, owner, created, last used, revoked, label."""
    click.echo(f"{'PREFIX':<14}{'USER':<20}{'CREATED':<22}{'LAST USED':<22}{'REVOKED':<22}LABEL")
    for record in keys.list_keys():
        click.echo(
            f"{record.prefix:<14}{record.user.username:<20}{_when(record.created_at):<22}"
            f"{_when(record.last_used_at):<22}{_when(record.revoked_at):<22}{record.label or '-'}"
        )


@keys_cli.command("revoke")
@click.argument("prefix")
def revoke_key_command(prefix: str) -> None:
    """Revoke the active key whose visible prefix is PREFIX."""
    try:
        record = keys.revoke_key(prefix)
    except DomainError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Revoked key {record.prefix}… of '{record.user.username}'.")


@click.command("bootstrap")
@with_appcontext
@click.option("--url", default="http://127.0.0.1:5000", help="Where the server will listen.")
def bootstrap_command(url: str) -> None:
    """On first run (no users yet), create 'admin' with a random password and a key."""
    if users.count_users():
        click.echo("Users exist already; nothing to bootstrap.")
        return
    password = secrets.token_urlsafe(12)
    user = users.create_user("admin", password, is_admin=True)
    _record, key = keys.create_key(user)
    click.echo(
        "\nFirst run: created the user 'admin'. These are shown only once.\n"
        f"  password: {password}\n"
        f"  API key:  {key}\n\n"
        f"Sign in at {url}/ and post a score:\n"
        f"  curl -u api:{key} -H 'Content-Type: application/json' \\\n"
        f'    -d \'{{"prediction_id":"p1","scorer":"exact_match","value":1}}\' \\\n'
        f"    {url}/v2/my-team/my-project/scores\n"
    )


@click.command("backup")
@with_appcontext
@click.argument("path", type=click.Path(dir_okay=False))
def backup_command(path: str) -> None:
    """Write a consistent copy of the live SQLite database to PATH."""
    try:
        pages = storage.backup_to(path)
    except storage.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Backed up {pages} pages to {path} (integrity check: ok).")


@click.command("restore")
@with_appcontext
@click.argument("path", type=click.Path(dir_okay=False))
@click.confirmation_option(prompt="This replaces every score, user and key. Continue?")
def restore_command(path: str) -> None:
    """Replace the SQLite database with the backup at PATH (stop the server first)."""
    try:
        storage.restore_from(path)
    except storage.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Restored from {path}.")


def _when(moment) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S") if moment else "-"


def register_cli(app: Flask) -> None:
    """Attach the command groups to the app's CLI."""
    app.cli.add_command(users_cli)
    app.cli.add_command(keys_cli)
    app.cli.add_command(bootstrap_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(demo_data_command)
    register_evals_cli(app)
