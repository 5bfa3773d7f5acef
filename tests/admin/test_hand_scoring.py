"""The hand-scoring page: widgets built from the config, the API's messages beside each field,
a comment with each score, and "Save and next" through the run's predictions you have not
scored yet."""

import json
import re
from html import unescape

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Score
from app.services import scorer_configs
from app.validation import validate_scorer_config
from tests.admin.conftest import add_score, csrf_token, sign_in, text
from tests.builders import (
    basic,
    make_api_user,
    make_key,
    make_predictions,
    make_run,
    make_user,
    score_body,
)

JUDGE = "weave:///team/proj/object/judge:v1"
PAGE = "/p/team/proj/score"
OBJECT = {
    "type": "object",
    "properties": {
        "correct": {"type": "boolean"},
        "quality": {"type": "integer", "minimum": 1, "maximum": 5},
        "tone": {"type": "string", "enum": ["kind", "neutral", "curt"]},
        "reason": {"type": "string", "maxLength": 10},
    },
    "required": ["correct", "quality"],
    "additionalProperties": False,
}
KINDS = {
    "boolean": {"type": "boolean"},
    "scale": {"type": "integer", "minimum": 1, "maximum": 5},
    "slider": {"type": "number", "minimum": 0, "maximum": 1, "multipleOf": 0.01},
    "labels": {"type": "string", "enum": ["positive", "neutral", "negative"]},
    "text": {"type": "string", "maxLength": 5},
    "object": OBJECT,
}


def _config(app, schema, scorer=JUDGE, **fields) -> int:
    with app.app_context():
        body = {"scorer": scorer, "field_schema": schema, **fields}
        return scorer_configs.save_config(
            "team", "proj", validate_scorer_config(body), "someone"
        ).version


def _url(**query) -> str:
    from urllib.parse import urlencode

    return f"{PAGE}?{urlencode({'scorer': JUDGE, **query})}" if query is not None else PAGE


def _post(client, data: dict, **query):
    url = _url(**query)
    return client.post(url, data={"csrf_token": csrf_token(client, url), **data})


def _error(response, element_id: str) -> str | None:
    found = re.search(f'<p class="error" id="{element_id}-error">(.*?)</p>', text(response))
    return unescape(found.group(1)) if found else None


def _stored(app) -> list[Score]:
    with app.app_context():
        return db.session.scalars(select(Score).order_by(Score.id)).all()


# --- Widgets --------------------------------------------------------------------------------


def _inputs(page: str, name: str) -> list[dict]:
    """The attributes of every input or textarea posting `name`."""
    found = []
    for tag, attributes in re.findall(r"<(input|textarea)([^>]*)>", page):
        attrs = dict(re.findall(r'([\w-]+)(?:="([^"]*)")?', attributes))
        if attrs.get("name") == name:
            found.append({"tag": tag, **attrs})
    return found


def test_each_kind_has_its_widget(app, signed_in):
    expected = {
        "boolean": [("radio", "true", "t"), ("radio", "false", "f")],
        "scale": [("radio", str(n), str(n)) for n in range(1, 6)],
        "labels": [
            ("radio", "positive", "1"),
            ("radio", "neutral", "2"),
            ("radio", "negative", "3"),
        ],
    }
    for kind, schema in KINDS.items():
        _config(app, schema)
        page = text(signed_in.get(_url(prediction_id="p1")))
        if kind in expected:
            found = [(i["type"], i["value"], i["data-key"]) for i in _inputs(page, "value")]
            assert found == expected[kind], kind
        elif kind == "slider":
            (box,) = _inputs(page, "value")
            assert (box["data-min"], box["data-max"], box["data-step"]) == ("0", "1", "0.01")
            assert "data-slider" in box and box["value"] == ""
        elif kind == "text":
            (box,) = _inputs(page, "value")
            assert (box["tag"], box["maxlength"]) == ("textarea", "5")
        else:
            assert [i["value"] for i in _inputs(page, "value.correct")] == ["true", "false"]
            assert [i["value"] for i in _inputs(page, "value.quality")] == list("12345")
            assert [i["data-key"] for i in _inputs(page, "value.tone")] == ["1", "2", "3"]
            assert [i["tag"] for i in _inputs(page, "value.reason")] == ["textarea"]
            # One under another, in the config's order; the optional ones say so.
            order = [page.index(f'name="value.{name}"') for name in OBJECT["properties"]]
            assert order == sorted(order)
            optional = page.count('<span class="muted">(optional)</span>')
            assert optional == 3  # tone, reason, and the comment


