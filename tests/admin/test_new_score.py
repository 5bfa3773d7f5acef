"""The add-score form: the API's rules and messages, errors beside fields, source 'ui'."""

import json

from app.services import scores
from tests.admin.conftest import csrf_token, text
from tests.builders import basic, make_key

NEW = "/scores/new"
VALID = {
    "entity": "team",
    "project": "proj",
    "prediction_id": "pred-1",
    "scorer": "weave:///team/proj/object/judge:v1",
    "value_type": "json",
    "value": '{"correct": true}',
    "evaluation_run_id": "",
}


def _post(client, **changes):
    return client.post(NEW, data={"csrf_token": csrf_token(client, NEW), **VALID, **changes})


def _error_of(response, field: str) -> str | None:
    page = text(response)
    marker = f'<p class="error" id="{field}-error">'
    if marker not in page:
        return None
    return page.split(marker, 1)[1].split("</p>", 1)[0].replace("&#39;", "'")


def test_form_page_prefills_and_suggests_scorers(app, signed_in):
    _post(signed_in)
    page = text(signed_in.get(f"{NEW}?entity=team&project=proj"))
    assert 'value="team"' in page and 'value="proj"' in page
    assert '<option value="weave:///team/proj/object/judge:v1">' in page
    assert '<label for="value">Value</label>' in page


def test_a_valid_score_is_stored_with_source_ui(app, signed_in, user):
    response = _post(signed_in, evaluation_run_id="run-1")
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("/p/team/proj/scores/")
    detail = text(signed_in.get(location))
    assert "Score added." in detail
    with app.app_context():
        stored = scores.get_score("team", "proj", location.rsplit("/", 1)[1])
        assert (stored.source, stored.created_by) == ("ui", user.username)
        assert stored.value_json == '{"correct":true}'
        assert stored.evaluation_run_id == "run-1"


VALUE_HELPERS = (
    ("number", "0.75", "0.75"),
    ("number", "12345678901234567890", "12345678901234567890"),
    ("boolean", "true", "true"),
    ("boolean", "False", "false"),
    ("text", "hello <b>", '"hello <b>"'),
    ("text", "", '""'),
    ("json", "null", "null"),
    ("json", "[1, 2]", "[1,2]"),
)


def test_value_helpers(app, signed_in):
    for kind, typed, stored in VALUE_HELPERS:
        response = _post(signed_in, value_type=kind, value=typed)
        assert response.status_code == 302, _error_of(response, "value")
        score_id = response.headers["Location"].rsplit("/", 1)[1]
        with app.app_context():
            assert scores.get_score("team", "proj", score_id).value_json == stored


VALUE_ERRORS = (
    ("json", "", "Field required"),
    ("json", "{oops", "JSON decode error: Expecting property name enclosed in double quotes"),
    ("json", "NaN", "JSON decode error: Expecting value (line 1, column 1)"),
    ("json", "[" * 70 + "]" * 70, "Value should be nested at most 64 levels deep"),
    ("number", "twelve", "Input should be a valid number"),
    ("number", "true", "Input should be a valid number"),
    ("boolean", "yes", "Input should be a valid boolean"),
)


def test_value_errors_beside_the_field(app, signed_in):
    for kind, typed, message in VALUE_ERRORS:
        response = _post(signed_in, value_type=kind, value=typed)
        assert response.status_code == 422
        assert message in _error_of(response, "value")
        assert 'aria-invalid="true"' in text(response)


PARITY_CASES = (
    {"prediction_id": ""},
    {"prediction_id": "x" * 257},
    {"scorer": ""},
    {"scorer": "s" * 1025},
    {"prediction_id": "a\x00b"},
    {"evaluation_run_id": "r" * 257},
    {"prediction_id": "", "scorer": "", "value": ""},
)


def test_same_rules_and_messages_as_the_api(app, client, signed_in, user):
    key = make_key(app, user)
    for changes in PARITY_CASES:
        _check_parity(client, key, changes)


def _check_parity(client, key: str, changes: dict) -> None:
    body = {
        "prediction_id": VALID["prediction_id"],
        "scorer": VALID["scorer"],
        "value": {"correct": True},
    }
    for name, typed in changes.items():
        if name != "value":
            body[name] = typed
        elif not typed:
            del body["value"]
    api = client.post(
        "/v2/team/proj/scores",
        data=json.dumps(body),
        headers={**basic(key), "Content-Type": "application/json"},
    )
    assert api.status_code == 422
    expected = {error["loc"][1]: error["msg"] for error in api.get_json()["detail"]}
    response = _post(client, **changes)
    assert response.status_code == 422
    shown = {field: _error_of(response, field) for field in expected}
    assert shown == expected


PLACE_ERRORS = (
    ("", "proj", "entity", "String should have at least 1 character"),
    ("team", "p" * 129, "project", "String should have at most 128 characters"),
    ("team", "a/b", "project", "String should not contain '/'"),
    ("other", "proj", "entity", "Not allowed to access entity 'other'"),
)


def test_entity_and_project_are_checked(app, signed_in):
    for entity, project, field, message in PLACE_ERRORS:
        response = _post(signed_in, entity=entity, project=project)
        assert response.status_code == 422
        assert _error_of(response, field) == message


def test_a_post_without_a_token_is_refused(app, signed_in):
    response = signed_in.post(NEW, data=VALID)
    assert response.status_code == 400
    assert signed_in.get("/p/team/proj").status_code == 200
    assert "No scores yet" in text(signed_in.get("/p/team/proj"))


def test_a_post_with_a_forged_token_is_refused(app, signed_in):
    response = signed_in.post(NEW, data={**VALID, "csrf_token": "forged"})
    assert response.status_code == 400
