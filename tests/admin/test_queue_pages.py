"""Review queue pages on both databases: creating (each field's message), changing and
deleting (creator or admin only), adding a view's predictions from the scores, runs and
compare pages, removing items, and who may see what."""

import re

from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from app.extensions import db
from app.models import ReviewQueue, ReviewQueueItem
from tests.admin.conftest import csrf_token, post_form, sign_in, text
from tests.builders import add_scores, make_user
from tests.queue_builders import CORRECT, make_config, make_items, make_queue

QUEUES = "/p/team/proj/queues"


def _queue_names(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(ReviewQueue.name).order_by(ReviewQueue.id)))


def _items(app, queue_id: int) -> list[str]:
    with app.app_context():
        query = select(ReviewQueueItem.prediction_id).where(ReviewQueueItem.queue_id == queue_id)
        return sorted(db.session.scalars(query))


def _error(page: str, name: str) -> str | None:
    found = re.search(f'<p class="error" id="{name}-error">(.*?)</p>', page)
    return found.group(1) if found else None


def test_creating_a_queue_through_the_form(app, signed_in):
    make_config(app)
    good = {"name": "Answers", "scorers": CORRECT, "reviewers_per_item": "3", "blind": "on"}
    response = post_form(signed_in, f"{QUEUES}/new", good)
    assert response.status_code == 302
    with app.app_context():
        queue = db.session.scalars(select(ReviewQueue)).one()
        assert (queue.name, queue.reviewers_per_item, queue.blind, queue.created_by) == (
            "Answers",
            3,
            True,
            "tess",
        )
    for field, value, message in (
        ("name", " ", "Name cannot be blank"),
        ("name", "x" * 201, "at most 200 characters"),
        ("scorers", "", "at least 1 item"),
        ("scorers", "judge-without-config", "No active scorer config"),
        ("reviewers_per_item", "0", "greater than or equal to 1"),
        ("reviewers_per_item", "6", "less than or equal to 5"),
    ):
        data = {**good, field: value}
        if field == "scorers" and not value:
            del data["scorers"]
        response = post_form(signed_in, f"{QUEUES}/new", data)
        assert response.status_code == 422, field
        assert message in (_error(text(response), field) or ""), (field, text(response)[:0])
    assert _queue_names(app) == ["Answers"]


def test_only_the_creator_or_an_admin_changes_or_deletes_a_queue(app, client):
    make_config(app)
    queue_id = make_queue(app, author="tess")
    make_user(app, "tess", entities=("team",))
    make_user(app, "olga", entities=("team",))
    make_user(app, "root", admin=True, entities=())
    settings = {"name": "Renamed", "scorers": CORRECT, "reviewers_per_item": "2"}
    sign_in(client, "olga")
    assert client.get(f"{QUEUES}/{queue_id}").status_code == 200  # may use it, review it
    assert client.get(f"{QUEUES}/{queue_id}/edit").status_code == 403
    token = csrf_token(client, f"{QUEUES}/{queue_id}")
    for path in ("edit", "delete", "items/remove", "send-back"):
        response = client.post(
            f"{QUEUES}/{queue_id}/{path}", data={"csrf_token": token, **settings}
        )
        assert response.status_code == 403, path
    client.post("/logout", data={"csrf_token": token})
    sign_in(client, "root")
    assert post_form(client, f"{QUEUES}/{queue_id}/edit", settings).status_code == 302
    assert _queue_names(app) == ["Renamed"]
    sign_in(client, "tess")
    response = post_form(client, f"{QUEUES}/{queue_id}/delete", {})
    assert response.status_code == 302 and _queue_names(app) == []


def test_a_queue_never_shows_to_another_entity_or_project(app, client):
    make_config(app)
    ids = make_items(app, 2)
    queue_id = make_queue(app, predictions=ids)
    make_user(app, "mallory", entities=("rival",))
    sign_in(client, "mallory")
    for path in ("", "/review", "/agreement", "/edit"):
        response = client.get(f"{QUEUES}/{queue_id}{path}")
        assert response.status_code == 403, path
        assert ids[0] not in text(response)
    make_user(app, "tess", entities=("team", "rival"))
    sign_in(client, "tess")
    for path in ("", "/review", "/agreement"):
        assert client.get(f"/p/team/other/queues/{queue_id}{path}").status_code == 404
        assert client.get(f"/p/rival/proj/queues/{queue_id}{path}").status_code == 404


def _add(client, query: str, queue_id: int):
    page = client.get(f"{QUEUES}/add?{query}")
    count = re.search(r'<p id="add-count">.*?<strong>([\d,]+)</strong>', text(page), re.S)
    fields = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', text(page))
    data = [(name, value) for name, value in fields] + [("queue_id", str(queue_id))]
    response = client.post(f"{QUEUES}/add", data=MultiDict(data))
    return int(count.group(1).replace(",", "")), response


def test_adding_the_predictions_of_a_scores_view_a_run_and_a_comparison(app, signed_in):
    ids = make_items(app, 6)
    other_run_ids = make_items(app, 3)
    add_scores(
        app,
        [
            {"prediction_id": pid, "scorer": "judge", "value": n % 2 == 0}
            for n, pid in enumerate(ids)
        ]
        + [{"prediction_id": "never-stored", "scorer": "judge", "value": True}],
    )
    make_config(app)  # after the builder's scores, which it stores at the first generation
    queue_id = make_queue(app)
    # The scores page links to the add page with its filters.
    page = text(signed_in.get("/p/team/proj?scorer=judge&source=api"))
    assert 'id="add-to-queue"' in page and "add_from=scores" in page
    count, response = _add(signed_in, "add_from=scores&scorer=judge", queue_id)
    assert count == 7 and response.status_code == 302
    assert _items(app, queue_id) == sorted(ids)
    run_id = _run_of(app, other_run_ids[0])
    assert f"runs={run_id}" in text(signed_in.get(f"/p/team/proj/runs/{run_id}"))
    count, response = _add(signed_in, f"add_from=runs&runs={run_id}", queue_id)
    assert count == 3 and response.status_code == 302
    assert _items(app, queue_id) == sorted(ids + other_run_ids)
    # Everything again: nothing is added twice.
    second = make_queue(app, name="second")
    first_run = _run_of(app, ids[0])
    count, _ = _add(signed_in, f"add_from=compare&runs={first_run}&runs={run_id}", second)
    assert count == 9
    assert _items(app, second) == sorted(ids + other_run_ids)
    count, _ = _add(signed_in, f"add_from=runs&runs={run_id}&runs={first_run}", second)
    assert len(_items(app, second)) == 9


def _run_of(app, prediction_id: str) -> str:
    from app.models import Prediction

    with app.app_context():
        return db.session.scalars(
            select(Prediction.evaluation_run_id).where(Prediction.id == prediction_id)
        ).one()


def test_removing_checked_items(app, signed_in):
    make_config(app)
    ids = make_items(app, 3)
    queue_id = make_queue(app, predictions=ids)
    page = text(signed_in.get(f"{QUEUES}/{queue_id}"))
    first = re.findall(r'name="item" value="(\d+)"', page)[0]
    response = post_form(
        signed_in,
        f"{QUEUES}/{queue_id}/items/remove",
        {"item": first},
        form_page=f"{QUEUES}/{queue_id}",
    )
    assert response.status_code == 302
    assert _items(app, queue_id) == sorted(ids[1:])
