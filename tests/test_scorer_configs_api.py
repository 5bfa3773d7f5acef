"""The /api/v1 scorer-config routes: save (versions), list, read, archive; the body's rules; and
every kind of config checked on score writes, versioned, archived, never touching a stored score."""

import json

import pytest
from sqlalchemy import select

from app.extensions import db
from app.field_schemas import MAX_SCHEMA_BYTES
from app.models import Score
from tests.builders import basic, make_api_user, score_body

CONFIGS = "/api/v1/team/proj/scorer-configs"
SCORES = "/v2/team/proj/scores"
JUDGE = "weave:///team/proj/object/judge:v1"
SCALE = {"type": "integer", "minimum": 1, "maximum": 5}


@pytest.fixture
def key(app):
    return make_api_user(app, "alice")[1]


def _save(client, key, body: dict, path: str = CONFIGS):
    # Sent as written: Flask's test client would sort the keys of json=.
    return client.post(
        path, data=json.dumps(body), content_type="application/json", headers=basic(key)
    )


def _config(client, key, schema=SCALE, scorer=JUDGE, **fields) -> dict:
    response = _save(client, key, {"scorer": scorer, "field_schema": schema, **fields})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def _score(client, key, value, scorer=JUDGE):
    return client.post(SCORES, json=score_body(scorer=scorer, value=value), headers=basic(key))


def test_a_saved_config_is_answered_whole(app, client, key):
    saved = _config(
        client,
        key,
        display_name="Helpfulness",
        description="1 = useless, 5 = solved it",
        direction="higher",
    )
    created_at = saved.pop("created_at")
    assert saved == {
        "scorer": JUDGE,
        "display_name": "Helpfulness",
        "description": "1 = useless, 5 = solved it",
        "direction": "higher",
        "field_schema": SCALE,
        "version": 1,
        "archived": False,
        "created_by": "alice",
    }
    assert created_at.endswith("Z") and len(created_at) == len("2026-12-06T20:00:00.000000Z")
    read = client.get(CONFIGS, query_string={"scorer": JUDGE}, headers=basic(key))
    assert read.status_code == 200
    assert read.get_json() == {**saved, "created_at": created_at}


def test_saving_again_makes_a_new_version_and_keeps_the_old(app, client, key):
    assert _config(client, key)["version"] == 1
    second = _config(client, key, {"type": "boolean"}, direction="lower")
    assert (second["version"], second["field_schema"], second["direction"]) == (
        2,
        {"type": "boolean"},
        "lower",
    )
    listed = client.get(CONFIGS, headers=basic(key)).get_json()
    assert [(c["scorer"], c["version"]) for c in listed["configs"]] == [(JUDGE, 2)]
    with app.app_context():
        from app.services import scorer_configs

        history = scorer_configs.config_history("team", "proj", JUDGE)
        assert [(c.version, json.loads(c.field_schema_json)) for c in history] == [
            (2, {"type": "boolean"}),
            (1, SCALE),
        ]


def test_the_list_holds_the_latest_active_config_of_each_scorer(app, client, key):
    _config(client, key, scorer="b-scorer")
    _config(client, key, scorer="a-scorer")
    _config(client, key, scorer="gone")
    client.delete(CONFIGS, query_string={"scorer": "gone"}, headers=basic(key))
    listed = client.get(CONFIGS, headers=basic(key)).get_json()["configs"]
    assert [config["scorer"] for config in listed] == ["a-scorer", "b-scorer"]
    other = client.get("/api/v1/team/elsewhere/scorer-configs", headers=basic(key))
    assert other.get_json() == {"configs": []}


def test_archiving_answers_the_config_archived_and_a_read_still_finds_it(app, client, key):
    _config(client, key)
    archived = client.delete(CONFIGS, query_string={"scorer": JUDGE}, headers=basic(key))
    assert archived.status_code == 200
    assert (archived.get_json()["archived"], archived.get_json()["version"]) == (True, 1)
    read = client.get(CONFIGS, query_string={"scorer": JUDGE}, headers=basic(key))
    assert read.get_json()["archived"] is True
    again = client.delete(CONFIGS, query_string={"scorer": JUDGE}, headers=basic(key))
    assert again.status_code == 200 and again.get_json()["archived"] is True


