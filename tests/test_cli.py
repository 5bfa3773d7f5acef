"""The flask commands: users, keys and the first-run bootstrap."""

from sqlalchemy import select

from app.extensions import db
from app.models import ApiKey, User
from tests.builders import basic, make_user


def run(app, *args, input=None):
    return app.test_cli_runner().invoke(args=list(args), input=input)


def test_users_create_with_password_stdin(app):
    result = run(
        app,
        "users",
        "create",
        "carol",
        "--entity",
        "a",
        "--entity",
        "b",
        "--password-stdin",
        input="long enough password\n",
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "carol"))
        assert user.entities == ["a", "b"] and not user.is_admin


def test_users_create_prompts_for_the_password(app):
    result = run(
        app, "users", "create", "dave", "--admin", input="another password\nanother password\n"
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(select(User.is_admin).where(User.username == "dave")) is True


def test_users_create_refuses_duplicates_and_short_passwords(app):
    make_user(app, "erin")
    duplicate = run(app, "users", "create", "erin", "--password-stdin", input="long enough pw\n")
    assert duplicate.exit_code != 0 and "already exists" in duplicate.output
    short = run(app, "users", "create", "frank", "--password-stdin", input="short\n")
    assert short.exit_code != 0 and "at least 8" in short.output


def test_keys_create_prints_the_key_last_and_it_works(app, client):
    make_user(app, "gina")
    result = run(app, "keys", "create", "gina")
    assert result.exit_code == 0
    key = result.output.strip().splitlines()[-1]
    assert key.startswith("sk_")
    assert client.get("/v2/team/proj/scores", headers=basic(key)).status_code == 200


def test_keys_list_and_revoke(app, client):
    make_user(app, "hank")
    key = run(app, "keys", "create", "hank").output.strip().splitlines()[-1]
    listing = run(app, "keys", "list")
    assert key[:12] in listing.output and "hank" in listing.output and key not in listing.output
    revoked = run(app, "keys", "revoke", key[:12])
    assert revoked.exit_code == 0
    assert client.get("/v2/team/proj/scores", headers=basic(key)).status_code == 401
    again = run(app, "keys", "revoke", key[:12])
    assert again.exit_code != 0


def test_keys_create_for_unknown_user_fails(app):
    result = run(app, "keys", "create", "nobody")
    assert result.exit_code != 0 and "No user" in result.output


def test_bootstrap_creates_admin_once(app, client):
    first = run(app, "bootstrap")
    assert first.exit_code == 0
    key = next(line.split()[-1] for line in first.output.splitlines() if "API key:" in line)
    assert f"curl -u api:{key}" in first.output
    assert client.get("/v2/anyone/proj/scores", headers=basic(key)).status_code == 200
    second = run(app, "bootstrap")
    assert "nothing to bootstrap" in second.output
    with app.app_context():
        assert db.session.scalar(select(ApiKey).limit(1)) is not None
        assert len(db.session.scalars(select(User)).all()) == 1


def test_keys_create_with_a_label_and_list_it(app):
    make_user(app, "ivy")
    created = run(app, "keys", "create", "ivy", "--label", "  CI runner ")
    assert created.exit_code == 0, created.output
    assert "(CI runner) for 'ivy'" in created.output
    key = created.output.strip().splitlines()[-1]
    unlabelled = run(app, "keys", "create", "ivy").output.strip().splitlines()[-1]
    listing = run(app, "keys", "list").output.splitlines()
    assert listing[0].split() == ["PREFIX", "USER", "CREATED", "LAST", "USED", "REVOKED", "LABEL"]
    rows = {line.split()[0]: line for line in listing[1:]}
    assert rows[key[:12]].endswith(" CI runner")
    assert rows[unlabelled[:12]].endswith(" -")


def test_keys_create_refuses_a_bad_label(app):
    make_user(app, "jack")
    for label, message in (
        ("x" * 65, "Label should have at most 64 characters"),
        ("bell\x07", "Label should not contain control characters"),
    ):
        result = run(app, "keys", "create", "jack", "--label", label)
        assert result.exit_code != 0 and message in result.output
    with app.app_context():
        assert db.session.scalar(select(ApiKey.id)) is None
