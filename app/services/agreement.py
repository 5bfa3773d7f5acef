"""Agreement between raters: percent agreement, Cohen's kappa and Krippendorff's alpha.

Ratings come as units (one per reviewed item), each a list of the values its
raters gave (None where a rater gave none). Labels and booleans are nominal
data; numbers are interval data. The statistics come from the well-kept
libraries that define them in practice: scikit-learn's cohen_kappa_score
and the krippendorff package, fed numpy matrices (services/ratings.py). They
are imported when first needed: serving scores never pays for them.
"""

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.services.ratings import Ratings

NOMINAL, INTERVAL = "nominal", "interval"

Unit = Sequence[Any]  # one item's values, a place per rater, None where missing


@dataclass(frozen=True)
class Agreement:
    """How far raters agree on one field."""

    level: str  # "nominal" or "interval"
    units: int  # items rated by at least two raters
    percent: float | None  # share of rater pairs that gave the same value
    kappa: float | None  # Cohen's kappa: exactly two raters
    alpha: float | None  # Krippendorff's alpha: any number of raters, missing values allowed


def level_of(values: Sequence[Any]) -> str:
    """Interval for numbers (booleans are not numbers here), nominal for everything else."""
    kinds = {value.__class__ for value in values}
    kinds.discard(type(None))
    numeric = kinds and all(
        issubclass(kind, int | float) and not issubclass(kind, bool) for kind in kinds
    )
    return INTERVAL if numeric else NOMINAL


def percent_agreement(units: Sequence[Unit]) -> float | None:
    """Of all pairs of raters that rated the same item, the share that gave the same value."""
    from app.services import ratings

    return ratings.percent(ratings.from_units(units, NOMINAL))


def cohen_kappa(first: Sequence[Any], second: Sequence[Any]) -> float | None:
    """Cohen's kappa of two raters over the items both rated; None when undefined."""
    from app.services import ratings

    units = list(zip(first, second, strict=True))
    return _finite(ratings.kappa(ratings.from_units(units, NOMINAL)))


def krippendorff_alpha(units: Sequence[Unit], level: str) -> float | None:
    """Krippendorff's alpha over every item rated at least twice; None when undefined."""
    from app.services import ratings

    return _finite(ratings.alpha(ratings.from_units(units, level), level))


def agreement(units: Sequence[Unit], level: str | None = None) -> Agreement:
    """Every statistic for one field; kappa only when there are exactly two raters."""
    from app.services import ratings

    level = level or level_of([value for unit in units for value in unit])
    return agreement_of(ratings.from_units(units, level), level)


def agreement_of(matrix: "Ratings", level: str) -> Agreement:
    """agreement() of ratings already in a matrix (services/ratings.py)."""
    from app.services import ratings

    rated = int(((matrix.codes != ratings.MISSING).sum(axis=1) >= 2).sum())
    raters = matrix.codes.shape[1]
    kappa = None
    if raters == 2 and level == NOMINAL:
        kappa = _finite(ratings.kappa(matrix))
    return Agreement(
        level, rated, ratings.percent(matrix), kappa, _finite(ratings.alpha(matrix, level))
    )


def category(value: Any) -> Any:
    """A value as a hashable category, equal exactly when `_key` is: True and 1 stay apart,
    1 and 1.0 do not, objects compare by content."""
    kind = value.__class__
    if kind is dict or kind is list:
        return (None, json.dumps(value, sort_keys=True))
    return (kind is bool, value)


def _key(value: Any) -> tuple[str, Any]:
    """A value as a category: True and 1 are different labels, 1 and 1.0 the same number."""
    if isinstance(value, bool):
        return ("boolean", value)
    if isinstance(value, int | float):
        return ("number", value)
    if isinstance(value, str):
        return ("text", value)
    return ("json", json.dumps(value, sort_keys=True))


def _finite(number: float | None) -> float | None:
    return number if number is not None and math.isfinite(number) else None
