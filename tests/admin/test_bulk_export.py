"""Bulk delete after confirmation; CSV and JSONL exports of the filtered view."""

import csv
import io
import json

from tests.admin.conftest import add_score, csrf_token, text

PAGE = "/p/team/proj"


def test_bulk_delete_confirms_then_deletes_only_this_project(app, signed_in):
    keep = add_score(app, prediction_id="keep")
    doomed = [add_score(app, prediction_id=f"d{n}") for n in range(2)]
    elsewhere = add_score(app, project="other-project")
    token = csrf_token(signed_in, PAGE)
    ids = [*doomed, elsewhere]
    confirm = signed_in.post(
        f"{PAGE}/delete", data={"csrf_token": token, "score_ids": ids, "back": f"{PAGE}?size=25"}
    )
    assert confirm.status_code == 200 and "Delete 3 scores?" in text(confirm)
    assert signed_in.get(f"{PAGE}/scores/{doomed[0]}").status_code == 200
    done = signed_in.post(
        f"{PAGE}/delete",
        data={"csrf_token": token, "score_ids": ids, "confirmed": "yes", "back": f"{PAGE}?size=25"},
    )
    assert done.headers["Location"] == f"{PAGE}?size=25"
    page = text(signed_in.get(PAGE))
    assert "Deleted 2 scores." in page and keep in page and doomed[0] not in page
    assert signed_in.get(f"/p/team/other-project/scores/{elsewhere}").status_code == 200


def test_bulk_delete_with_nothing_selected(app, signed_in):
    response = signed_in.post(f"{PAGE}/delete", data={"csrf_token": csrf_token(signed_in, PAGE)})
    assert response.status_code == 302
    assert "Select at least one score" in text(signed_in.get(PAGE))


def test_bulk_delete_never_redirects_off_site(app, signed_in):
    score_id = add_score(app)
    response = signed_in.post(
        f"{PAGE}/delete",
        data={
            "csrf_token": csrf_token(signed_in, PAGE),
            "score_ids": [score_id],
            "confirmed": "yes",
            "back": "//evil.example/",
        },
    )
    assert response.headers["Location"] == PAGE


def test_bulk_delete_needs_a_token_and_the_entity(app, signed_in):
    score_id = add_score(app)
    assert signed_in.post(f"{PAGE}/delete", data={"score_ids": [score_id]}).status_code == 400
    other = add_score(app, entity="other")
    response = signed_in.post(
        "/p/other/proj/delete",
        data={"csrf_token": csrf_token(signed_in, PAGE), "score_ids": [other], "confirmed": "yes"},
    )
    assert response.status_code == 403


def test_csv_export_follows_the_filters(app, signed_in):
    wanted = add_score(app, scorer="judge", value={"a": 1}, evaluation_run_id="r1")
    add_score(app, scorer="other")
    response = signed_in.get(f"{PAGE}/export.csv?scorer=judge")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(text(response))))
    assert [(row["score_id"], row["value"], row["evaluation_run_id"]) for row in rows] == [
        (wanted, '{"a":1}', "r1")
    ]


def test_csv_export_neutralises_formulas(app, signed_in):
    add_score(app, prediction_id='=HYPERLINK("x")', value=-1.5)
    row = next(csv.DictReader(io.StringIO(text(signed_in.get(f"{PAGE}/export.csv")))))
    assert row["prediction_id"] == '\'=HYPERLINK("x")'
    assert row["value"] == "-1.5"


def test_jsonl_export_is_the_api_shape(app, signed_in):
    ids = sorted(add_score(app, prediction_id=f"p{n}", value=n) for n in range(3))
    response = signed_in.get(f"{PAGE}/export.jsonl?sort=old")
    assert response.mimetype == "application/jsonl"
    lines = [json.loads(line) for line in text(response).splitlines()]
    assert [line["score_id"] for line in lines] == ids
    assert set(lines[0]) == {
        "score_id",
        "prediction_id",
        "scorer",
        "value",
        "evaluation_run_id",
        "wb_user_id",
        "created_at",
        "scorer_config_version",
        "comment",
    }


def test_exports_carry_the_comment_and_the_config_version(app, signed_in):
    from app.services import scorer_configs
    from app.validation import validate_scorer_config

    plain = add_score(app, prediction_id="p1", value=1)
    with app.app_context():
        fields = validate_scorer_config(
            {"scorer": "judge", "field_schema": {"type": "string", "enum": ["a"]}}
        )
        scorer_configs.save_config("team", "proj", fields, "tess")
    noted = add_score(
        app, prediction_id="p2", scorer="judge", value="a", comment='said "fine"\nthen left'
    )
    rows = {
        row["score_id"]: row
        for row in csv.DictReader(io.StringIO(text(signed_in.get(f"{PAGE}/export.csv"))))
    }
    assert (rows[plain]["scorer_config_version"], rows[plain]["comment"]) == ("", "")
    assert (rows[noted]["scorer_config_version"], rows[noted]["comment"]) == (
        "1",
        'said "fine"\nthen left',
    )
    lines = {
        line["score_id"]: line
        for line in map(json.loads, text(signed_in.get(f"{PAGE}/export.jsonl")).splitlines())
    }
    assert (lines[plain]["scorer_config_version"], lines[plain]["comment"]) == (None, None)
    assert (lines[noted]["scorer_config_version"], lines[noted]["comment"]) == (
        1,
        'said "fine"\nthen left',
    )


def test_unknown_export_kind_is_not_found(app, signed_in):
    assert signed_in.get(f"{PAGE}/export.xml").status_code == 404


def test_export_reads_every_batch(app, signed_in, monkeypatch):
    from app.services import browse

    monkeypatch.setattr(browse, "EXPORT_BATCH", 2)
    ids = sorted((add_score(app, prediction_id=f"p{n}") for n in range(5)), reverse=True)
    rows = list(csv.DictReader(io.StringIO(text(signed_in.get(f"{PAGE}/export.csv")))))
    assert [row["score_id"] for row in rows] == ids
