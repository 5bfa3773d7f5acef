"""The scorer-config pages: the list, the form that builds a schema from a kind and its
options (or takes a raw one) with the API's messages beside each option, versions, archiving."""

import json
import re
from html import unescape
from html.parser import HTMLParser

import pytest

from app.services import scorer_configs
from tests.admin.conftest import csrf_token, sign_in, text
from tests.builders import basic, make_api_user, make_key

CONFIGS = "/p/team/proj/scorer-configs"
EDIT = f"{CONFIGS}/edit"
JUDGE = "weave:///team/proj/object/judge:v1"


def _save(client, data: dict, scorer: str | None = None):
    url = EDIT if scorer is None else f"{EDIT}?scorer={scorer}"
    return client.post(url, data={"csrf_token": csrf_token(client, url), "scorer": JUDGE, **data})


def _error(response, element_id: str) -> str | None:
    found = re.search(f'<p class="error" id="{element_id}-error">(.*?)</p>', text(response))
    return unescape(found.group(1)) if found else None


def _latest(app, scorer=JUDGE):
    with app.app_context():
        return scorer_configs.latest_config("team", "proj", scorer)


class _FormReader(HTMLParser):
    """What a browser would post for the form with this class: inputs, checked boxes,
    selected options, text areas (no submit buttons)."""

    def __init__(self, form_class: str):
        super().__init__()
        self.form_class, self.inside, self.fields = form_class, False, {}
        self.select = self.textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = self.form_class in (attrs.get("class") or "").split()
        if not self.inside:
            return
        if tag == "input" and attrs.get("type") not in ("submit", "checkbox", "radio"):
            self.fields[attrs["name"]] = attrs.get("value") or ""
        elif tag == "input" and "checked" in attrs:
            self.fields[attrs["name"]] = attrs.get("value") or "y"
        elif tag == "select":
            self.select = attrs["name"]
        elif tag == "option" and self.select and "selected" in attrs:
            self.fields[self.select] = attrs["value"]
        elif tag == "textarea":
            self.textarea = attrs["name"]
            self.fields[self.textarea] = ""

    def handle_endtag(self, tag):
        if tag in ("select", "textarea"):
            self.select = self.textarea = None
        elif tag == "form":
            self.inside = False

    def handle_data(self, data):
        if self.inside and self.textarea:
            # A textarea's first newline is not its content.
            text = self.fields[self.textarea] + data
            self.fields[self.textarea] = text[1:] if text.startswith("\n") else text


def _form_fields(page: str, form_class: str) -> dict:
    reader = _FormReader(form_class)
    reader.feed(page)
    return reader.fields


BUILT = [
    ({"shape": "boolean"}, {"type": "boolean"}),
    (
        {"shape": "number", "leaf-minimum": "1", "leaf-maximum": "5", "leaf-step": "1"},
        {"type": "integer", "minimum": 1, "maximum": 5},
    ),
    (
        {"shape": "number", "leaf-minimum": "0", "leaf-maximum": "1", "leaf-step": "0.1"},
        {"type": "number", "minimum": 0, "maximum": 1, "multipleOf": 0.1},
    ),
    ({"shape": "number", "leaf-step": "5"}, {"type": "integer", "multipleOf": 5}),
    ({"shape": "number", "leaf-minimum": "-1.5"}, {"type": "number", "minimum": -1.5}),
    (
        {"shape": "labels", "leaf-labels": "positive\n neutral \n\nnegative\n"},
        {"type": "string", "enum": ["positive", "neutral", "negative"]},
    ),
    ({"shape": "text", "leaf-max_length": "200"}, {"type": "string", "maxLength": 200}),
    ({"shape": "text"}, {"type": "string"}),
    (
        {
            "shape": "object",
            "rows-0-name": "correct",
            "rows-0-kind": "boolean",
            "rows-0-required": "y",
            "rows-1-name": "quality",
            "rows-1-kind": "number",
            "rows-1-minimum": "1",
            "rows-1-maximum": "5",
            "rows-1-step": "1",
            "rows-1-required": "y",
            "rows-2-name": "reason",
            "rows-2-kind": "text",
            "rows-2-max_length": "200",
            "rows-3-name": "",
            "rows-3-kind": "labels",
        },
        {
            "type": "object",
            "properties": {
                "correct": {"type": "boolean"},
                "quality": {"type": "integer", "minimum": 1, "maximum": 5},
                "reason": {"type": "string", "maxLength": 200},
            },
            "required": ["correct", "quality"],
            "additionalProperties": False,
        },
    ),
    (
        {"shape": "json", "schema_json": '{"type": "boolean", "title": "Correct?"}'},
        {"type": "boolean", "title": "Correct?"},
    ),
]


