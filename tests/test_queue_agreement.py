"""Agreement on a queue against worked examples with published values, on both databases:
answers go through the review service as ordinary scores, figures come from the page."""

import re

import pytest

from app import storage
from app.services import queue_agreement, review_queues, reviewing
from app.validation import validate_score
from tests.admin.conftest import sign_in, text
from tests.builders import add_scores, make_user
from tests.queue_builders import make_config, make_items, make_queue
from tests.test_agreement import CODERS

GRADE = {"type": "integer", "minimum": 1, "maximum": 5}
LABEL = {"type": "string", "enum": ["a", "b", "c", "d", "e"]}
LABELS = {1: "a", 2: "b", 3: "c", 4: "d", 5: "e"}


def _answer_all(app, queue_id, answers_by_reviewer):
    """Each reviewer walks the queue in order, answering with their value or skipping None.
    answers_by_reviewer: reviewer -> list of {scorer: value} (None to skip), one per item."""
    with app.app_context():
        queue = review_queues.get_queue("team", "proj", queue_id)
        for reviewer, answers in answers_by_reviewer.items():
            for answer in answers:
                turn = reviewing.next_item(queue, reviewer)
                if answer is None:
                    reviewing.skip(queue, turn, reviewer)
                    continue
                fields = [
                    validate_score(
                        {"prediction_id": turn.prediction_id, "scorer": scorer, "value": value}
                    )
                    for scorer, value in answer.items()
                ]
                reviewing.submit(queue, turn, reviewer, fields, None)


def _stats(page: str, row_class: str) -> list[list[str]]:
    """Per field section, the cells of the table row with this class."""
    found = []
    for row in re.findall(rf'<tr class="{row_class}">(.*?)</tr>', page, re.S):
        found.append(re.findall(r'<td class="num"[^>]*>([^<]*)</td>', row))
    return found


def test_krippendorffs_example_through_a_queue_nominal_and_interval(app, client):
    make_config(app, "grade", GRADE)
    make_config(app, "label", LABEL)
    ids = make_items(app, 12)
    queue_id = make_queue(app, scorers=("grade", "label"), reviewers=4, predictions=ids)
    _answer_all(
        app,
        queue_id,
        {
            f"coder{n}": [
                None if value is None else {"grade": value, "label": LABELS[value]}
                for value in coder
            ]
            for n, coder in enumerate(CODERS)
        },
    )
    with app.app_context():
        queue = review_queues.get_queue("team", "proj", queue_id)
        grade, label = queue_agreement.queue_agreement(queue, "nobody")
    assert (grade.between_reviewers.level, label.between_reviewers.level) == ("interval", "nominal")
    assert grade.between_reviewers.alpha == pytest.approx(0.849, abs=5e-4)
    assert label.between_reviewers.alpha == pytest.approx(0.743, abs=5e-4)
    assert grade.between_reviewers.kappa is None  # four raters: alpha only
    # Most disagreement first: unit 6 (1, 2, 3, 4) spreads 3 points.
    assert grade.disagreements[0].prediction_id == ids[5]
    assert grade.disagreements[0].spread == 3
    make_user(app, "tess", entities=("team",))
    sign_in(client, "tess")
    page = text(client.get(f"/p/team/proj/queues/{queue_id}/agreement"))
    assert [cells[3] for cells in _stats(page, "between-reviewers")] == ["0.849", "0.743"]


def test_cohens_kappa_between_two_reviewers_and_a_judge_against_consensus(app, client):
    first = [True] * 25 + [False] * 25
    second = [True] * 20 + [False] * 5 + [True] * 10 + [False] * 15
    ids = make_items(app, 50)
    # The judge's scores come first: the builder stores them at the configs' first generation.
    add_scores(
        app,
        [
            {"prediction_id": pid, "scorer": "llm_judge", "value": {"passed": v, "why": "x"}}
            for pid, v in zip(ids, second, strict=True)
        ],
    )
    make_config(app, "correct", {"type": "boolean"})
    two = make_queue(app, name="two", reviewers=2, predictions=ids)
    _answer_all(
        app,
        two,
        {
            "ann": [{"correct": value} for value in first],
            "bob": [{"correct": value} for value in second],
        },
    )
    # One reviewer per item: the consensus is ann's answer; the judge said `second`.
    one = make_queue(app, name="one", reviewers=1, predictions=ids)
    _answer_all(app, one, {"ann": [{"correct": value} for value in first]})
    with app.app_context():
        (pair,) = queue_agreement.queue_agreement(
            review_queues.get_queue("team", "proj", two), "nobody"
        )
        queue = review_queues.get_queue("team", "proj", one)
        assert queue_agreement.judge_choices(queue) == ["correct", "llm_judge"]
        assert queue_agreement.judge_fields(queue, "llm_judge") == ["passed", "why"]
        (judged,) = queue_agreement.queue_agreement(queue, "nobody", "llm_judge", "passed")
    assert pair.between_reviewers.kappa == pytest.approx(0.4)
    assert pair.between_reviewers.percent == pytest.approx(0.7)
    assert pair.disagreeing == 15
    assert judged.with_judge.kappa == pytest.approx(0.4)
    assert judged.with_judge.percent == pytest.approx(0.7)
    assert judged.judged_items == 50 and judged.disagreeing == 15
    make_user(app, "tess", entities=("team",))
    sign_in(client, "tess")
    page = text(
        client.get(f"/p/team/proj/queues/{one}/agreement?judge=llm_judge&judge_field=passed")
    )
    assert _stats(page, "with-judge") == [["50", "0.700", "0.400", _alpha(page)]]
    page = text(client.get(f"/p/team/proj/queues/{two}/agreement"))
    assert _stats(page, "between-reviewers")[0][:3] == ["50", "0.700", "0.400"]


