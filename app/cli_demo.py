"""`flask demo-data`: three evaluation runs of different models over one dataset, to try
the review pages on: runs, predictions with inputs and outputs, and scores from four
scorers, with one run clearly worse at arithmetic than the others."""

import json
import random
from datetime import UTC, datetime, timedelta

import click
from flask.cli import with_appcontext

from app import storage
from app.score_ids import id_at
from app.services.evaluation_runs import new_run_row
from app.services.predictions import new_prediction_row
from app.services.scores import new_score_row
from app.validation import validate_score

CAPITALS = [
    ("France", "Paris"), ("Japan", "Tokyo"), ("Canada", "Ottawa"), ("Australia", "Canberra"),
    ("Brazil", "Brasília"), ("Kenya", "Nairobi"), ("Norway", "Oslo"), ("Egypt", "Cairo"),
    ("Chile", "Santiago"), ("Vietnam", "Hanoi"), ("Poland", "Warsaw"), ("Peru", "Lima"),
    ("Turkey", "Ankara"), ("Morocco", "Rabat"), ("Nigeria", "Abuja"), ("Portugal", "Lisbon"),
    ("Thailand", "Bangkok"), ("Ghana", "Accra"), ("Austria", "Vienna"), ("Cuba", "Havana"),
]  # fmt: skip
SCIENCE = [
    ("What gas do plants take in for photosynthesis?", "carbon dioxide"),
    ("What is the chemical symbol for gold?", "Au"),
    ("How many bones are in the adult human body?", "206"),
    ("What planet is known as the Red Planet?", "Mars"),
    ("What is the boiling point of water at sea level in Celsius?", "100"),
    ("What particle has a negative electric charge?", "electron"),
    ("What is the largest organ of the human body?", "skin"),
    ("What force keeps the planets in orbit around the Sun?", "gravity"),
    ("What is the hardest natural substance?", "diamond"),
    ("How many chromosomes do humans have?", "46"),
    ("What is the chemical formula for table salt?", "NaCl"),
    ("What is the speed of light in km/s, roughly?", "300000"),
    ("Which blood cells fight infection?", "white blood cells"),
    ("What is the closest star to Earth?", "the Sun"),
    ("What metal is liquid at room temperature?", "mercury"),
    ("What is the main gas in Earth's atmosphere?", "nitrogen"),
    ("What organ pumps blood through the body?", "heart"),
    ("What is H2O commonly called?", "water"),
    ("How many planets are in the Solar System?", "8"),
    ("What is the freezing point of water in Fahrenheit?", "32"),
]
CITIES = [capital for _country, capital in CAPITALS]
# Per model: how often it answers each category right, and how often verbosely.
MODELS = [
    ("gpt-4o-mini", 3, {"capitals": 0.95, "arithmetic": 0.9, "science": 0.85}, 0.1),
    ("claude-3-5-haiku", 1, {"capitals": 0.97, "arithmetic": 0.93, "science": 0.9}, 0.2),
    ("qwen2.5-7b-instruct", 2, {"capitals": 0.93, "arithmetic": 0.35, "science": 0.8}, 0.1),
]
REVIEWERS = ("alice", "bob")


def dataset(size: int, rng: random.Random) -> list[dict]:
    """`size` questions: capitals, arithmetic and science in turn, each with its answer."""
    rows = []
    for index in range(size):
        kind = ("capitals", "arithmetic", "science")[index % 3]
        number = index // 3
        if kind == "capitals":
            country, capital = CAPITALS[number % len(CAPITALS)]
            question, expected = f"What is the capital of {country}?", capital
        elif kind == "arithmetic":
            a, b = rng.randint(12, 99), rng.randint(3, 48)
            question, expected = f"What is {a} × {b}?", str(a * b)
        else:
            question, expected = SCIENCE[number % len(SCIENCE)]
        if number >= 20:  # past the lists: the same facts, asked again in other words
            question = f"{question} (variant {number // 20})"
        rows.append({"question": question, "category": kind, "expected": expected})
    return rows


def answer(row: dict, right: float, verbose: float, rng: random.Random) -> str:
    """What a model with these rates answers to a row."""
    expected = row["expected"]
    roll = rng.random()
    if roll < right * (1 - verbose):
        return expected
    if roll < right:
        return f"The answer is {expected}, as far as I know."
    if roll > 0.97:
        return "I'm not sure."
    if row["category"] == "arithmetic":
        return str(int(expected) + rng.choice([-10, -1, 1, 2, 10, 100]))
    if row["category"] == "capitals":
        return rng.choice([city for city in CITIES if city != expected])
    return rng.choice(["oxygen", "Venus", "iron", "12", "proton", "liver"])


def _tokens(text: str) -> list[str]:
    return [word.strip(".,?!").lower() for word in text.split() if word.strip(".,?!")]