def test_a_scale_of_many_points_numbers_its_keys_in_order(app, signed_in):
    _config(app, {"type": "integer", "minimum": 0, "maximum": 10, "multipleOf": 5})
    page = text(signed_in.get(_url(prediction_id="p1")))
    assert [(i["value"], i["data-key"]) for i in _inputs(page, "value")] == [
        ("0", "1"),
        ("5", "2"),
        ("10", "3"),
    ]


# --- The API's messages, beside the field ---------------------------------------------------

# (kind, what the form posts, the same value sent to the API)
PARITY = [
    ("boolean", {"value": "maybe"}, "maybe"),
    ("boolean", {}, None),
    ("scale", {"value": "7"}, 7),
    ("scale", {"value": "0"}, 0),
    ("scale", {"value": "2.5"}, 2.5),
    ("scale", {"value": "lots"}, "lots"),
    ("slider", {"value": "0.355"}, 0.355),
    ("slider", {"value": "1.01"}, 1.01),
    ("labels", {"value": "Positive"}, "Positive"),
    ("text", {"value": "toolong"}, "toolong"),
    ("object", {"value.quality": "3"}, {"quality": 3}),
    (
        "object",
        {
            "value.correct": "yes",
            "value.quality": "9",
            "value.tone": "rude",
            "value.reason": "x" * 11,
        },
        {"correct": "yes", "quality": 9, "tone": "rude", "reason": "x" * 11},
    ),
]


def _element_of(kind: str, loc: list) -> str:
    """The id of the form element that shows an error at this API loc."""
    if kind != "object" or len(loc) == 2:
        return "value"
    return f"value-{list(OBJECT['properties']).index(loc[2])}"


@pytest.mark.parametrize(("kind", "form", "value"), PARITY, ids=lambda v: str(v)[:30])
def test_the_form_shows_the_apis_messages_beside_each_field(app, client, kind, form, value):
    user = make_user(app, "tess")
    key = make_key(app, user)
    version = _config(app, KINDS[kind])
    body = score_body(scorer=JUDGE, prediction_id="p1")
    if value is None:
        del body["value"]
    else:
        body["value"] = value
    api = client.post("/v2/team/proj/scores", json=body, headers=basic(key))
    assert api.status_code == 422
    expected: dict[str, list[str]] = {}
    for error in api.get_json()["detail"]:
        expected.setdefault(_element_of(kind, error["loc"]), []).append(error["msg"])
        if error["type"] == "scorer_config":
            assert error["ctx"]["version"] == version

    assert sign_in(client, "tess").status_code == 302
    response = _post(client, form, prediction_id="p1")
    assert response.status_code == 422
    shown = {element: _error(response, element) for element in expected}
    assert shown == {element: " · ".join(messages) for element, messages in expected.items()}
    assert _stored(app) == []


GOOD = [
    ("boolean", {"value": "true"}, True),
    ("boolean", {"value": "false"}, False),
    ("scale", {"value": "4"}, 4),
    ("slider", {"value": "0.37"}, 0.37),
    ("labels", {"value": "neutral"}, "neutral"),
    ("text", {"value": "hi <b"}, "hi <b"),
    ("text", {"value": ""}, None),
    ("object", {"value.correct": "false", "value.quality": "2"}, {"correct": False, "quality": 2}),
    (
        "object",
        {"value.correct": "true", "value.quality": "5", "value.tone": "curt", "value.reason": "ok"},
        {"correct": True, "quality": 5, "tone": "curt", "reason": "ok"},
    ),
]


