"""Holds on both databases: the next item skips what you answered and what others hold,
the last review goes to one reviewer only, and an abandoned hold expires."""

from app.services import review_queues, reviewing
from tests.queue_builders import make_config, make_items, make_queue


def _queue(app, queue_id):
    return review_queues.get_queue("team", "proj", queue_id)


def test_the_next_item_is_the_oldest_you_have_not_answered_or_skipped(app):
    make_config(app)
    ids = make_items(app, 3)
    queue_id = make_queue(app, reviewers=2, predictions=ids)
    with app.app_context():
        queue = _queue(app, queue_id)
        first = reviewing.next_item(queue, "ann")
        assert first.prediction_id == ids[0]
        reviewing.answered(queue, first, "ann", [])
        second = reviewing.next_item(queue, "ann")
        assert second.prediction_id == ids[1]
        reviewing.skip(queue, second, "ann")
        assert reviewing.next_item(queue, "ann").prediction_id == ids[2]
        # Bob still gets the first: it needs a second review.
        assert reviewing.next_item(queue, "bob").prediction_id == ids[0]


def test_the_last_review_of_an_item_goes_to_one_reviewer(app):
    make_config(app)
    queue_id = make_queue(app, reviewers=2, predictions=make_items(app, 1))
    with app.app_context():
        queue = _queue(app, queue_id)
        ann = reviewing.next_item(queue, "ann")
        bob = reviewing.next_item(queue, "bob")
        assert ann.item_id == bob.item_id  # two reviews wanted: both may hold it
        assert reviewing.next_item(queue, "cat") is None
        assert reviewing.resume(queue, ann.item_id, "cat") is None
        reviewing.answered(queue, ann, "ann", [])
        assert reviewing.next_item(queue, "cat") is None  # bob holds the last review
        reviewing.answered(queue, bob, "bob", [])
        assert reviewing.next_item(queue, "cat") is None  # done
        assert _queue(app, queue_id).done_items == 1


def test_an_abandoned_hold_expires_and_the_item_goes_back(app):
    make_config(app)
    queue_id = make_queue(app, predictions=make_items(app, 1))
    with app.app_context():
        queue = _queue(app, queue_id)
        app.config["REVIEW_HOLD_SECONDS"] = 0  # every hold expires as it is taken
        held = reviewing.next_item(queue, "ann")
        assert reviewing.next_item(queue, "bob").item_id == held.item_id
        app.config["REVIEW_HOLD_SECONDS"] = 300
        assert reviewing.next_item(queue, "cat").item_id == held.item_id
        assert reviewing.next_item(queue, "dan") is None
        assert reviewing.resume(queue, held.item_id, "cat") is not None  # renews their own


def test_sending_items_back_opens_them_for_everyone_again(app):
    make_config(app)
    queue_id = make_queue(app, predictions=make_items(app, 1))
    with app.app_context():
        queue = _queue(app, queue_id)
        turn = reviewing.next_item(queue, "ann")
        reviewing.answered(queue, turn, "ann", [])
        assert reviewing.next_item(queue, "ann") is None
        from app import storage

        assert storage.send_back(queue.id, [turn.item_id]) == 1
        again = reviewing.next_item(queue, "ann")
        assert again.item_id == turn.item_id and again.round == 2


def test_reviewers_taking_the_last_review_at_once_get_it_once(app):
    """Twelve threads, each its own connection, take the one free review together, on each
    of twenty items."""
    import threading

    from app import storage
    from app.models._time import utcnow

    make_config(app)
    queue_id = make_queue(app, reviewers=2, predictions=make_items(app, 20))
    with app.app_context():
        queue = _queue(app, queue_id)
        items = [item.id for item in review_queues.items(queue)]
        for item_id in items:  # one of the two reviews is held already
            now = utcnow()
            assert storage.take_hold(item_id, "first", 2, now, now.replace(year=now.year + 1))
    start = threading.Barrier(12)
    won: dict[int, list[str]] = {item_id: [] for item_id in items}

    def take(name: str) -> None:
        with app.app_context():
            for item_id in items:
                start.wait()
                now = utcnow()
                if storage.take_hold(item_id, name, 2, now, now.replace(year=now.year + 1)):
                    won[item_id].append(name)

    threads = [threading.Thread(target=take, args=(f"r{n}",)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [len(names) for names in won.values()] == [1] * len(items)


def test_a_reviewer_who_comes_while_another_is_taking_the_last_review_waits_and_loses(app):
    """The race made certain: ann's hold is written and not yet committed when bob tries.
    Bob must wait for ann's transaction (PostgreSQL's row lock, SQLite's one writer) and
    then find the review taken; counting without the lock, he would take it too."""
    import threading

    from sqlalchemy import event

    from app import storage
    from app.extensions import db
    from app.models._time import utcnow

    make_config(app)
    queue_id = make_queue(app, reviewers=1, predictions=make_items(app, 1))
    ann_wrote, let_ann_commit = threading.Event(), threading.Event()
    results: dict[str, bool] = {}

    def pause_ann(_conn, _cursor, statement, _params, _context, _many):
        if threading.current_thread().name == "ann" and "INSERT INTO review_holds" in statement:
            ann_wrote.set()
            let_ann_commit.wait(10)

    def take(name: str, item_id: int) -> None:
        with app.app_context():
            now = utcnow()
            results[name] = storage.take_hold(item_id, name, 1, now, now.replace(year=now.year + 1))

    with app.app_context():
        (item,) = review_queues.items(_queue(app, queue_id))
        engine = db.engine
    event.listen(engine, "after_cursor_execute", pause_ann)
    try:
        ann = threading.Thread(target=take, args=("ann", item.id), name="ann")
        ann.start()
        assert ann_wrote.wait(10)
        bob = threading.Thread(target=take, args=("bob", item.id), name="bob")
        bob.start()
        bob.join(1.0)  # with the lock he is still waiting; without it he has finished
        let_ann_commit.set()
        ann.join(10)
        bob.join(10)
    finally:
        let_ann_commit.set()
        event.remove(engine, "after_cursor_execute", pause_ann)
    assert results == {"ann": True, "bob": False}
