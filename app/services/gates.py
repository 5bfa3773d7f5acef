"""Regression gates for CI: `exact_match < -0.02` fails when the candidate's change from the
baseline in a scorer leaf's measure (pass rate for true/false values, mean for numbers)
is below -0.02.

A gate fails closed: a leaf that one of the runs has no values for fails it.
"""

import operator
import re
from dataclasses import dataclass

from app.services import compare
from app.services.errors import DomainError

_GATE = re.compile(r"^\s*(?P<leaf>[^\s<>=!]+)\s*(?P<op><=|>=|<|>)\s*(?P<limit>\S+)\s*$")
_OPS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}


class GateError(DomainError):
    """A gate, or the runs it reads, that cannot be checked at all (a usage error)."""


@dataclass(frozen=True)
class Gate:
    """Fail when the change of `leaf` is `op` `limit`."""

    leaf: str
    op: str
    limit: float
    text: str


@dataclass
class Check:
    """One leaf's change, and the gates it failed."""

    line: compare.StatLine
    baseline: float | None
    candidate: float | None
    gates: list[Gate]
    failed: list[Gate]

    @property
    def change(self) -> float | None:
        if self.baseline is None or self.candidate is None:
            return None
        return self.candidate - self.baseline


def parse_gate(text: str) -> Gate:
    """`leaf op number`; GateError for anything else."""
    match = _GATE.match(text)
    limit = None
    if match is not None:
        try:
            limit = float(match.group("limit"))
        except ValueError:
            limit = None
    if match is None or limit is None or limit != limit or abs(limit) == float("inf"):
        raise GateError(
            f"'{text}' is not a gate: write a scorer (or scorer.field), < <= > or >=, and a"
            " number, like 'exact_match < -0.02'",
            "fail-if",
        )
    return Gate(match.group("leaf"), match.group("op"), limit, text.strip())


def check(
    entity: str, project: str, baseline: str, candidate: str, gates: list[Gate], every: bool
) -> list[Check]:
    """Each measured leaf's change from baseline to candidate, with the gates it failed.

    Without gates, every measured leaf; with gates, the gated leaves only.
    """
    if baseline == candidate:
        raise GateError("The baseline and the candidate are the same run")
    request = compare.CompareRequest([baseline, candidate], every=every)
    comparison = compare.compare(entity, project, request, rows=False)
    for index, run in enumerate(comparison.runs):
        if run.trial_count == 0 and all(line.cells[index] is None for line in comparison.lines):
            raise GateError(
                f"Run '{run.run_id}' has no predictions or scores in {entity}/{project}"
            )
    lines = {line.name: line for line in comparison.sortable}
    for gate in gates:
        if gate.leaf not in lines:
            known = ", ".join(sorted(lines)) or "none"
            raise GateError(
                f"'{gate.leaf}' in '{gate.text}' is no measured scorer of these runs"
                f" (measured: {known})",
                "fail-if",
            )
    gated = {gate.leaf for gate in gates}
    checks = []
    for name, line in lines.items():
        if gates and name not in gated:
            continue
        before, after = (None if cell is None else cell.measure for cell in line.cells[:2])
        mine = [gate for gate in gates if gate.leaf == name]
        result = Check(line, before, after, mine, [])
        change = result.change
        result.failed = [
            gate for gate in mine if change is None or _OPS[gate.op](change, gate.limit)
        ]
        checks.append(result)
    return checks