def f1(output: str, expected: str) -> float:
    """Token overlap of an answer with the expected one (the usual QA F1)."""
    got, want = _tokens(output), _tokens(expected)
    common = sum(min(got.count(word), want.count(word)) for word in set(want))
    if not common:
        return 0.0
    precision, recall = common / len(got), common / len(want)
    return round(2 * precision * recall / (precision + recall), 4)


def scores_of(output: str, expected: str, rng: random.Random) -> dict[str, object]:
    """Each scorer's value for one answer."""
    exact = output.strip().lower() == expected.lower()
    contains = expected.lower() in output.lower()
    refused = output == "I'm not sure."
    if exact:
        verdict, relevance, reasoning = "correct", 5, "Matches the expected answer exactly."
    elif contains:
        verdict, relevance = "correct but verbose", 4
        reasoning = "Right answer, wrapped in extra words."
    elif refused:
        verdict, relevance, reasoning = "refused", 1, "The model declined to answer."
    else:
        verdict, relevance = "incorrect", rng.choice([1, 2, 2, 3])
        reasoning = f"Expected {expected}; the answer given is wrong."
    return {
        "exact_match": exact,
        "f1_score": f1(output, expected),
        "llm_judge": {"passed": contains, "relevance": relevance, "reasoning": reasoning},
        "verdict": verdict,
    }


def demo_rows(entity: str, project: str, questions: int, seed: int) -> dict[str, list[dict]]:
    """The runs, predictions and scores of the demo, ids matching their times."""
    rng = random.Random(seed)
    rows = dataset(questions, rng)
    now = datetime.now(UTC).replace(microsecond=0)
    made: dict[str, list[dict]] = {"runs": [], "predictions": [], "scores": []}
    ref = f"weave:///{entity}/{project}/object"
    for number, (model, version, right, verbose) in enumerate(MODELS):
        started = now - timedelta(days=len(MODELS) - number, hours=rng.randint(1, 5))
        run = new_run_row(
            entity,
            project,
            evaluation=f"{ref}/qa-eval:v2",
            model=f"{ref}/{model}:v{version}",
            source_evaluation_run_id=None,
            author="ci-bot",
        )
        run.update(id=id_at(started), started_at=started)
        moment = started
        for row in rows:
            moment += timedelta(seconds=rng.uniform(0.5, 3.0))
            output = answer(row, right[row["category"]], verbose, rng)
            prediction = new_prediction_row(
                entity,
                project,
                model=run["model"],
                inputs=row,
                output=output,
                evaluation_run_id=run["id"],
                genai_span_ref=None,
                author="ci-bot",
            )
            prediction.update(id=id_at(moment), created_at=moment, finished_at=moment)
            made["predictions"].append(prediction)
            for name, value in scores_of(output, row["expected"], rng).items():
                moment += timedelta(milliseconds=rng.randint(5, 400))
                human = name == "verdict"
                fields = validate_score(
                    {
                        "prediction_id": prediction["id"],
                        "scorer": f"{ref}/{name}:v{3 if name == 'exact_match' else 1}",
                        "value": value,
                        "evaluation_run_id": run["id"],
                    }
                )
                author = rng.choice(REVIEWERS) if human else "ci-bot"
                score = new_score_row(entity, project, fields, author, "ui" if human else "api")
                score.update(id=id_at(moment), created_at=moment)
                made["scores"].append(score)
        run["finished_at"] = moment + timedelta(seconds=2)
        made["runs"].append(run)
    return made


@click.command("demo-data")
@click.option("--entity", default="demo", show_default=True)
@click.option("--project", default="rag-eval", show_default=True)
@click.option(
    "--questions", default=60, show_default=True, type=click.IntRange(3, 10_000),
    help="Rows of the dataset each run answers.",
)  # fmt: skip
@click.option("--seed", default=7, show_default=True, help="Same seed, same answers and scores.")
@with_appcontext
def demo_data_command(entity: str, project: str, questions: int, seed: int) -> None:
    """Seed ENTITY/PROJECT with three evaluation runs over one dataset, scored."""
    made = demo_rows(entity, project, questions, seed)
    for run in made["runs"]:
        storage.insert_run({**run, "finished_at": None})
    with storage.core_write() as connection:
        storage.insert_predictions(connection, made["predictions"])
        stamp = (entity, project, storage.config_generation(entity, project))
        storage.insert_scores(connection, made["scores"], [stamp])
        # Ids in the past land among settled ones: running workers must
        # forget the list positions they remember of the project.
        storage.record_settled_change(connection, entity, project)
    for run in made["runs"]:
        summary = {"questions": questions}
        storage.finish_run(entity, project, run["id"], json.dumps(summary), run["finished_at"])
    click.echo(
        f"Added {len(made['runs'])} runs of {questions} predictions each"
        f" ({len(made['scores'])} scores) to {entity}/{project}."
    )
    click.echo(f"Open /p/{entity}/{project}/runs to review and compare them.")
