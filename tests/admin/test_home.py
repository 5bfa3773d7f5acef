"""The home page: only the entities the user may use, with bounded counts."""

from app.services import overview
from tests.admin.conftest import add_score, sign_in, text
from tests.builders import make_user


def test_lists_projects_of_granted_entities_only(app, signed_in):
    add_score(app, project="alpha", scorer="weave:///team/alpha/object/judge:v1")
    add_score(app, project="alpha", scorer="weave:///team/alpha/object/exact:v2")
    add_score(app, project="beta")
    add_score(app, entity="other", project="secret-project")
    page = text(signed_in.get("/"))
    assert 'href="/p/team/alpha"' in page and 'href="/p/team/beta"' in page
    assert "secret-project" not in page and ">other<" not in page
    row = page.split('href="/p/team/alpha"', 1)[1].split("</tr>", 1)[0]
    assert '<td class="num" data-label="Scores">2</td>' in row
    assert '<td class="num" data-label="Scorers">2</td>' in row
    assert "<time" in row


def test_granted_entity_without_scores_has_an_empty_state(app, signed_in):
    assert "No scores in this entity yet." in text(signed_in.get("/"))


def test_admin_sees_every_entity(app, client):
    admin = make_user(app, "root", admin=True, entities=())
    add_score(app, entity="other", project="secret-project")
    sign_in(client, admin.username)
    assert 'href="/p/other/secret-project"' in text(client.get("/"))


def test_admin_with_nothing_sees_the_empty_state(app, client):
    sign_in(client, make_user(app, "root2", admin=True, entities=()).username)
    assert "No projects yet" in text(client.get("/"))


def test_large_counts_are_capped(app, signed_in, monkeypatch):
    monkeypatch.setattr(overview, "COUNT_CAP", 2)
    for number in range(3):
        add_score(app, prediction_id=f"p{number}")
    assert "more than 2" in text(signed_in.get("/"))
