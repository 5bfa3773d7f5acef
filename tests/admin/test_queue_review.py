"""Reviewing through the pages on both databases: the next item held for you, answers
stored as ordinary scores (author the reviewer, source "queue"), skip, the messages of a
refused answer, and a blind queue's pages that never show other scores before you answer."""

import re

from sqlalchemy import select

from app.extensions import db
from app.models import Score
from tests.admin.conftest import csrf_token, sign_in, text
from tests.builders import add_scores, make_user
from tests.queue_builders import OBJECT, make_config, make_items, make_queue

QUEUES = "/p/team/proj/queues"


def _open_next(client, queue_id: int) -> str:
    """Open the review page; return the URL of the item it held for you."""
    response = client.get(f"{QUEUES}/{queue_id}/review")
    assert response.status_code == 302, text(response)
    return response.headers["Location"]


def _answer(client, url: str, data: dict):
    return client.post(url, data={"csrf_token": csrf_token(client, url), **data})


def _scores(app) -> list[tuple]:
    with app.app_context():
        query = (
            select(
                Score.prediction_id,
                Score.scorer,
                Score.value_json,
                Score.created_by,
                Score.source,
                Score.comment,
            )
            .where(Score.source == "queue")
            .order_by(Score.id)
        )
        return [tuple(row) for row in db.session.execute(query)]


def test_a_reviewer_answers_skips_and_reaches_the_end(app, client):
    make_config(app, "quality", OBJECT)
    ids = make_items(app, 3)
    queue_id = make_queue(app, scorers=("quality",), predictions=ids)
    make_user(app, "ann", entities=("team",))
    sign_in(client, "ann")
    url = _open_next(client, queue_id)
    page = text(client.get(url))
    assert "answer 0" in page and 'name="s0-value.correct"' in page and "Save and next" in page
    response = _answer(
        client,
        url,
        {"s0-value.correct": "true", "s0-value.quality": "4", "comment": "fine", "then": "next"},
    )
    assert response.status_code == 302
    assert _scores(app) == [
        (ids[0], "quality", '{"correct":true,"quality":4}', "ann", "queue", "fine")
    ]
    url = _open_next(client, queue_id)
    assert "answer 1" in text(client.get(url))
    # A refused answer: the config's message beside its field, nothing stored.
    response = _answer(client, url, {"s0-value.quality": "9", "then": "next"})
    assert response.status_code == 422
    page = text(response)
    assert 'id="s0-value-1-error">9 is greater than the maximum of 5' in page
    assert 'id="s0-value-0-error">&#39;correct&#39; is a required property' in page
    assert len(_scores(app)) == 1
    assert _answer(client, url, {"then": "skip"}).status_code == 302
    url = _open_next(client, queue_id)
    assert "answer 2" in text(client.get(url))
    _answer(client, url, {"s0-value.correct": "false", "then": "next"})
    done = client.get(f"{QUEUES}/{queue_id}/review")
    assert done.status_code == 200 and 'id="done"' in text(done)
    progress = text(client.get(f"{QUEUES}/{queue_id}"))
    answered_skipped = r'<td[^>]*>ann</td><td class="num"[^>]*>2</td><td class="num"[^>]*>1</td>'
    assert re.search(answered_skipped, progress)


def test_an_item_held_by_another_is_not_yours(app, client):
    make_config(app, "correct", {"type": "boolean"})
    queue_id = make_queue(app, predictions=make_items(app, 1))
    make_user(app, "ann", entities=("team",))
    make_user(app, "bob", entities=("team",))
    sign_in(client, "ann")
    url = _open_next(client, queue_id)
    sign_in(client, "bob")
    assert 'id="done"' in text(client.get(f"{QUEUES}/{queue_id}/review"))
    taken = client.get(url)
    assert taken.status_code == 302 and "item=" not in taken.headers["Location"]


BLIND_MARKERS = ("JUDGE-SAID-417", "BOB-SAID-93")


def _blind_setup(app, blind: bool):
    ids = make_items(app, 1)
    add_scores(app, [{"prediction_id": ids[0], "scorer": "note", "value": BLIND_MARKERS[0]}])
    make_config(app, "note", {"type": "string", "maxLength": 50})
    queue_id = make_queue(app, scorers=("note",), reviewers=2, blind=blind, predictions=ids)
    make_user(app, "ann", entities=("team",))
    make_user(app, "bob", entities=("team",))
    return queue_id


def _pages_a_reviewer_reaches(client, queue_id: int, url: str) -> str:
    pages = [
        client.get(url),
        client.get(f"{QUEUES}/{queue_id}"),
        client.get(f"{QUEUES}/{queue_id}/agreement"),
        client.get(f"{QUEUES}/{queue_id}/agreement?judge=note"),
    ]
    return "".join(text(page) for page in pages)


def test_a_blind_reviewer_sees_no_other_score_until_they_answer(app, client):
    queue_id = _blind_setup(app, blind=True)
    sign_in(client, "bob")
    _answer(client, _open_next(client, queue_id), {"s0-value": BLIND_MARKERS[1], "then": "next"})
    sign_in(client, "ann")
    url = _open_next(client, queue_id)
    seen = _pages_a_reviewer_reaches(client, queue_id, url)
    assert 'id="blind-note"' in seen
    for marker in BLIND_MARKERS:
        assert marker not in seen
    _answer(client, url, {"s0-value": "ANN-SAID", "then": "next"})
    after = text(client.get(f"{QUEUES}/{queue_id}/agreement?judge=note"))
    assert all(marker in after for marker in BLIND_MARKERS)


def test_an_open_queue_shows_the_other_scores_beside_the_form(app, client):
    queue_id = _blind_setup(app, blind=False)
    sign_in(client, "bob")
    _answer(client, _open_next(client, queue_id), {"s0-value": BLIND_MARKERS[1], "then": "next"})
    sign_in(client, "ann")
    url = _open_next(client, queue_id)
    page = text(client.get(url))
    assert all(marker in page for marker in BLIND_MARKERS)
