"""Which way is better for a scorer leaf: the one place that decides, for every page and gate.

Numbers and pass rates are better higher unless told otherwise; text has no
direction. Scorer configs (a later issue: direction higher, lower or none
per scorer) will answer here first, and every colour and every "worst
regression" follows.
"""

from app.services.eval_summary import VALUE_TYPES

HIGHER, LOWER, NONE = "higher", "lower", "none"
BETTER, WORSE, SAME = "better", "worse", "same"
_MEASURED = {VALUE_TYPES[kind] for kind in ("boolean", "number")}


def leaf_direction(scorer_key: str, path: str | None, value_type: str | None) -> str:
    """HIGHER, LOWER or NONE for one leaf of a scorer (path None: the value itself)."""
    return HIGHER if value_type in _MEASURED else NONE


def verdict(change: float | None, direction: str) -> str | None:
    """BETTER, WORSE or SAME for a change of a leaf's measure; None when nothing to judge."""
    if change is None or direction == NONE:
        return None
    if change == 0:
        return SAME
    return BETTER if (change > 0) == (direction == HIGHER) else WORSE
