"""Agreement between raters: percent agreement, Cohen's kappa and Krippendorff's alpha.

Ratings come as units (one per reviewed item), each a list of the values its
raters gave (None where a rater gave none). Labels and booleans are nominal
data; numbers are interval data. The statistics come from the well-kept
libraries that define them in practice: scikit-learn's cohen_kappa_score
and the krippendorff package. They are imported when first needed: serving
scores never pays for them.
"""

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any, Literal

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
    present = [value for value in values if value is not None]
    numeric = present and all(
        isinstance(value, int | float) and not isinstance(value, bool) for value in present
    )
    return INTERVAL if numeric else NOMINAL


def percent_agreement(units: Sequence[Unit]) -> float | None:
    """Of all pairs of raters that rated the same item, the share that gave the same value."""
    agreeing = pairs = 0
    for unit in units:
        present = [value for value in unit if value is not None]
        for first, second in combinations(present, 2):
            pairs += 1
            agreeing += _key(first) == _key(second)
    return agreeing / pairs if pairs else None


def cohen_kappa(first: Sequence[Any], second: Sequence[Any]) -> float | None:
    """Cohen's kappa of two raters over the items both rated; None when undefined."""
    both = [(a, b) for a, b in zip(first, second, strict=True) if a is not None and b is not None]
    if len(both) < 2:
        return None
    codes = _codes([value for pair in both for value in pair])
    left = [codes[_key(a)] for a, _ in both]
    right = [codes[_key(b)] for _, b in both]
    if len(set(left) | set(right)) < 2:
        return None  # one category only: chance agreement is total, kappa undefined
    from sklearn.metrics import cohen_kappa_score

    return _finite(float(cohen_kappa_score(left, right)))


def krippendorff_alpha(units: Sequence[Unit], level: str) -> float | None:
    """Krippendorff's alpha over every item rated at least twice; None when undefined."""
    rated = [unit for unit in units if sum(value is not None for value in unit) >= 2]
    if not rated:
        return None
    raters = max(len(unit) for unit in rated)
    if level == NOMINAL:
        codes = _codes([value for unit in rated for value in unit if value is not None])
        if len(codes) < 2:
            return None  # every value the same: no variation to agree on
    import numpy

    matrix = numpy.full((raters, len(rated)), numpy.nan)
    for column, unit in enumerate(rated):
        for row, value in enumerate(unit):
            if value is not None:
                matrix[row, column] = codes[_key(value)] if level == NOMINAL else float(value)
    if level == INTERVAL and numpy.nanmin(matrix) == numpy.nanmax(matrix):
        return None
    import krippendorff

    measured: Literal["nominal", "interval"] = "nominal" if level == NOMINAL else "interval"
    return _finite(
        float(krippendorff.alpha(reliability_data=matrix, level_of_measurement=measured))
    )


def agreement(units: Sequence[Unit], level: str | None = None) -> Agreement:
    """Every statistic for one field; kappa only when there are exactly two raters."""
    level = level or level_of([value for unit in units for value in unit])
    rated = [unit for unit in units if sum(value is not None for value in unit) >= 2]
    raters = max((len(unit) for unit in units), default=0)
    kappa = None
    if raters == 2 and level == NOMINAL:
        kappa = cohen_kappa([unit[0] for unit in units], [unit[1] for unit in units])
    return Agreement(
        level, len(rated), percent_agreement(units), kappa, krippendorff_alpha(units, level)
    )


def _key(value: Any) -> tuple[str, Any]:
    """A value as a category: True and 1 are different labels, 1 and 1.0 the same number."""
    if isinstance(value, bool):
        return ("boolean", value)
    if isinstance(value, int | float):
        return ("number", value)
    if isinstance(value, str):
        return ("text", value)
    return ("json", json.dumps(value, sort_keys=True))


def _codes(values: Sequence[Any]) -> dict[tuple[str, Any], int]:
    keys = sorted({_key(value) for value in values}, key=repr)
    return {key: index for index, key in enumerate(keys)}


def _finite(number: float) -> float | None:
    return number if math.isfinite(number) else None
