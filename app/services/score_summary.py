"""The scores page's per-scorer summary: exact, whatever the filters.

Filtered by nothing, a run or a scorer, it is the statistics kept with the
scores (run_summary.py), read in a few rows whatever the project's size.
Other filters (author, source, time, prediction) are answered by reading the
matching scores once, walked as the statistics walk them, when the indexed
part of the filters leaves at most SCAN_LIMIT of them; beyond that no
summary is shown rather than a sample. Label counts and histograms
(distributions.py) need a read of the scores: the page shows them when
filtered to a run or when the scope holds at most DISTRIBUTION_LIMIT scores.
Each scorer is shown as its active config describes it (scorer_views.py).
"""

from dataclasses import dataclass, field, replace

from sqlalchemy import func, select

from app import storage
from app.extensions import db
from app.models import Score
from app.services import browse, distributions, scorer_configs, scorer_views
from app.services.browse import Filters
from app.services.distribution_folds import Fold, LeafDistribution
from app.services.run_summary import ScorerSummary, project_summary, scorer_key
from app.services.scorer_views import ScorerView

SCAN_LIMIT = 20_000
DISTRIBUTION_LIMIT = 20_000
# A run's distributions are read for up to this many scores of one scorer.
RUN_DISTRIBUTION_LIMIT = 250_000


@dataclass
class ScoresSummary:
    """What the summary card shows."""

    scorers: list[ScorerSummary] = field(default_factory=list)
    matching: int | None = None  # how many scores match; None when not counted
    scanned: bool = False  # computed by reading the matching scores
    withheld: bool = False  # too many scores to read for these filters
    # By scorer name and leaf path; empty when not shown.
    distributions: dict[str, dict[str, LeafDistribution]] = field(default_factory=dict)
    distributions_shown: bool = False
    views: list[ScorerView] = field(default_factory=list)  # the scorers as the page shows them


def project_scorers(entity: str, project: str) -> list[str]:
    """Every scorer of the project (its statistics name each), sorted."""
    return storage.stat_scorers(entity, project)


def resolve_scorer(filters: Filters, scorers: list[str]) -> Filters:
    """The filters with the scorer filter's refs: the name itself, and every one of the
    project's scorers (project_scorers) whose short name it is."""
    if filters.scorer is None:
        return filters
    name = filters.scorer
    refs = [ref for ref in scorers if scorer_key(ref) == name]
    if name not in refs:
        refs.insert(0, name)
    return replace(filters, scorer_refs=tuple(refs))


def _kept_only(filters: Filters) -> bool:
    """Whether the kept statistics answer the filters: a run and a scorer at most."""
    return all(
        value is None
        for value in (
            filters.prediction_id,
            filters.author,
            filters.source,
            filters.since,
            filters.until,
        )
    )


def summarise(entity: str, project: str, filters: Filters) -> ScoresSummary:
    """The exact summary of the scores the filters match (filters from resolve_scorer)."""
    if _kept_only(filters):
        summary = _from_statistics(entity, project, filters)
    else:
        summary = _from_scores(entity, project, filters)
    if summary.scorers:
        shown = scorer_configs.presentations(entity, project)
        summary.views = scorer_views.present(summary.scorers, summary.distributions, shown)
    return summary


def _from_statistics(entity: str, project: str, filters: Filters) -> ScoresSummary:
    run_id = filters.evaluation_run_id
    scorers = project_summary(entity, project, run_id)
    if filters.scorer is not None:
        refs = set(filters.scorer_refs or (filters.scorer,))
        scorers = [summary for summary in scorers if summary.name in refs]
    matching = sum(summary.count for summary in scorers)
    summary = ScoresSummary(scorers, matching)
    if run_id is None and matching > DISTRIBUTION_LIMIT:
        return summary
    readable = [scorer for scorer in scorers if scorer.count <= RUN_DISTRIBUTION_LIMIT]
    summary.distributions_shown = len(readable) == len(scorers)
    if readable:
        deletions = storage.project_deletions(entity, project)
        summary.distributions = distributions.of_scope(
            entity,
            project,
            readable,
            deletions,
            run_id,
            every_scorer=filters.scorer is None and summary.distributions_shown,
        )
    return summary


def _from_scores(entity: str, project: str, filters: Filters) -> ScoresSummary:
    primary, secondary = browse.conditions(entity, project, filters)
    within = browse.ordered(primary, [], (Score.id,), True, SCAN_LIMIT + 1).subquery()
    if (db.session.scalar(select(func.count()).select_from(within)) or 0) > SCAN_LIMIT:
        return ScoresSummary(withheld=True)
    fold = Fold()
    query = browse.ordered(
        primary, secondary, (Score.id, Score.scorer, Score.value_json), True, None
    )
    for _id, scorer, value_json in db.session.execute(query):
        fold.add(scorer, scorer, value_json)
    scorers = fold.summaries()
    return ScoresSummary(
        scorers,
        fold.count,
        scanned=True,
        distributions={summary.name: fold.distributions(summary.name) for summary in scorers},
        distributions_shown=True,
    )
