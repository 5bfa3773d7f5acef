"""Rules stated once and used everywhere: a name as a path segment, and who may use an entity.

Each test drives every place that applies the rule and checks that they
agree, case by case, so a copy that drifts fails here.
"""

from urllib.parse import quote

import jsonschema
import pytest
from sqlalchemy import String, literal, select

from app.extensions import db
from app.models import EntityGrant, Score, User
from app.models.user import may_use_entity, may_use_entity_clause
from app.validation import PATH_SEGMENT_MAX_LENGTH
from tests.admin.conftest import csrf_token, sign_in, text
from tests.builders import basic, make_api_user, score_body

# Every character class the rule names, at and over the length limit.
CONTROL_CHARACTERS = [chr(code) for code in range(0x20)] + ["\x7f"]
GOOD_NAMES = ["a", "n" * PATH_SEGMENT_MAX_LENGTH, "team-ü", "a b", "x~!@$%"]
BAD_NAMES = (
    ["n" * (PATH_SEGMENT_MAX_LENGTH + 1)] + [f"a{char}b" for char in CONTROL_CHARACTERS] + ["a/b"]
)


def _api_messages(client, key: str, entity: str) -> list[str]:
    response = client.post(
        f"/v2/{quote(entity, safe='')}/proj/scores", json=score_body(), headers=basic(key)
    )
    if response.status_code == 200:
        return []
    # A '/' splits the path: no route has that shape, so the API never sees one name.
    assert response.status_code in (404, 422), response.get_data(as_text=True)
    if response.status_code == 404:
        return ["String should not contain '/'"]
    return [error["msg"] for error in response.get_json()["detail"]]


def _form_messages(client, entity: str) -> list[str]:
    form = {
        "csrf_token": csrf_token(client, "/scores/new"),
        "entity": entity,
        "project": "proj",
        "prediction_id": "p",
        "scorer": "s",
        "value_type": "json",
        "value": "1",
    }
    page = text(client.post("/scores/new", data=form))
    marker = '<p class="error" id="entity-error">'
    if marker not in page:
        return []
    shown = page.split(marker, 1)[1].split("</p>", 1)[0]
    return [shown.replace("&#39;", "'")]


def _schema_accepts(client, name: str) -> bool:
    document = client.get("/openapi.json").get_json()
    parameters = document["paths"]["/v2/{entity}/{project}/scores"]["post"]["parameters"]
    (entity,) = [p for p in parameters if p["name"] == "entity"]
    try:
        jsonschema.validate(name, entity["schema"])
    except jsonschema.ValidationError:
        return False
    return True


@pytest.mark.parametrize("name", GOOD_NAMES + BAD_NAMES, ids=repr)
def test_api_form_and_openapi_judge_a_name_alike(app, client, name):
    _admin, key = make_api_user(app, "root", admin=True)
    api = _api_messages(client, key, name)
    assert sign_in(client, "root").status_code == 302
    form = _form_messages(client, name)
    assert api == form
    assert (api == []) == (name in GOOD_NAMES)
    assert _schema_accepts(client, name) == (name in GOOD_NAMES)


def test_every_column_holding_a_name_is_as_long_as_the_rule_allows():
    columns = [Score.entity, Score.project, EntityGrant.entity]
    assert {column.type.length for column in columns} == {PATH_SEGMENT_MAX_LENGTH}


@pytest.mark.parametrize(("is_admin", "granted"), [(a, g) for a in (0, 1) for g in (0, 1)])
def test_who_may_use_an_entity_is_decided_alike_in_python_and_in_sql(app, is_admin, granted):
    # The rule itself, the SQL the key lookup runs, and both places that apply
    # it to a signed-in user or a key's owner.
    grant_column = literal("team" if granted else None, String())
    with app.app_context():
        in_sql = db.session.scalar(
            select(may_use_entity_clause(literal(bool(is_admin)), grant_column))
        )
    user, _key = make_api_user(app, admin=bool(is_admin), entities=("team",) if granted else ())
    expected = may_use_entity(bool(is_admin), bool(granted))
    assert bool(in_sql) == expected
    assert User.may_use(user, "team") == expected
