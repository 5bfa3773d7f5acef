"""The runs of a project as the runs page lists them: what each is, and its headline numbers.

Every number comes from the statistics kept with the scores and the
prediction counts kept with the predictions, so the page reads a few rows
per run whatever the runs hold.
"""

from dataclasses import dataclass, field
from datetime import datetime

from app import storage
from app.services.run_summary import LeafSummary, ScorerSummary, grouped


@dataclass
class RunLine:
    """One run of the runs page."""

    run_id: str
    created: bool  # made through the API (else only named by predictions or scores)
    evaluation: str | None
    model: str | None
    status: str | None
    started_at: datetime | None
    finished_at: datetime | None
    predictions: int
    scores: int
    scorers: dict[str, ScorerSummary] = field(default_factory=dict)  # by short name

    def headline(self, key: str) -> LeafSummary | None:
        """The main leaf of the run's scorer with this short name, if it scored."""
        summary = self.scorers.get(key)
        return summary.main if summary is not None else None


@dataclass
class RunsOverview:
    """Every run of a project, and the short names of the scorers any of them used."""

    runs: list[RunLine]
    scorer_keys: list[str]


def runs_overview(entity: str, project: str) -> RunsOverview:
    """The project's runs, created ones newest first, then those only named, by id."""
    # The statistics first: reading them counts again what deletions left dirty,
    # so the score counts below are current too.
    by_run: dict[str, list[dict]] = {}
    for row in storage.stats_rows(entity, project):
        by_run.setdefault(row["run_key"], []).append(row)
    summaries = {run_key: grouped(rows, by_key=True) for run_key, rows in by_run.items()}
    lines = []
    keys: set[str] = set()
    for totals in storage.project_runs(entity, project):
        scorers = {summary.key: summary for summary in summaries.get(totals.run_id, [])}
        scores = sum(summary.count for summary in scorers.values())
        run = totals.run
        if run is None and not totals.predictions and not scores:
            continue  # every score it named is gone
        keys.update(scorers)
        lines.append(
            RunLine(
                totals.run_id,
                run is not None,
                run.evaluation if run else None,
                run.model if run else None,
                run.status if run else None,
                run.started_at if run else None,
                run.finished_at if run else None,
                totals.predictions,
                scores,
                scorers,
            )
        )
    return RunsOverview(lines, sorted(keys))


@dataclass
class RunChoice:
    run_id: str
    evaluation: str | None
    model: str | None
    predictions: int
    scores: int


def run_choices(entity: str, project: str) -> list[RunChoice]:
    """The project's runs to pick from: created runs oldest first, then runs only named."""
    totals = storage.project_runs(entity, project)
    made = [item for item in totals if item.run is not None][::-1]
    named = [item for item in totals if item.run is None]
    return [
        RunChoice(
            item.run_id,
            item.run.evaluation if item.run else None,
            item.run.model if item.run else None,
            item.predictions,
            item.scores,
        )
        for item in made + named
    ]