@pytest.mark.parametrize("method", ["get", "delete"])
def test_a_scorer_without_a_config_is_404(client, key, method):
    response = getattr(client, method)(CONFIGS, query_string={"scorer": "nope"}, headers=basic(key))
    assert response.status_code == 404
    assert response.get_json() == {"detail": "Scorer config not found"}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, {"type": "missing", "msg": "Field required", "input": None}),
        (
            {"scorer": ""},
            {
                "type": "string_too_short",
                "msg": "String should have at least 1 character",
                "input": "",
                "ctx": {"min_length": 1},
            },
        ),
        (
            {"scorer": "s" * 1025},
            {
                "type": "string_too_long",
                "msg": "String should have at most 1024 characters",
                "input": "s" * 1025,
                "ctx": {"max_length": 1024},
            },
        ),
        (
            {"scorer": "a\x00b"},
            {
                "type": "string_null_character",
                "msg": "String should not contain the NUL character",
                "input": "a\x00b",
            },
        ),
    ],
)
def test_a_bad_scorer_parameter_is_422(client, key, query, expected):
    for method in ("delete", "get"):
        if method == "get" and not query:
            continue  # GET without ?scorer= is the list
        response = getattr(client, method)(CONFIGS, query_string=query, headers=basic(key))
        assert response.status_code == 422
        assert response.get_json() == {"detail": [{**expected, "loc": ["query", "scorer"]}]}


def test_a_scorer_of_1024_characters_is_fine(client, key):
    scorer = "s" * 1024
    assert _config(client, key, scorer=scorer)["scorer"] == scorer
    read = client.get(CONFIGS, query_string={"scorer": scorer}, headers=basic(key))
    assert read.status_code == 200


def _errors(response) -> list[tuple]:
    assert response.status_code == 422, response.get_data(as_text=True)
    return [(tuple(e["loc"]), e["type"], e["msg"]) for e in response.get_json()["detail"]]


BODY_ERRORS = [
    ({"field_schema": SCALE}, [(("body", "scorer"), "missing", "Field required")]),
    ({"scorer": JUDGE}, [(("body", "field_schema"), "missing", "Field required")]),
    (
        {"scorer": "", "field_schema": SCALE},
        [(("body", "scorer"), "string_too_short", "String should have at least 1 character")],
    ),
    (
        {"scorer": JUDGE, "field_schema": SCALE, "display_name": "n" * 201},
        [
            (
                ("body", "display_name"),
                "string_too_long",
                "String should have at most 200 characters",
            )
        ],
    ),
    (
        {"scorer": JUDGE, "field_schema": SCALE, "description": "d" * 2001},
        [
            (
                ("body", "description"),
                "string_too_long",
                "String should have at most 2000 characters",
            )
        ],
    ),
    (
        {"scorer": JUDGE, "field_schema": SCALE, "display_name": "a\x00"},
        [
            (
                ("body", "display_name"),
                "string_null_character",
                "String should not contain the NUL character",
            )
        ],
    ),
    (
        {"scorer": JUDGE, "field_schema": SCALE, "direction": "up"},
        [(("body", "direction"), "literal_error", "Input should be 'higher' or 'lower'")],
    ),
    (
        {"scorer": JUDGE, "field_schema": {"type": "integer", "maximum": "5"}},
        [
            (
                ("body", "field_schema", "maximum"),
                "field_schema_invalid",
                "Not a valid JSON Schema: '5' is not of type 'number'",
            )
        ],
    ),
    (
        {
            "scorer": JUDGE,
            "field_schema": {"type": "object", "properties": {"a": {"type": "array"}}},
        },
        [
            (
                ("body", "field_schema", "properties", "a", "type"),
                "field_schema_unsupported",
                "'type' 'array' is not supported: use one of boolean, number, integer, string",
            )
        ],
    ),
    (
        {"scorer": JUDGE, "field_schema": {"type": "string", "enum": ["a", "a"]}},
        [
            (
                ("body", "field_schema", "enum", 1),
                "field_schema_unsupported",
                "'enum' repeats the label 'a'",
            )
        ],
    ),
    (
        [1],
        [
            (
                ("body",),
                "model_attributes_type",
                "Input should be a valid dictionary or object to extract fields from",
            )
        ],
    ),
]


