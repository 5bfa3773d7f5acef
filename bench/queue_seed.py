"""The queues section's data, built in the measured app's database by its own code.

    PYTHONPATH=<app root> DATABASE_URL=... python bench/queue_seed.py ITEMS

Empties the project bench/queues, then stores a run of ITEMS predictions, a
judge's score of each, a scorer config, a queue asking 3 reviewers per item
holding every prediction, and answers (ordinary scores, source "queue"): r1
and r2 answer every item, r3 the first 30%, the bench user the next 30%; so
60% of the items are done and the bench user's next item is the first of the
rest, two reviews in. Prints {"queue_id": ..., "next_item": ...} as JSON.
"""

import json
import sys

from sqlalchemy import delete, func, insert, select, update

from app import create_app, storage
from app.models import ReviewAnswer, ReviewHold, ReviewQueue, ReviewQueueItem
from app.models._time import utcnow
from app.services import evaluation_runs, predictions, review_queues, scorer_configs, scores
from app.validation import validate_review_queue, validate_score, validate_scorer_config

ENTITY, PROJECT = "bench", "queues"
SCORER, JUDGE = "bench_review", "bench_judge"
SCHEMA = {
    "type": "object",
    "properties": {
        "correct": {"type": "boolean"},
        "quality": {"type": "integer", "minimum": 1, "maximum": 5},
    },
    "required": ["correct", "quality"],
}
BATCH = 2000
STATS_TABLES = (
    "scores",
    "score_stats",
    "fold_horizons",
    "predictions",
    "run_prediction_counts",
    "evaluation_runs",
)


def _clear() -> None:
    queues = select(ReviewQueue.id).where(
        ReviewQueue.entity == ENTITY, ReviewQueue.project == PROJECT
    )
    items = select(ReviewQueueItem.id).where(ReviewQueueItem.queue_id.in_(queues))
    with storage.core_write() as connection:
        connection.execute(delete(ReviewHold).where(ReviewHold.item_id.in_(items)))
        connection.execute(delete(ReviewAnswer).where(ReviewAnswer.queue_id.in_(queues)))
        connection.execute(delete(ReviewQueueItem).where(ReviewQueueItem.queue_id.in_(queues)))
        connection.execute(delete(ReviewQueue).where(ReviewQueue.id.in_(queues)))
        for table in (*STATS_TABLES, "scorer_configs", "scorer_config_generations"):
            connection.exec_driver_sql(
                f"DELETE FROM {table} WHERE entity = '{ENTITY}' AND project = '{PROJECT}'"
            )


def _insert(kind, rows: list[dict]) -> None:
    for start in range(0, len(rows), BATCH):
        with storage.core_write() as connection:
            chunk = rows[start : start + BATCH]
            if kind == "predictions":
                storage.insert_predictions(connection, chunk)
            else:
                generation = storage.config_generation(ENTITY, PROJECT)
                storage.insert_scores(connection, chunk, [(ENTITY, PROJECT, generation)])


def _value(number: int, reviewer: int) -> dict:
    """Mostly agreeing answers: every seventh item splits the reviewers."""
    split = number % 7 == 0 and reviewer % 2 == 1
    return {"correct": (number % 3 != 0) != split, "quality": 1 + (number + split) % 5}


def main(count: int) -> None:
    app = create_app()
    with app.app_context():
        _clear()
        run_id = evaluation_runs.create_run(
            evaluation_runs.new_run_row(
                ENTITY,
                PROJECT,
                evaluation="queue-bench",
                model="m",
                source_evaluation_run_id=None,
                author="bench",
            )  # fmt: skip
        )
        rows = [
            predictions.new_prediction_row(
                ENTITY,
                PROJECT,
                model="m",
                inputs={"question": f"q{n}"},
                output=f"answer {n}",
                evaluation_run_id=run_id,
                genai_span_ref=None,
                author="bench",
            )  # fmt: skip
            for n in range(count)
        ]
        _insert("predictions", rows)
        ids = [row["id"] for row in rows]

        def score(n: int, scorer: str, value, author: str, source: str) -> dict:
            body = {"prediction_id": ids[n], "scorer": scorer, "value": value}
            return scores.new_score_row(ENTITY, PROJECT, validate_score(body), author, source)

        _insert("scores", [score(n, JUDGE, _value(n, 0), "bench", "api") for n in range(count)])
        config = validate_scorer_config({"scorer": SCORER, "field_schema": SCHEMA})
        scorer_configs.save_config(ENTITY, PROJECT, config, "bench")
        settings = validate_review_queue(
            {"name": "bench queue", "scorers": [SCORER], "reviewers_per_item": 3}
        )
        queue_id = review_queues.create_queue(ENTITY, PROJECT, settings, "bench")
        queue = review_queues.get_queue(ENTITY, PROJECT, queue_id)
        review_queues.add_predictions(queue, ids)
        item_of = {
            prediction_id: item_id
            for item_id, prediction_id in storage.request_connection().execute(
                select(ReviewQueueItem.id, ReviewQueueItem.prediction_id).where(
                    ReviewQueueItem.queue_id == queue_id
                )
            )
        }
        third = int(count * 0.3)
        plan = [("r1", range(count)), ("r2", range(count)), ("r3", range(third)),
                ("bench", range(third, 2 * third))]  # fmt: skip
        now = utcnow()
        for number, (reviewer, numbers) in enumerate(plan):
            made = [score(n, SCORER, _value(n, number), reviewer, "queue") for n in numbers]
            _insert("scores", made)
            answers = [
                {
                    "item_id": item_of[row["prediction_id"]],
                    "reviewer": reviewer,
                    "round": 1,
                    "queue_id": queue_id,
                    "skipped": False,
                    "score_ids_json": json.dumps([row["id"]]),
                    "answered_at": now,
                }  # fmt: skip
                for row in made
            ]
            for start in range(0, len(answers), BATCH):
                with storage.core_write() as connection:
                    connection.execute(insert(ReviewAnswer), answers[start : start + BATCH])
        done = (
            select(func.count())
            .where(ReviewAnswer.item_id == ReviewQueueItem.id, ReviewAnswer.skipped.is_(False))
            .scalar_subquery()
        )
        with storage.core_write() as connection:
            connection.execute(
                update(ReviewQueueItem)
                .where(ReviewQueueItem.queue_id == queue_id)
                .values(reviews_done=done, done=done >= 3)
            )
        storage.fold_statistics(ENTITY, PROJECT)  # as a worker would have by now
        _analyze()
        print(json.dumps({"queue_id": queue_id, "next_item": item_of[ids[2 * third]]}))


def _analyze() -> None:
    """Fresh statistics of the tables just filled, and on PostgreSQL the rows the last build
    deleted or updated vacuumed, as bench/seed.py leaves its own: the measurement is of a
    database autovacuum has caught up with (a server may run with autovacuum off)."""
    from app.extensions import db

    tables = ("review_queues", "review_queue_items", "review_answers", "scores", "predictions")
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        postgresql = connection.dialect.name == "postgresql"
        for table in tables if postgresql else ("",):
            connection.exec_driver_sql(f"VACUUM ANALYZE {table}" if postgresql else "ANALYZE")


if __name__ == "__main__":
    main(int(sys.argv[1]))
