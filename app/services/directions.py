"""Which way is better for a scorer leaf: the one place that decides, for every page and gate.

A scorer's active config decides first: "higher" or "lower" is better for
each of its numbers and pass rates, and a config whose direction is null
says neither is (no colour; "worst regression" sorts by how far a row moved
either way). Without a config, numbers and pass rates are better higher.
Text has no direction either way. Pages that merge a scorer's versions under
its short name take the config saved last among those versions'
(scorer_configs.Presentations.by_key).
"""

from app.services import scorer_configs
from app.services.eval_summary import VALUE_TYPES
from app.services.scorer_configs import Presentations

HIGHER, LOWER, NONE = "higher", "lower", "none"
BETTER, WORSE, SAME = "better", "worse", "same"
_MEASURED = {VALUE_TYPES[kind] for kind in ("boolean", "number")}


class Directions:
    """Which way is better for each leaf of a project's scorers, named by short name."""

    def __init__(self, shown: Presentations):
        self._shown = shown  # the project's configs by short name

    def leaf(self, scorer_key: str, path: str | None, value_type: str | None) -> str:
        """HIGHER, LOWER or NONE for one leaf of a scorer (path None: the value itself)."""
        if value_type not in _MEASURED:
            return NONE
        config = self._shown.config(scorer_key)
        if config is None:
            return HIGHER
        return {"higher": HIGHER, "lower": LOWER}.get(config.direction or "", NONE)


def of_project(entity: str, project: str) -> Directions:
    """The directions of a project's scorers, from its active configs (one read)."""
    return Directions(scorer_configs.presentations(entity, project).by_key())


def verdict(change: float | None, direction: str) -> str | None:
    """BETTER, WORSE or SAME for a change of a leaf's measure; None when nothing to judge."""
    if change is None or direction == NONE:
        return None
    if change == 0:
        return SAME
    return BETTER if (change > 0) == (direction == HIGHER) else WORSE
