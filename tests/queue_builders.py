"""Builders for review-queue tests: a project with configs, predictions and a queue."""

from app.services import review_queues, scorer_configs
from app.validation import validate_review_queue, validate_scorer_config
from tests.builders import make_predictions, make_run

CORRECT = "correct"
JUDGE = "llm_judge"
BOOLEAN = {"type": "boolean"}
OBJECT = {
    "type": "object",
    "properties": {
        "correct": {"type": "boolean"},
        "quality": {"type": "integer", "minimum": 1, "maximum": 5},
    },
    "required": ["correct"],
}


def make_config(app, scorer=CORRECT, schema=None, entity="team", project="proj") -> None:
    with app.app_context():
        body = {"scorer": scorer, "field_schema": schema or BOOLEAN}
        scorer_configs.save_config(entity, project, validate_scorer_config(body), "someone")


def make_items(app, count: int, entity="team", project="proj") -> list[str]:
    """A run with `count` predictions; their ids."""
    run_id = make_run(app, entity, project)
    rows = [({"question": f"q{n}"}, f"answer {n}") for n in range(count)]
    return make_predictions(app, run_id, rows, entity, project)


def make_queue(
    app,
    *,
    name="Check answers",
    scorers=(CORRECT,),
    reviewers=1,
    blind=False,
    author="tess",
    entity="team",
    project="proj",
    predictions=(),
) -> int:
    """A queue (its scorers' configs must exist) holding the predictions; its id."""
    with app.app_context():
        settings = validate_review_queue(
            {
                "name": name,
                "scorers": list(scorers),
                "reviewers_per_item": reviewers,
                "blind": blind,
            }
        )
        queue_id = review_queues.create_queue(entity, project, settings, author)
        if predictions:
            queue = review_queues.get_queue(entity, project, queue_id)
            review_queues.add_predictions(queue, list(predictions))
        return queue_id