@pytest.mark.parametrize(("kind", "form", "value"), GOOD, ids=lambda v: str(v)[:30])
def test_a_good_answer_is_stored_with_its_author_comment_and_version(
    app, signed_in, user, kind, form, value
):
    version = _config(app, KINDS[kind])
    response = _post(signed_in, {**form, "comment": "looks right"}, prediction_id="p1")
    if value is None:  # an empty text box is no answer: the value is required
        assert response.status_code == 422
        assert _error(response, "value") == "Field required"
        return
    assert response.status_code == 302
    (score,) = _stored(app)
    assert json.loads(score.value_json) == value
    assert (score.created_by, score.source, score.comment) == (user.username, "ui", "looks right")
    assert (score.scorer_config_version, score.prediction_id) == (version, "p1")
    page = text(signed_in.get(response.headers["Location"]))
    assert "Score added." in page and "looks right" in page and f"config v{version}" in page


# --- The comment ----------------------------------------------------------------------------

COMMENTS = [
    ("c" * 2000, None),
    ("c" * 2001, "String should have at most 2000 characters"),
    ("a\x00b", "String should not contain the NUL character"),
    ("line one\nline two", None),
]


@pytest.mark.parametrize(("comment", "message"), COMMENTS, ids=lambda v: str(v)[:12])
def test_the_comment_rule_is_one_for_both_forms(app, signed_in, comment, message):
    _config(app, {"type": "boolean"})
    scored = _post(signed_in, {"value": "true", "comment": comment}, prediction_id="p1")
    added = signed_in.post(
        "/scores/new",
        data={
            "csrf_token": csrf_token(signed_in, "/scores/new"),
            "entity": "team",
            "project": "proj",
            "prediction_id": "p1",
            "scorer": "other",
            "value_type": "json",
            "value": "1",
            "comment": comment,
        },
    )
    for response in (scored, added):
        if message is None:
            assert response.status_code == 302
        else:
            assert response.status_code == 422
            assert _error(response, "comment") == message
    assert [score.comment for score in _stored(app)] == ([comment] * 2 if message is None else [])


def test_a_blank_comment_is_none(app, signed_in):
    _config(app, {"type": "boolean"})
    assert (
        _post(signed_in, {"value": "true", "comment": "  \n "}, prediction_id="p").status_code
        == 302
    )
    assert [score.comment for score in _stored(app)] == [None]


# --- The page around the form ---------------------------------------------------------------


def _run(app, count: int, *, outputs=None) -> tuple[str, list[str]]:
    run_id = make_run(app)
    rows = [
        ({"question": f"question <{n}>"}, (outputs or {}).get(n, f"answer {n}"))
        for n in range(count)
    ]
    return run_id, make_predictions(app, run_id, rows)


def test_the_prediction_is_shown_beside_the_form(app, signed_in):
    _config(app, OBJECT)
    run_id, (first,) = _run(app, 1)
    page = text(signed_in.get(_url(prediction_id=first)))
    assert "question &lt;0&gt;" in page and "answer 0" in page
    # The run comes from the prediction when the URL does not name it.
    assert f'<span class="mono break">{run_id}</span>' in page
    assert "Save and next" in page
    unknown = text(signed_in.get(_url(prediction_id="never-stored")))
    assert "This prediction is not stored here" in unknown
    assert "Save and next" not in unknown


def test_save_and_next_walks_the_predictions_you_have_not_scored(app, client, signed_in, user):
    _config(app, {"type": "boolean"})
    run_id, ids = _run(app, 4)
    # ids[1] is already scored by you (through the API); ids[2] by someone else.
    key = make_key(app, user)
    for prediction_id, headers in ((ids[1], basic(key)), (ids[2], None)):
        if headers:
            body = score_body(scorer=JUDGE, prediction_id=prediction_id, value=True)
            assert (
                client.post("/v2/team/proj/scores", json=body, headers=headers).status_code == 200
            )
        else:
            add_score(app, author="other", scorer=JUDGE, prediction_id=prediction_id, value=True)

    start = signed_in.get(_url(evaluation_run_id=run_id))
    assert start.status_code == 302
    assert f"prediction_id={ids[0]}" in start.headers["Location"]
    page = text(signed_in.get(start.headers["Location"]))
    assert "1 of 4 predictions of this run scored by you" in page

    visited = [ids[0]]
    location = start.headers["Location"]
    while True:
        response = signed_in.post(
            location,
            data={"csrf_token": csrf_token(signed_in, location), "value": "false", "then": "next"},
        )
        assert response.status_code == 302
        location = response.headers["Location"]
        found = re.search(r"prediction_id=([^&]+)", location)
        if not found:
            break
        visited.append(found.group(1))
    assert visited == [ids[0], ids[2], ids[3]]
    done = text(signed_in.get(location))
    assert "No more to score" in done and "4 of 4 predictions" in done
    assert f"Saved the score of {ids[3]}." in done


