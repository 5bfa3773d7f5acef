"""Ratings as numpy matrices, and the statistics of services/agreement.py computed on them.

A matrix has a row per unit (a reviewed item) and a column per rater. Each value is coded as
a category (-1 where a rater gave none), numbered in the order services/agreement.py's
`_key` sorts them; interval data also keeps the numbers (NaN where missing). Counting
agreeing pairs, majorities and spreads then takes a few array operations, not a Python loop
per value. Imported when first needed, like the statistics libraries: serving scores never
loads numpy.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy

from app.services.agreement import INTERVAL, NOMINAL, _key, category

MISSING = -1


class Categories:
    """Codes values as categories in the order seen; `sorted_codes` renumbers them sorted."""

    def __init__(self) -> None:
        self._index: dict[Any, int] = {}
        self._firsts: list[Any] = []

    def codes(self, values: Iterable[Any]) -> numpy.ndarray:
        """A code per value, MISSING for None; numbered in the order seen."""
        index, firsts = self._index, self._firsts
        found = []
        for value in values:
            if value is None:
                found.append(MISSING)
                continue
            name = category(value)
            code = index.get(name)
            if code is None:
                code = index[name] = len(firsts)
                firsts.append(value)
            found.append(code)
        return numpy.array(found, dtype=numpy.int64)

    def sorted_codes(self, codes: numpy.ndarray) -> numpy.ndarray:
        """Codes from `codes` renumbered in `_key`'s sorted order (what the libraries see)."""
        order = sorted(range(len(self._firsts)), key=lambda code: repr(_key(self._firsts[code])))
        rank = numpy.empty(len(order) + 1, dtype=numpy.int64)
        rank[order] = numpy.arange(len(order))
        rank[-1] = MISSING  # codes[...] == -1 picks the last entry
        return rank[codes]


@dataclass(frozen=True)
class Ratings:
    codes: numpy.ndarray  # (units, raters) category codes, MISSING where none
    numbers: numpy.ndarray | None = None  # (units, raters) floats, NaN where none; interval


def from_units(units: Sequence[Sequence[Any]], level: str) -> Ratings:
    """The matrix of units of any lengths (a place per rater, None where missing)."""
    raters = max((len(unit) for unit in units), default=0)
    padded = [[*unit, *[None] * (raters - len(unit))] for unit in units]
    flat = [value for unit in padded for value in unit]
    categories = Categories()
    codes = categories.sorted_codes(categories.codes(flat)).reshape(len(units), raters)
    numbers = None
    if level == INTERVAL:
        numbers = numpy.array(
            [numpy.nan if value is None else float(value) for value in flat], dtype=float
        ).reshape(len(units), raters)
    return Ratings(codes, numbers)


def number_codes(numbers: numpy.ndarray) -> numpy.ndarray:
    """Numbers coded as categories (equal numbers, equal codes), MISSING where NaN."""
    codes = numpy.full(numbers.shape, MISSING, dtype=numpy.int64)
    given = ~numpy.isnan(numbers)
    codes[given] = numpy.unique(numbers[given], return_inverse=True)[1].reshape(-1)
    return codes


def pair_counts(codes: numpy.ndarray) -> tuple[numpy.ndarray, numpy.ndarray, tuple]:
    """Per unit, the rater pairs that gave the same value and all rater pairs; and the
    (unit, code, count) of each category a unit holds, for majorities."""
    units, columns = numpy.nonzero(codes != MISSING)
    present = numpy.bincount(units, minlength=len(codes))
    pairs = present * (present - 1) // 2
    width = int(codes.max()) + 1 if len(units) else 1
    held, counts = numpy.unique(units * width + codes[units, columns], return_counts=True)
    held_units, held_codes = held // width, held % width
    agreeing = numpy.bincount(
        held_units, weights=counts * (counts - 1) // 2, minlength=len(codes)
    ).astype(numpy.int64)
    return agreeing, pairs, (held_units, held_codes, counts)


def majority(codes: numpy.ndarray) -> numpy.ndarray:
    """Per unit, the code most raters gave; MISSING when none did or on a tie."""
    _, _, (units, held_codes, counts) = pair_counts(codes)
    found = numpy.full(len(codes), MISSING, dtype=numpy.int64)
    if not len(units):
        return found
    order = numpy.lexsort((-counts, units))  # by unit, the largest count first
    units, held_codes, counts = units[order], held_codes[order], counts[order]
    first = numpy.ones(len(units), dtype=bool)
    first[1:] = units[1:] != units[:-1]
    top = numpy.nonzero(first)[0]
    after = numpy.minimum(top + 1, len(units) - 1)
    tie = (after != top) & (units[after] == units[top]) & (counts[after] == counts[top])
    found[units[top[~tie]]] = held_codes[top[~tie]]
    return found


def spreads(ratings: Ratings, level: str) -> numpy.ndarray:
    """Per unit: 0 when all agree; max - min for numbers, else 1 - agreeing pairs / pairs."""
    agreeing, pairs, _ = pair_counts(ratings.codes)
    if level == INTERVAL and ratings.numbers is not None:
        rated = numpy.nonzero(pairs > 0)[0]
        found = numpy.zeros(len(pairs))
        numbers = ratings.numbers[rated]
        found[rated] = numpy.nanmax(numbers, axis=1) - numpy.nanmin(numbers, axis=1)
        return found
    return numpy.where(pairs > 0, 1 - agreeing / numpy.maximum(pairs, 1), 0.0)


def means(numbers: numpy.ndarray) -> numpy.ndarray:
    """Per unit, the mean of the numbers given; NaN where none."""
    given = (~numpy.isnan(numbers)).sum(axis=1)
    totals = numpy.nansum(numbers, axis=1)
    return numpy.where(given > 0, totals / numpy.maximum(given, 1), numpy.nan)


def percent(ratings: Ratings) -> float | None:
    agreeing, pairs, _ = pair_counts(ratings.codes)
    total = int(pairs.sum())
    return int(agreeing.sum()) / total if total else None


def kappa(ratings: Ratings) -> float | None:
    """Cohen's kappa of two raters over the units both rated."""
    first, second = ratings.codes[:, 0], ratings.codes[:, 1]
    both = (first != MISSING) & (second != MISSING)
    if both.sum() < 2:
        return None
    left, right = first[both], second[both]
    if len(numpy.union1d(left, right)) < 2:
        return None  # one category only: chance agreement is total, kappa undefined
    from sklearn.metrics import cohen_kappa_score

    return float(cohen_kappa_score(left, right))


def alpha(ratings: Ratings, level: str) -> float | None:
    """Krippendorff's alpha over the units rated at least twice."""
    rated = (ratings.codes != MISSING).sum(axis=1) >= 2
    if not rated.any():
        return None
    if level == NOMINAL:
        codes = ratings.codes[rated]
        if len(numpy.unique(codes[codes != MISSING])) < 2:
            return None  # every value the same: no variation to agree on
        matrix = numpy.where(codes == MISSING, numpy.nan, codes).T
    else:
        assert ratings.numbers is not None
        matrix = ratings.numbers[rated].T
        if numpy.nanmin(matrix) == numpy.nanmax(matrix):
            return None
    import krippendorff

    measured: Literal["nominal", "interval"] = "nominal" if level == NOMINAL else "interval"
    return float(krippendorff.alpha(reliability_data=matrix, level_of_measurement=measured))