@pytest.mark.parametrize(("body", "expected"), BODY_ERRORS, ids=lambda v: json.dumps(v)[:50])
def test_every_rule_of_the_body_is_a_422_at_its_field(app, client, key, body, expected):
    assert _errors(_save(client, key, body)) == expected
    assert client.get(CONFIGS, headers=basic(key)).get_json() == {"configs": []}


def test_the_text_fields_at_their_limits_are_kept_and_blank_ones_are_null(client, key):
    saved = _config(client, key, display_name="n" * 200, description="d" * 2000, direction=None)
    assert (len(saved["display_name"]), len(saved["description"]), saved["direction"]) == (
        200,
        2000,
        None,
    )
    blank = _config(client, key, display_name="  ", description="")
    assert (blank["display_name"], blank["description"]) == (None, None)


def test_a_schema_over_64_kib_is_refused_and_one_at_the_limit_kept(client, key):
    def schema(size: int) -> dict:
        found = {"type": "string", "enum": ["x"]}
        found["enum"] = ["x" * (size - len(json.dumps(found, separators=(",", ":"))) + 1)]
        return found

    assert _config(client, key, schema(MAX_SCHEMA_BYTES))["version"] == 1
    response = _save(client, key, {"scorer": JUDGE, "field_schema": schema(MAX_SCHEMA_BYTES + 1)})
    assert response.status_code == 422
    assert response.get_json()["detail"] == [
        {
            "type": "field_schema_too_large",
            "loc": ["body", "field_schema"],
            "msg": f"Schema should be at most 65536 bytes as JSON, not {MAX_SCHEMA_BYTES + 1}",
            "input": None,
            "ctx": {"max_bytes": MAX_SCHEMA_BYTES},
        }
    ]


def test_unreadable_bodies(client, key):
    def post(data, **headers):
        return client.post(
            CONFIGS,
            data=data,
            headers={**basic(key), "Content-Type": "application/json", **headers},
        )

    assert _errors(post(b"")) == [(("body",), "missing", "Field required")]
    assert _errors(post(b"{oops")) == [(("body", 1), "json_invalid", "JSON decode error")]
    assert post(b"\xff\xfe").status_code == 400
    assert post(b'{"scorer": "' + b"x" * (1024 * 1024) + b'"}').status_code == 413


# --- Every kind of config, checked on score writes ------------------------------------------

