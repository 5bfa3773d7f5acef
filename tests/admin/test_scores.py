"""One score: detail, links to its filtered views, delete with confirmation."""

from tests.admin.conftest import add_score, csrf_token, text

RUN = "run-7"


def _detail(score_id: str) -> str:
    return f"/p/team/proj/scores/{score_id}"


def test_detail_shows_every_field_and_highlighted_json(app, signed_in):
    score_id = add_score(
        app,
        prediction_id="pred-9",
        evaluation_run_id=RUN,
        author="alice",
        value={"correct": True, "score": 0.25, "note": "ok", "none": None},
    )
    page = text(signed_in.get(_detail(score_id)))
    for expected in (
        score_id,
        "pred-9",
        "weave:///team/proj/object/exact_match:v1",
        RUN,
        "alice",
        ">api<",
        " UTC",
    ):
        assert expected in page
    assert (
        '<span class="j-key">&#34;correct&#34;</span>: <span class="j-literal">true</span>' in page
    )
    assert '<span class="j-number">0.25</span>' in page
    assert '<span class="j-string">&#34;ok&#34;</span>' in page
    assert 'href="/p/team/proj?prediction_id=pred-9"' in page
    assert 'href="/p/team/proj?evaluation_run_id=run-7"' in page
    assert 'href="/p/team/proj/predictions/pred-9">Prediction page<' in page
    assert 'href="/p/team/proj/runs/run-7">Run page<' in page
    assert 'href="/p/team/proj?scorer=weave' in page
    assert 'data-copy="pred-9"' in page


def test_a_score_of_another_project_is_not_found(app, signed_in):
    score_id = add_score(app, project="elsewhere")
    assert signed_in.get(_detail(score_id)).status_code == 404
    assert signed_in.get("/p/team/proj/scores/missing").status_code == 404


def test_a_score_of_a_forbidden_entity_is_refused(app, signed_in):
    score_id = add_score(app, entity="other")
    assert signed_in.get(f"/p/other/proj/scores/{score_id}").status_code == 403
    assert (
        signed_in.post(
            f"/p/other/proj/scores/{score_id}/delete",
            data={"csrf_token": csrf_token(signed_in, "/")},
        ).status_code
        == 403
    )


def test_delete_asks_then_deletes(app, signed_in):
    score_id = add_score(app)
    confirm = signed_in.get(f"{_detail(score_id)}/delete")
    assert confirm.status_code == 200 and "Delete this score?" in text(confirm)
    assert signed_in.get(_detail(score_id)).status_code == 200
    response = signed_in.post(
        f"{_detail(score_id)}/delete",
        data={"csrf_token": csrf_token(signed_in, f"{_detail(score_id)}/delete")},
    )
    assert response.headers["Location"] == "/p/team/proj"
    assert f"Deleted score {score_id}." in text(signed_in.get("/p/team/proj"))
    assert signed_in.get(_detail(score_id)).status_code == 404


def test_delete_without_a_token_is_refused(app, signed_in):
    score_id = add_score(app)
    assert signed_in.post(f"{_detail(score_id)}/delete").status_code == 400
    assert signed_in.get(_detail(score_id)).status_code == 200


def test_injected_markup_in_a_score_shows_as_text(app, signed_in):
    evil = '"><script>alert(1)</script><img src=x onerror=alert(2)>'
    score_id = add_score(
        app,
        prediction_id=evil,
        scorer=evil,
        evaluation_run_id=evil,
        author=evil[:60],
        value={evil: evil},
    )
    page = text(signed_in.get(_detail(score_id)))
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