@pytest.mark.parametrize(("form", "schema"), BUILT, ids=lambda v: str(v)[:40])
def test_the_form_builds_each_kind(app, signed_in, user, form, schema):
    response = _save(signed_in, {**form, "display_name": "Judge", "direction": "higher"})
    assert response.status_code == 302, _error(response, "form") or text(response)[-3000:]
    assert response.headers["Location"] == CONFIGS
    config = _latest(app)
    assert json.loads(config.field_schema_json) == schema
    assert (config.display_name, config.direction, config.created_by) == (
        "Judge",
        "higher",
        user.username,
    )
    page = text(signed_in.get(CONFIGS))
    assert "Saved version 1 of the config." in page and "Judge" in page


OPTION_ERRORS = [
    ({"shape": "labels", "leaf-labels": "a\nb\na"}, "leaf-labels", "'enum' repeats the label 'a'"),
    (
        {"shape": "labels", "leaf-labels": " \n"},
        "leaf-labels",
        "'enum' should list at least one label",
    ),
    (
        {"shape": "number", "leaf-minimum": "5", "leaf-maximum": "1"},
        "leaf-minimum",
        "'minimum' (5) should not be greater than 'maximum' (1)",
    ),
    ({"shape": "number", "leaf-maximum": "five"}, "leaf-maximum", "Input should be a valid number"),
    (
        {"shape": "number", "leaf-step": "0"},
        "leaf-step",
        "Not a valid JSON Schema: 0 is less than or equal to the minimum of 0",
    ),
    (
        {"shape": "text", "leaf-max_length": "-1"},
        "leaf-max_length",
        "Input should be a valid integer",
    ),
    (
        {
            "shape": "object",
            "rows-0-name": "",
            "rows-1-name": "q",
            "rows-1-kind": "labels",
            "rows-1-labels": "x\nx",
        },
        "rows-1-labels",
        "'enum' repeats the label 'x'",
    ),
    (
        {"shape": "object", "rows-0-name": "q", "rows-0-kind": "number", "rows-0-step": "x"},
        "rows-0-step",
        "Input should be a valid number",
    ),
    ({"shape": "object"}, "form", "'properties' should name at least one field"),
    (
        {"shape": "json", "schema_json": "{oops"},
        "schema_json",
        "JSON decode error: Expecting property name enclosed in double quotes (line 1, column 2)",
    ),
    (
        {"shape": "json", "schema_json": '{"type": "string", "pattern": "a"}'},
        "schema_json",
        "'pattern' is not supported for type 'string': use enum, maxLength",
    ),
    ({"shape": "boolean", "scorer": ""}, "scorer", "String should have at least 1 character"),
    (
        {"shape": "boolean", "display_name": "n" * 201},
        "display_name",
        "String should have at most 200 characters",
    ),
    (
        {"shape": "boolean", "description": "d" * 2001},
        "description",
        "String should have at most 2000 characters",
    ),
]


@pytest.mark.parametrize(("form", "element", "message"), OPTION_ERRORS, ids=lambda v: str(v)[:40])
def test_each_problem_is_shown_beside_its_option(app, signed_in, form, element, message):
    response = _save(signed_in, form)
    assert response.status_code == 422
    assert _error(response, element) == message
    assert _latest(app) is None


RAW = [
    {"type": "strnig"},
    {"type": "object", "properties": {"a": {"type": "object", "properties": {}}}},
    {"type": "string", "enum": ["a"], "maxLength": 2},
    {"type": "integer", "minimum": 3, "maximum": 2},
]