def _alpha(page: str) -> str:
    return _stats(page, "with-judge")[0][3]


def test_a_queue_counts_only_its_own_answers(app):
    make_config(app, "correct", {"type": "boolean"})
    ids = make_items(app, 2)
    first = make_queue(app, name="first", reviewers=2, predictions=ids)
    second = make_queue(app, name="second", reviewers=1, predictions=ids)
    both = [{"correct": True}, {"correct": False}]
    _answer_all(app, first, {"ann": both, "bob": both})
    # Later, ann answers the same predictions the other way in another queue.
    _answer_all(app, second, {"ann": [{"correct": False}, {"correct": True}]})
    with app.app_context():
        (field,) = queue_agreement.queue_agreement(
            review_queues.get_queue("team", "proj", first), "nobody"
        )
    assert field.between_reviewers.percent == pytest.approx(1.0)
    assert field.disagreeing == 0


def test_consensus_ties_and_numbers_against_a_judge(app):
    ids = make_items(app, 4)
    judge = [("a", 1), ("a", 3), ("c", 4), ("d", 2)]
    add_scores(
        app,
        [
            {"prediction_id": pid, "scorer": "llm_judge", "value": {"label": lab, "grade": g}}
            for pid, (lab, g) in zip(ids, judge, strict=True)
        ],
    )
    make_config(app, "label", LABEL)
    make_config(app, "grade", GRADE)
    labels = make_queue(app, name="labels", scorers=("label",), reviewers=2, predictions=ids)
    _answer_all(
        app,
        labels,
        {
            "ann": [{"label": value} for value in "aabc"],
            "bob": [{"label": value} for value in "abbd"],
        },
    )
    grades = make_queue(app, name="grades", scorers=("grade",), reviewers=3, predictions=ids[:3])
    _answer_all(
        app,
        grades,
        {
            "ann": [{"grade": value} for value in (1, 2, 5)],
            "bob": [{"grade": value} for value in (1, 4, 5)],
            "cy": [{"grade": 1}, {"grade": 3}, None],
        },
    )
    with app.app_context():
        queue = review_queues.get_queue("team", "proj", labels)
        (label,) = queue_agreement.queue_agreement(queue, "nobody", "llm_judge", "label")
        queue = review_queues.get_queue("team", "proj", grades)
        (grade,) = queue_agreement.queue_agreement(queue, "nobody", "llm_judge", "grade")
    # Labels: items 2 and 4 are ties (no consensus), item 3's consensus b is not the judge's c.
    assert label.between_reviewers.percent == pytest.approx(0.5)
    assert label.between_reviewers.kappa == pytest.approx(1 / 3)
    assert label.judged_items == 2
    assert label.with_judge.percent == pytest.approx(0.5)
    assert label.with_judge.kappa == pytest.approx(1 / 3)
    listed = [(d.prediction_id, d.consensus, d.judge, d.spread) for d in label.disagreements]
    assert listed == [(ids[1], None, "a", 1.0), (ids[3], None, "d", 1.0), (ids[2], "b", "c", 0.0)]
    assert label.disagreeing == 3
    assert label.disagreements[0].values == {"ann": "a", "bob": "b"}
    # Numbers: the consensus is the mean; item 3's 5 is 1 away from the judge's 4.
    assert grade.between_reviewers.percent == pytest.approx(4 / 7)
    assert (grade.judged_items, grade.with_judge.percent) == (3, pytest.approx(2 / 3))
    listed = [(d.prediction_id, d.consensus, d.judge, d.spread) for d in grade.disagreements]
    assert listed == [(ids[1], 3.0, 3, 2.0), (ids[2], 5.0, 4, 0.0)]
    assert grade.disagreeing == 2


def test_a_later_rounds_answer_counts_and_a_later_skip_does_not(app):
    make_config(app, "correct", {"type": "boolean"})
    ids = make_items(app, 2)
    queue_id = make_queue(app, reviewers=2, predictions=ids)
    _answer_all(
        app,
        queue_id,
        {"ann": [{"correct": True}] * 2, "bob": [{"correct": False}, {"correct": True}]},
    )
    with app.app_context():
        queue = review_queues.get_queue("team", "proj", queue_id)
        (before,) = queue_agreement.queue_agreement(queue, "nobody")
        item_ids = sorted(d.item_id for d in before.disagreements)
        review_queues.send_back(queue, item_ids)
    assert before.between_reviewers.percent == pytest.approx(0.5)
    # The second round: bob now agrees with ann on the first item; ann skips it.
    _answer_all(app, queue_id, {"bob": [{"correct": True}], "ann": [None]})
    with app.app_context():
        (after,) = queue_agreement.queue_agreement(
            review_queues.get_queue("team", "proj", queue_id), "nobody"
        )
        read = storage.answer_values("team", "proj", queue_id)
    # One value per reviewer and item: bob's first-round False is gone, ann's stands.
    assert sorted((row[1], row[3], row[5]) for row in read) == sorted(
        [(ids[0], "ann", "true"), (ids[0], "bob", "true")]
        + [(ids[1], "ann", "true"), (ids[1], "bob", "true")]
    )
    assert after.between_reviewers.percent == pytest.approx(1.0)
    assert after.disagreeing == 0