KINDS = {
    "boolean": (
        {"type": "boolean"},
        [True, False],
        [("ture", [], "'ture' is not of type 'boolean'")],
    ),
    "scale": (
        SCALE,
        [1, 5, 3.0],
        [
            (7, [], "7 is greater than the maximum of 5"),
            (0, [], "0 is less than the minimum of 1"),
            (2.5, [], "2.5 is not of type 'integer'"),
            ("4", [], "'4' is not of type 'integer'"),
        ],
    ),
    "slider": (
        {"type": "number", "minimum": 0, "maximum": 1, "multipleOf": 0.1},
        [0, 0.3, 0.7, 1],
        [
            (0.35, [], "0.35 is not a multiple of 0.1"),
            (1.1, [], "1.1 is greater than the maximum of 1"),
        ],
    ),
    "labels": (
        {"type": "string", "enum": ["positive", "neutral", "negative"]},
        ["positive", "negative"],
        [("Positive", [], "'Positive' is not one of ['positive', 'neutral', 'negative']")],
    ),
    "text": (
        {"type": "string", "maxLength": 5},
        ["", "short", "ééééé"],
        [("toolong", [], "'toolong' is too long"), (5, [], "5 is not of type 'string'")],
    ),
    "object": (
        {
            "type": "object",
            "properties": {
                "correct": {"type": "boolean"},
                "reason": {"type": "string", "maxLength": 5},
            },
            "required": ["correct"],
            "additionalProperties": False,
        },
        [{"correct": True}, {"correct": False, "reason": "ok"}],
        [
            ({"reason": "ok"}, ["correct"], "'correct' is a required property"),
            ({"correct": 1}, ["correct"], "1 is not of type 'boolean'"),
            ({"correct": True, "reason": "far too long"}, ["reason"], "'far too long' is too long"),
            (
                {"correct": True, "extra": 1},
                [],
                "Additional properties are not allowed ('extra' was unexpected)",
            ),
            ([True], [], "[True] is not of type 'object'"),
        ],
    ),
}


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_kind_is_checked_on_the_api(app, client, key, kind):
    schema, good, bad = KINDS[kind]
    version = _config(client, key, schema)["version"]
    for value in good:
        assert _score(client, key, value).status_code == 200, value
    for value, path, message in bad:
        response = _score(client, key, value)
        assert response.status_code == 422, value
        assert response.get_json()["detail"] == [
            {
                "type": "scorer_config",
                "loc": ["body", "value", *path],
                "msg": message,
                "input": value if not path else value.get(path[0], value),
                "ctx": {"scorer": JUDGE, "version": version},
            }
        ]
    with app.app_context():
        stored = db.session.scalars(select(Score.value_json).order_by(Score.id)).all()
    assert [json.loads(text) for text in stored] == good


def test_every_problem_of_a_value_is_reported_at_once(client, key):
    _config(client, key, KINDS["object"][0])
    response = _score(client, key, {"correct": "yes", "reason": "far too long"})
    assert [(e["loc"], e["msg"]) for e in response.get_json()["detail"]] == [
        (["body", "value", "correct"], "'yes' is not of type 'boolean'"),
        (["body", "value", "reason"], "'far too long' is too long"),
    ]


def test_each_score_remembers_its_version_and_a_change_rewrites_nothing(app, client, key):
    plain = _score(client, key, 9).get_json()["score_id"]  # before any config
    _config(client, key)
    first = _score(client, key, 4).get_json()["score_id"]
    _config(client, key, {"type": "integer", "minimum": 1, "maximum": 10})
    second = _score(client, key, 9).get_json()["score_id"]
    client.delete(CONFIGS, query_string={"scorer": JUDGE}, headers=basic(key))
    third = _score(client, key, "anything").get_json()["score_id"]
    _config(client, key, {"type": "boolean"})  # version 3: checks again; old scores stay
    assert _score(client, key, 4).status_code == 422

    versions = {}
    for score_id in (plain, first, second, third):
        read = client.get(f"{SCORES}/{score_id}", headers=basic(key)).get_json()
        versions[score_id] = (read["value"], read["scorer_config_version"])
    assert versions == {
        plain: (9, None),
        first: (4, 1),
        second: (9, 2),
        third: ("anything", None),
    }
    listed = client.get(SCORES, headers=basic(key)).get_data(as_text=True).splitlines()
    assert [json.loads(line)["scorer_config_version"] for line in listed] == [None, 1, 2, None]


def test_a_config_of_another_scorer_or_project_checks_nothing_else(client, key):
    _config(client, key, {"type": "boolean"})
    assert _score(client, key, 7, scorer=JUDGE + "-other").status_code == 200
    elsewhere = client.post(
        "/v2/team/elsewhere/scores", json=score_body(scorer=JUDGE, value=7), headers=basic(key)
    )
    assert elsewhere.status_code == 200


def test_api_v1_answers_are_json_and_set_no_cookie(client, key):
    for method, path in (
        ("get", "/api/v1/team/proj/nothing"),
        ("get", "/api/v1"),
        ("put", CONFIGS),
    ):
        response = getattr(client, method)(path, headers=basic(key))
        assert response.status_code in (404, 405)
        assert response.is_json and "detail" in response.get_json()
        assert "Set-Cookie" not in response.headers
        assert "Content-Security-Policy" not in response.headers
    listed = client.get(CONFIGS, headers=basic(key))
    assert "Set-Cookie" not in listed.headers
