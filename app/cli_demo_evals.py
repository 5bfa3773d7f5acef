"""Demo evaluation runs for `flask demo-data`: one dataset, a few models, their predictions and
scores, so the runs and Compare pages have something real to show.

Each later run is a new model version: better on most rows, worse on a few
(the regressions a Compare page should surface first).
"""

import random
from datetime import UTC, datetime, timedelta

from app import storage
from app.models.evaluation_run import FINISHED
from app.score_ids import id_at
from app.services.evaluation_runs import new_run_row
from app.services.predictions import new_prediction_row
from app.services.scores import new_score_row
from app.validation import validate_score

CAPITALS = [
    ("France", "Paris"), ("Japan", "Tokyo"), ("Kenya", "Nairobi"), ("Peru", "Lima"),
    ("Canada", "Ottawa"), ("Australia", "Canberra"), ("Egypt", "Cairo"), ("Norway", "Oslo"),
    ("Brazil", "Brasília"), ("India", "New Delhi"), ("Chile", "Santiago"), ("Spain", "Madrid"),
    ("Turkey", "Ankara"), ("Vietnam", "Hanoi"), ("Morocco", "Rabat"), ("Poland", "Warsaw"),
    ("Nigeria", "Abuja"), ("Thailand", "Bangkok"), ("Iceland", "Reykjavík"), ("Ghana", "Accra"),
]  # fmt: skip
WRONG = ["Sydney", "Istanbul", "Lagos", "Toronto", "Rio de Janeiro", "Mumbai", "Casablanca"]
MODELS = ("rag-small:v1", "rag-small:v2", "rag-large:v1")


def _dataset(rows: int) -> list[dict]:
    phrasings = ("What is the capital of {}?", "Name the capital city of {}.", "{}: capital?")
    return [
        {
            "question": phrasings[index // len(CAPITALS) % len(phrasings)].format(
                CAPITALS[index % len(CAPITALS)][0]
            ),
            "row": index,
        }
        for index in range(rows)
    ]


def _scores(rng: random.Random, skill: float, answer: str, truth: str) -> dict:
    right = answer == truth
    return {
        "exact_match:v2": right,
        "f1_score:v1": 1.0 if right else round(rng.uniform(0.0, 0.5), 3),
        "llm_judge:v3": {
            "passed": right or rng.random() < 0.1,
            "relevance": rng.choice([4, 5]) if right else rng.choice([1, 2, 3]),
            "reasoning": "Names the capital." if right else "Names another city.",
        },
        "faithfulness:v1": round(min(1.0, max(0.0, rng.gauss(skill, 0.08))), 3),
    }


def demo_runs(
    entity: str, project: str, runs: int, rows: int, seed: int
) -> tuple[list, list, list]:
    """Rows of runs, predictions and scores: `runs` models over one dataset of `rows` rows."""
    rng = random.Random(seed)
    dataset = _dataset(rows)
    start = datetime.now(UTC) - timedelta(days=runs + 1)
    made_runs, predictions, scores = [], [], []
    for number in range(runs):
        model = MODELS[number % len(MODELS)]
        skill = 0.6 + 0.12 * number
        run = new_run_row(
            entity,
            project,
            evaluation=f"weave:///{entity}/{project}/object/capitals-eval:v1",
            model=f"weave:///{entity}/{project}/object/{model}",
            source_evaluation_run_id=None,
            author="ci-bot",
        )
        moment = start + timedelta(days=number)
        run.update(id=id_at(moment), started_at=moment, status=FINISHED)
        for inputs in dataset:
            truth = CAPITALS[inputs["row"] % len(CAPITALS)][1]
            # Row by row, a newer model is usually right where the older one was, not always.
            right = rng.random() < skill
            answer = truth if right else rng.choice(WRONG)
            moment += timedelta(seconds=rng.uniform(0.5, 3))
            prediction = new_prediction_row(
                entity,
                project,
                model=run["model"],
                inputs=inputs,
                output=answer,
                evaluation_run_id=run["id"],
                genai_span_ref=None,
                author="ci-bot",
            )
            prediction.update(id=id_at(moment), created_at=moment, finished_at=moment)
            predictions.append(prediction)
            for scorer, value in _scores(rng, skill, answer, truth).items():
                moment += timedelta(milliseconds=rng.randint(5, 50))
                fields = validate_score(
                    {
                        "prediction_id": prediction["id"],
                        "scorer": f"weave:///{entity}/{project}/object/{scorer}",
                        "value": value,
                        "evaluation_run_id": run["id"],
                    }
                )
                score = new_score_row(entity, project, fields, "ci-bot", "api")
                score.update(id=id_at(moment), created_at=moment)
                scores.append(score)
        run["finished_at"] = moment
        made_runs.append(run)
    return made_runs, predictions, scores


def store_demo_runs(entity: str, project: str, runs: int, rows: int, seed: int) -> tuple[int, int]:
    """Store demo runs with their predictions and scores; return (runs, predictions)."""
    made_runs, predictions, scores = demo_runs(entity, project, runs, rows, seed)
    for run in made_runs:
        storage.insert_run(run)
    with storage.core_write() as connection:
        storage.insert_predictions(connection, predictions)
        stamp = (entity, project, storage.config_generation(entity, project))
        storage.insert_scores(connection, scores, [stamp])
        # Ids in the past land among settled ones (see cli_demo.py).
        storage.record_settled_change(connection, entity, project)
    return len(made_runs), len(predictions)
