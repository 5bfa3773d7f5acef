"""Review queues on both databases: settings validated field by field, items added in bulk
never twice and only from the queue's own project, removed, and progress counted."""

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import ReviewQueueItem
from app.services import review_queues, reviewing
from app.services.errors import DomainError
from app.validation import RulesError, validate_review_queue
from tests.queue_builders import CORRECT, JUDGE, make_config, make_items, make_queue

VALID = {"name": "Check answers", "scorers": [CORRECT], "reviewers_per_item": 2, "blind": True}


def _errors(data) -> dict:
    with pytest.raises(RulesError) as caught:
        validate_review_queue(data)
    return {error["loc"][0]: error["type"] for error in caught.value.errors}


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("name", "", "string_too_short"),
        ("name", "   ", "value_error"),
        ("name", "x" * 201, "string_too_long"),
        ("name", "a\x00b", "string_nul"),
        ("scorers", [], "too_short"),
        ("scorers", [f"s{n}" for n in range(11)], "too_long"),
        ("scorers", [""], "string_too_short"),
        ("reviewers_per_item", 0, "greater_than_equal"),
        ("reviewers_per_item", 6, "less_than_equal"),
        ("reviewers_per_item", "two", "int_parsing"),
        ("blind", "maybe", "bool_parsing"),
    ],
)
def test_each_invalid_setting_is_refused(field, value, error):
    found = _errors({**VALID, field: value})
    assert list(found) == [field]
    if error != "string_nul":  # the NUL rule's type is the shared identifier rule's
        assert found[field] == error


def test_the_limits_themselves_are_accepted():
    for reviewers in (1, 5):
        assert validate_review_queue({**VALID, "reviewers_per_item": reviewers})
    assert validate_review_queue({**VALID, "name": "x" * 200}).name == "x" * 200
    assert (
        len(validate_review_queue({**VALID, "scorers": [f"s{n}" for n in range(10)]}).scorers) == 10
    )
    for missing in ("name", "scorers", "reviewers_per_item"):
        assert missing in _errors({k: v for k, v in VALID.items() if k != missing})


def test_a_scorer_without_a_config_in_the_project_is_refused(app):
    make_config(app, CORRECT)
    make_config(app, JUDGE, project="other")
    with app.app_context():
        settings = validate_review_queue({**VALID, "scorers": [CORRECT, JUDGE]})
        with pytest.raises(RulesError) as caught:
            review_queues.create_queue("team", "proj", settings, "tess")
        assert [error["loc"] for error in caught.value.errors] == [("scorers", 1)]
        assert review_queues.list_queues("team", "proj") == []


def _item_count(app, queue_id: int) -> int:
    with app.app_context():
        query = select(func.count()).where(ReviewQueueItem.queue_id == queue_id)
        return db.session.execute(query).scalar_one()


def test_bulk_add_takes_thousands_and_never_adds_one_twice(app):
    make_config(app)
    ids = make_items(app, 4500)
    queue_id = make_queue(app)
    with app.app_context():
        queue = review_queues.get_queue("team", "proj", queue_id)
        assert review_queues.add_predictions(queue, ids[:3000] + ids[:10]) == 3000
        assert review_queues.add_predictions(queue, ids[2500:]) == 1500
        assert review_queues.add_predictions(queue, ids) == 0
    assert _item_count(app, queue_id) == 4500


def test_predictions_of_another_project_or_entity_are_refused_and_none_added(app):
    make_config(app)
    ours = make_items(app, 3)
    theirs = make_items(app, 1, project="other") + make_items(app, 1, entity="rival")
    queue_id = make_queue(app)
    with app.app_context():
        queue = review_queues.get_queue("team", "proj", queue_id)
        for foreign in theirs + ["never-stored"]:
            with pytest.raises(DomainError) as caught:
                review_queues.add_predictions(queue, ours + [foreign])
            assert caught.value.field == "prediction_ids"
        with pytest.raises(DomainError):
            review_queues.add_predictions(queue, [])
    assert _item_count(app, queue_id) == 0
    with app.app_context(), pytest.raises(review_queues.NotFound):
        review_queues.get_queue("team", "other", queue_id)


def test_removing_items_takes_them_and_their_answers_away(app):
    make_config(app)
    ids = make_items(app, 5)
    queue_id = make_queue(app, predictions=ids)
    with app.app_context():
        queue = review_queues.get_queue("team", "proj", queue_id)
        turn = reviewing.next_item(queue, "ann")
        reviewing.skip(queue, turn, "ann")
        first_two = [item.id for item in review_queues.items(queue)[:2]]
        assert review_queues.remove_items(queue, first_two) == 2
        assert [item.prediction_id for item in review_queues.items(queue)] == ids[2:]
        assert review_queues.progress(queue).reviewers == []  # ann's skip went with its item


def test_asking_fewer_reviewers_marks_items_done_and_more_opens_them(app):
    make_config(app)
    queue_id = make_queue(app, reviewers=2, predictions=make_items(app, 2))
    with app.app_context():
        queue = review_queues.get_queue("team", "proj", queue_id)
        reviewing.answered(queue, reviewing.next_item(queue, "ann"), "ann", [])
        for reviewers, done in ((1, 1), (3, 0), (2, 0)):
            settings = validate_review_queue({**VALID, "reviewers_per_item": reviewers})
            review_queues.change_queue(queue, settings, _Admin())
            assert review_queues.get_queue("team", "proj", queue_id).done_items == done


class _Admin:
    is_admin = True
    username = "root"


def test_progress_counts_items_done_and_each_reviewers_answers(app):
    make_config(app)
    queue_id = make_queue(app, reviewers=2, predictions=make_items(app, 3))
    with app.app_context():
        queue = review_queues.get_queue("team", "proj", queue_id)
        for reviewer, actions in (("ann", "aas"), ("bob", "aa")):
            for action in actions:
                turn = reviewing.next_item(queue, reviewer)
                if action == "a":
                    reviewing.answered(queue, turn, reviewer, [])
                else:
                    reviewing.skip(queue, turn, reviewer)
        progress = review_queues.progress(queue)
        assert (progress.items, progress.done) == (3, 2)
        assert [(r.reviewer, r.answered, r.skipped) for r in progress.reviewers] == [
            ("ann", 2, 1),
            ("bob", 2, 0),
        ]
        assert review_queues.get_queue("team", "proj", queue_id).done_items == 2