def test_a_skipped_prediction_comes_back_at_the_end(app, signed_in):
    _config(app, {"type": "boolean"})
    run_id, ids = _run(app, 3)
    page = text(signed_in.get(_url(evaluation_run_id=run_id, prediction_id=ids[0])))
    skip = re.search(r'<a class="btn btn-quiet" href="([^"]*)">Skip</a>', page).group(1)
    assert f"prediction_id={ids[1]}" in skip
    for prediction_id in (ids[1], ids[2]):
        url = _url(evaluation_run_id=run_id, prediction_id=prediction_id)
        response = signed_in.post(
            url, data={"csrf_token": csrf_token(signed_in, url), "value": "true", "then": "next"}
        )
    assert f"prediction_id={ids[0]}" in response.headers["Location"]


def test_save_goes_to_the_score_and_earlier_scores_are_listed(app, signed_in):
    _config(app, {"type": "boolean"})
    response = _post(signed_in, {"value": "true", "then": "save"}, prediction_id="p1")
    score_id = response.headers["Location"].rsplit("/", 1)[1]
    assert response.headers["Location"] == f"/p/team/proj/scores/{score_id}"
    page = text(signed_in.get(_url(prediction_id="p1")))
    assert "Your earlier scores of this prediction" in page and score_id in page


def test_without_a_config_the_value_box_takes_any_json(app, signed_in):
    page = text(signed_in.get(_url(prediction_id="p1")))
    assert "No config for this scorer" in page and 'name="value_type"' in page
    bad = _post(signed_in, {"value_type": "json", "value": "{oops"}, prediction_id="p1")
    assert bad.status_code == 422
    assert _error(bad, "value").startswith("JSON decode error: Expecting property name")
    good = _post(signed_in, {"value_type": "json", "value": '{"any": [1]}'}, prediction_id="p1")
    assert good.status_code == 302
    assert [json.loads(score.value_json) for score in _stored(app)] == [{"any": [1]}]
    assert _stored(app)[0].scorer_config_version is None


def test_an_archived_config_checks_nothing(app, signed_in):
    _config(app, {"type": "boolean"})
    with app.app_context():
        scorer_configs.archive_config("team", "proj", JUDGE)
    page = text(signed_in.get(_url(prediction_id="p1")))
    assert "No config for this scorer" in page
    assert (
        _post(signed_in, {"value_type": "text", "value": "ture"}, prediction_id="p").status_code
        == 302
    )


def test_a_bad_target_is_shown_beside_its_box(app, signed_in):
    response = signed_in.get(_url(prediction_id="p" * 257, evaluation_run_id="a\x00"))
    assert response.status_code == 200
    assert _error(response, "target-prediction_id") == "String should have at most 256 characters"
    assert (
        _error(response, "target-evaluation_run_id")
        == "String should not contain the NUL character"
    )
    posted = _post(signed_in, {"value": "1"}, prediction_id="")
    assert posted.status_code == 422
    assert _error(posted, "target-prediction_id") == "String should have at least 1 character"


def test_the_page_is_the_entitys_only(app, client):
    make_api_user(app, "tess", entities=("team",))
    assert sign_in(client, "tess").status_code == 302
    assert client.get("/p/other/proj/score?scorer=s&prediction_id=p").status_code == 403
    assert client.get("/p/team/a%2Fb/score").status_code == 404
    refused = client.post("/p/team/proj/score?scorer=s&prediction_id=p", data={"value": "1"})
    assert refused.status_code == 400  # no CSRF token
    assert _stored(app) == []