@pytest.mark.parametrize("schema", RAW, ids=json.dumps)
def test_a_raw_schema_gets_the_apis_messages(app, client, user, schema):
    key = make_key(app, user)
    api = client.post(
        "/api/v1/team/proj/scorer-configs",
        data=json.dumps({"scorer": JUDGE, "field_schema": schema}),
        content_type="application/json",
        headers=basic(key),
    )
    assert api.status_code == 422
    assert sign_in(client, user.username).status_code == 302
    response = _save(client, {"shape": "json", "schema_json": json.dumps(schema)})
    assert _error(response, "schema_json") == " · ".join(e["msg"] for e in api.get_json()["detail"])


def test_editing_shows_the_current_config_and_saving_keeps_the_old_version(app, signed_in):
    built = dict(BUILT[8][0], description="how good", direction="lower")
    assert _save(signed_in, built).status_code == 302
    page = text(signed_in.get(f"{EDIT}?scorer={JUDGE}"))
    assert 'value="quality"' in page and "how good" in page
    assert '<option selected value="object">' in page
    assert '<option selected value="lower">' in page
    # Posting the form as it was shown stores the same config as version 2.
    fields = _form_fields(page, "config-form")
    fields.pop("csrf_token")
    assert _save(signed_in, fields, scorer=JUDGE).status_code == 302
    with app.app_context():
        history = scorer_configs.config_history("team", "proj", JUDGE)
    assert [config.version for config in history] == [2, 1]
    assert history[0].field_schema_json == history[1].field_schema_json
    listing = text(signed_in.get(f"{CONFIGS}/history?scorer={JUDGE}"))
    assert listing.index("Version 2") < listing.index("Version 1")


def test_a_schema_the_kinds_cannot_say_opens_as_json(app, signed_in):
    schema = {"type": "boolean", "title": "Right?"}
    assert _save(signed_in, {"shape": "json", "schema_json": json.dumps(schema)}).status_code == 302
    page = text(signed_in.get(f"{EDIT}?scorer={JUDGE}"))
    assert '<option selected value="json">' in page
    assert "&#34;title&#34;: &#34;Right?&#34;" in page


def test_enter_in_any_box_saves(app, signed_in):
    # Implicit submission presses the form's first submit button.
    page = text(signed_in.get(EDIT))
    form = page[page.index('class="card form-card config-form"') :]
    first = re.search(r'<(?:button|input)[^>]*type="submit"[^>]*>', form).group(0)
    assert 'name="submit"' in first and 'value="Save config"' in first


def test_add_a_field_adds_a_row_and_saves_nothing(app, signed_in):
    response = _save(signed_in, {"shape": "object", "add_field": "Add a field"})
    assert response.status_code == 200
    assert 'name="rows-3-name"' in text(response)
    assert _latest(app) is None


def test_archiving_asks_first_then_stops_the_checks(app, signed_in, user, client):
    assert _save(signed_in, {"shape": "boolean"}).status_code == 302
    archive = f"{CONFIGS}/archive?scorer={JUDGE}"
    assert "Archive this config?" in text(signed_in.get(archive))
    response = signed_in.post(archive, data={"csrf_token": csrf_token(signed_in, archive)})
    assert response.status_code == 302 and _latest(app).archived
    page = text(signed_in.get(CONFIGS))
    assert page.index("Archived") < page.index("Restore…")
    key = make_key(app, user)
    body = {"prediction_id": "p", "scorer": JUDGE, "value": "ture"}
    assert client.post("/v2/team/proj/scores", json=body, headers=basic(key)).status_code == 200


def test_pages_of_another_entity_are_403_and_unknown_scorers_404(app, client):
    make_api_user(app, "tess", entities=("team",))
    assert sign_in(client, "tess").status_code == 302
    for path in (
        "/p/other/proj/scorer-configs",
        f"/p/other/proj/scorer-configs/edit?scorer={JUDGE}",
        f"/p/other/proj/scorer-configs/history?scorer={JUDGE}",
        f"/p/other/proj/scorer-configs/archive?scorer={JUDGE}",
    ):
        assert client.get(path).status_code == 403, path
    for path in (
        f"{CONFIGS}/history?scorer=nope",
        f"{CONFIGS}/archive?scorer=nope",
        f"{CONFIGS}/history",
    ):
        assert client.get(path).status_code == 404, path
    assert client.post(EDIT, data={"scorer": JUDGE, "shape": "boolean"}).status_code == 400
    assert _latest(app) is None
