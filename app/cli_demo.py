"""`flask demo-data`: a project of realistic scores and evaluation runs, for screenshots and
trying the UI."""

import random
from datetime import UTC, datetime, timedelta

import click
from flask.cli import with_appcontext

from app.cli_demo_evals import store_demo_runs
from app.score_ids import id_at
from app.services.scores import new_score_row
from app.storage import active_configs, insert_scores, record_settled_change, write_transaction
from app.validation import validate_score

SCORERS = {
    "exact_match:v3": lambda rng: rng.random() < 0.72,
    "f1_score:v2": lambda rng: round(min(1.0, max(0.0, rng.gauss(0.68, 0.15))), 4),
    "llm_judge:v5": lambda rng: {
        "relevance": rng.choice([2, 3, 4, 4, 5, 5]),
        "faithfulness": round(rng.betavariate(8, 2), 3),
        "passed": rng.random() < 0.8,
        "reasoning": rng.choice(
            [
                "The answer cites the retrieved passage and is complete.",
                "Partially correct: misses the second part of the question.",
                "Hallucinated a date not present in the context.",
            ]
        ),
    },
    "toxicity:v1": lambda rng: {
        "flagged": rng.random() < 0.04,
        "score": round(rng.betavariate(1, 30), 4),
    },
    "latency_ms:v1": lambda rng: int(rng.lognormvariate(6.2, 0.4)),
    "label:v1": lambda rng: rng.choice(["positive", "neutral", "negative"]),
}
AUTHORS = ("alice", "bob", "ci-bot")


def demo_rows(entity: str, project: str, count: int, days: int, seed: int) -> list[dict]:
    """Rows for `count` scores spread over the last `days` days, ids matching their times."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    runs = [f"run-{rng.getrandbits(32):08x}" for _ in range(max(1, count // 150))]
    rows = []
    for index in range(count):
        name = rng.choice(list(SCORERS))
        fields = validate_score(
            {
                "prediction_id": f"pred-{index // 3:05d}",
                "scorer": f"weave:///{entity}/{project}/object/{name}",
                "value": SCORERS[name](rng),
                "evaluation_run_id": rng.choice(runs) if rng.random() < 0.85 else None,
            }
        )
        source = "ui" if rng.random() < 0.05 else "api"
        row = new_score_row(entity, project, fields, rng.choice(AUTHORS), source)
        moment = now - timedelta(seconds=rng.uniform(0, days * 86400))
        row["created_at"] = moment
        row["id"] = id_at(moment)
        rows.append(row)
    return rows


@click.command("demo-data")
@click.option("--entity", default="demo", show_default=True)
@click.option("--project", default="rag-eval", show_default=True)
@click.option("--count", default=1500, show_default=True, type=click.IntRange(1, 1_000_000))
@click.option("--days", default=14, show_default=True, type=click.IntRange(1, 3650))
@click.option("--seed", default=7, show_default=True, help="Same seed, same scores.")
@click.option(
    "--runs", default=3, show_default=True, type=click.IntRange(0, 20),
    help="Evaluation runs over one dataset, each with its predictions and scores.",
)  # fmt: skip
@click.option(
    "--rows", "rows_per_run", default=120, show_default=True, type=click.IntRange(1, 10_000),
    help="Dataset rows, so predictions per run.",
)  # fmt: skip
@with_appcontext
def demo_data_command(
    entity: str, project: str, count: int, days: int, seed: int, runs: int, rows_per_run: int
) -> None:
    """Seed ENTITY/PROJECT with realistic scores from a few typical scorers, and evaluation
    runs to compare."""
    rows = demo_rows(entity, project, count, days, seed)
    for start in range(0, len(rows), 5000):
        with write_transaction() as session:
            # Demo scorers have no configs: checked at the project's current generation.
            generation = active_configs(entity, project).generation
            insert_scores(
                session.connection(), rows[start : start + 5000], [(entity, project, generation)]
            )
            # Ids in the past land among settled ones: running workers must
            # forget the positions and summaries they remember of the project.
            record_settled_change(session.connection(), entity, project)
    click.echo(f"Added {len(rows)} demo scores to {entity}/{project}.")
    if runs:
        made, predictions = store_demo_runs(entity, project, runs, rows=rows_per_run, seed=seed)
        click.echo(f"Added {made} evaluation runs of {predictions // made} predictions each.")
