"""One run as its page shows it: what it is, its exact per-scorer summary, and its rows.

A row is one prediction of the run with its inputs, output and scores, one
per scorer short name (the newest, when a scorer scored it more than once).
A run only named by scores has rows too: the predictions its scores name.
"""

from dataclasses import dataclass, field

from app import storage
from app.models import EvaluationRun
from app.services import distributions, scorer_configs, scorer_views
from app.services.distribution_folds import LeafDistribution
from app.services.run_summary import ScorerSummary, run_summaries, scorer_key
from app.services.score_summary import RUN_DISTRIBUTION_LIMIT
from app.services.scorer_views import ScorerView

PAGE_SIZE = 50


@dataclass
class RunView:
    """A run's header and summary."""

    run_id: str
    run: EvaluationRun | None  # None for a run only named by predictions or scores
    predictions: int
    scores: int
    scorers: list[ScorerSummary]  # by short name
    # By short name, then leaf path; None for a scorer with too many scores to read.
    distributions: dict[str, dict[str, LeafDistribution] | None]
    # The scorers as their cards show them: by their configs, a short name taking the
    # config saved last among its versions' (scorer_configs.Presentations.by_key).
    views: list[ScorerView] = field(default_factory=list)

    @property
    def scorer_keys(self) -> list[str]:
        """The short names of the run's scorers, in order."""
        return [summary.key for summary in self.scorers]


def run_view(entity: str, project: str, run_id: str) -> RunView | None:
    """The run with this id, or None when no created run, prediction or score names it."""
    run, predictions = storage.run_totals(entity, project, run_id)
    scorers = run_summaries(entity, project, [run_id], by_key=True)[run_id]
    scores = sum(summary.count for summary in scorers)
    if run is None and not predictions and not scores:
        return None
    readable = [summary for summary in scorers if summary.count <= RUN_DISTRIBUTION_LIMIT]
    found: dict[str, dict[str, LeafDistribution] | None] = dict.fromkeys(
        (summary.key for summary in scorers), None
    )
    if readable:
        deletions = storage.project_deletions(entity, project)
        every = len(readable) == len(scorers)
        found.update(
            distributions.of_scope(entity, project, readable, deletions, run_id, every_scorer=every)
        )
    view = RunView(run_id, run, predictions, scores, scorers, found)
    if scorers:
        shown = scorer_configs.presentations(entity, project).by_key()
        view.views = scorer_views.present(scorers, found, shown)
    return view


@dataclass
class Cell:
    """A scorer's score of one row: the newest, and how many others it gave the row."""

    score_id: str
    scorer: str
    value_text: str
    value_length: int
    others: int = 0


@dataclass
class Row:
    """One row of a run: a prediction (None when only scores name it) and its scores."""

    prediction_id: str
    prediction: storage.PredictionPreview | None
    cells: dict[str, Cell] = field(default_factory=dict)  # by scorer short name


@dataclass
class RowsPage:
    """A page of a run's rows, with cursors for its neighbours."""

    rows: list[Row]
    scorer_keys: list[str]  # the columns: the run's scorers, then any other on the page
    next_cursor: str | None = None
    prev_cursor: str | None = None
    from_scores: bool = False  # the rows are the predictions the run's scores name


def run_rows(
    entity: str,
    project: str,
    view: RunView,
    after: str | None = None,
    before: str | None = None,
) -> RowsPage:
    """A page of the run's rows: its predictions by id, or, when it has none, the
    predictions its scores name, in the order they were first scored."""
    if view.predictions:
        predictions = storage.run_predictions(
            entity, project, view.run_id, PAGE_SIZE + 1, after=after, before=before
        )
        more = len(predictions) > PAGE_SIZE
        # Going back, the extra prediction is the first: the one before the page.
        predictions = predictions[-PAGE_SIZE:] if before is not None else predictions[:PAGE_SIZE]
        rows = [Row(prediction.id, prediction) for prediction in predictions]
        page = RowsPage(rows, [])
        if rows:
            going_back = before is not None
            page.next_cursor = rows[-1].prediction_id if (more or going_back) else None
            page.prev_cursor = rows[0].prediction_id if (after or (going_back and more)) else None
    else:
        named, more = storage.run_scored_predictions(
            entity, project, view.run_id, PAGE_SIZE, after=after
        )
        found = storage.previews(entity, project, [prediction_id for prediction_id, _ in named])
        rows = [Row(prediction_id, found.get(prediction_id)) for prediction_id, _ in named]
        page = RowsPage(rows, [], from_scores=True)
        page.next_cursor = named[-1][1] if more and named else None
    fill_cells(entity, project, page.rows)
    seen = {key for row in page.rows for key in row.cells}
    page.scorer_keys = view.scorer_keys + sorted(seen - set(view.scorer_keys))
    return page


def fill_cells(entity: str, project: str, rows: list[Row]) -> None:
    """Give each row the newest score of each scorer (by short name) given to it."""
    by_id = {row.prediction_id: row for row in rows}
    for line in storage.scores_of_predictions(entity, project, list(by_id)):
        cells = by_id[line.prediction_id].cells
        key = scorer_key(line.scorer)
        older = cells.get(key)
        # Oldest first: a newer score of the same scorer takes the cell.
        cells[key] = Cell(
            line.id,
            line.scorer,
            line.value_text,
            line.value_length,
            0 if older is None else older.others + 1,
        )
