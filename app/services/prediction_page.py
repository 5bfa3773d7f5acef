"""One prediction as its page shows it: inputs, output, every score, and the same row
in other runs (the predictions with the same row digest)."""

from dataclasses import dataclass, field

from app import storage
from app.models import Prediction
from app.services.run_page import Row, fill_cells
from app.services.run_summary import scorer_key

# How many predictions of the same row (in other runs) the page lists.
SAME_ROW_LIMIT = 100


@dataclass
class PredictionView:
    """A prediction (None when only scores name it), its scores, and its row elsewhere."""

    prediction_id: str
    prediction: Prediction | None
    scores: list[storage.ScoreLine]  # by scorer short name, then oldest first
    same_row: list[Row] = field(default_factory=list)  # every prediction of the row, this too
    same_row_keys: list[str] = field(default_factory=list)
    more_same_row: bool = False

    @property
    def other_runs(self) -> int:
        """How many other predictions of the same row are listed."""
        return sum(1 for row in self.same_row if row.prediction_id != self.prediction_id)


def prediction_view(entity: str, project: str, prediction_id: str) -> PredictionView | None:
    """The prediction with this id, or None when it is neither stored nor scored."""
    prediction = storage.prediction_row(entity, project, prediction_id)
    scores = storage.scores_of_predictions(entity, project, [prediction_id])
    if prediction is None and not scores:
        return None
    scores.sort(key=lambda line: (scorer_key(line.scorer), line.scorer, line.id))
    view = PredictionView(prediction_id, prediction, scores)
    if prediction is not None:
        found = storage.predictions_in_runs(
            entity, project, prediction.row_digest, SAME_ROW_LIMIT + 1
        )
        view.more_same_row = len(found) > SAME_ROW_LIMIT
        view.same_row = [Row(preview.id, preview) for preview in found[:SAME_ROW_LIMIT]]
        fill_cells(entity, project, view.same_row)
        view.same_row_keys = sorted({key for row in view.same_row for key in row.cells})
    return view
