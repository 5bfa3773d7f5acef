"""Eval results filters: `$expr` trees compiled to functions of (row, trial), in Kleene logic.

A field is read per trial and cast for the literal it is compared with, as
the reference server casts it: to a boolean for `true`/`false`, to a number
for a number (a score's booleans are 1 and 0, numeric text counts), to text
for a string. A value that is missing or does not cast is unknown (None),
and every comparison with it is unknown: `$not` of unknown stays unknown,
`$and` is false if any term is false, `$or` true if any term is true. A
filter matches a row when some trial in its scope (its run's trials, or all
the requested runs' when it names none) makes it true.
"""

import operator
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field

from app import query_grammar as g
from app.services import eval_fields
from app.services.eval_fields import INPUTS, OUTPUT, SCORE, FieldRef
from app.services.eval_rows import Row, Trial

Reader = Callable[[Row, Trial], object]
Condition = Callable[[Row, Trial], bool | None]
_COMPARE = {
    "$eq": operator.eq,
    "$gt": operator.gt,
    "$gte": operator.ge,
    "$lt": operator.lt,
    "$lte": operator.le,
}
# a OP b is b MIRROR(OP) a.
_MIRROR = {"$eq": "$eq", "$gt": "$lt", "$gte": "$lte", "$lt": "$gt", "$lte": "$gte"}


@dataclass
class Needs:
    """What evaluating some filters or sorts reads: scorer keys, and payloads or not."""

    keys: set[str] = field(default_factory=set)
    payloads: bool = False

    def note(self, ref: FieldRef) -> None:
        if ref.kind == SCORE:
            assert ref.key is not None
            self.keys.add(ref.key)
        elif ref.kind in (INPUTS, OUTPUT):
            self.payloads = True


@dataclass
class _Operand:
    read: Reader
    literal: bool = False
    constant: object = None
    is_score: bool = False
    is_condition: bool = False


def field_reader(ref: FieldRef) -> Reader:
    """A function of (row, trial) giving the field's value, or None."""
    walk, path = eval_fields.walk, ref.path
    if ref.kind == SCORE:
        key = ref.key
        return lambda row, trial: walk(trial.value(key), path)  # type: ignore[arg-type]
    if ref.kind == INPUTS:
        return lambda row, trial: walk(row.inputs, path)
    if ref.kind == OUTPUT:
        return lambda row, trial: walk(trial.output, path)
    return lambda row, trial: row.digest


class Compiler:
    """Compiles expressions against the scorer keys of the requested runs."""

    def __init__(self, scorer_keys: Collection[str], needs: Needs):
        self.scorer_keys = scorer_keys
        self.needs = needs

    def condition(self, node, loc: tuple) -> Condition:
        """A node as a condition: an operation's result, or an operand's value as a boolean."""
        operand = self.operand(node, loc)
        if operand.is_condition:
            return operand.read  # type: ignore[return-value]
        read = operand.read
        return lambda row, trial: eval_fields.as_bool(read(row, trial))

    def operand(self, node, loc: tuple) -> _Operand:
        tag = node.TAG
        if isinstance(node, g.LiteralOperand):
            value = node.value
            return _Operand(lambda row, trial: value, literal=True, constant=value)
        if isinstance(node, g.GetFieldOperand):
            ref = eval_fields.resolve(node.field, self.scorer_keys, (*loc, tag))
            self.needs.note(ref)
            return _Operand(field_reader(ref), is_score=ref.kind == SCORE)
        if isinstance(node, g.ConvertOperand):
            return self._convert(node, (*loc, tag))
        return _Operand(self._operation(node, (*loc, tag)), is_condition=True)

    def _operation(self, node, loc: tuple) -> Condition:
        if isinstance(node, g.AndOperation | g.OrOperation):
            terms = [self.condition(term, (*loc, i)) for i, term in enumerate(node.terms)]
            return _all(terms) if isinstance(node, g.AndOperation) else _any(terms)
        if isinstance(node, g.NotOperation):
            inner = self.condition(node.terms[0], (*loc, 0))

            def negated(row, trial):
                result = inner(row, trial)
                return None if result is None else not result

            return negated
        if isinstance(node, g.InOperation):
            left = self.operand(node.terms[0], (*loc, 0))
            choices = [
                self._compare("$eq", left, self.operand(choice, (*loc, 1, i)))
                for i, choice in enumerate(node.terms[1])
            ]
            return _any(choices)
        if isinstance(node, g.ContainsOperation):
            return self._contains(node.spec, loc)
        left, right = (self.operand(term, (*loc, i)) for i, term in enumerate(node.terms))
        return self._compare(node.TAG, left, right)

    def _compare(self, tag: str, left: _Operand, right: _Operand) -> Condition:
        if left.literal and not right.literal:
            left, right, tag = right, left, _MIRROR[tag]
        compare = _COMPARE[tag]
        read = left.read
        if right.literal:
            cast = _caster(right.constant, left.is_score)
            target = right.constant
            if cast is None:
                return lambda row, trial: None

            def against_literal(row, trial):
                value = cast(read(row, trial))
                return None if value is None else compare(value, target)

            return against_literal
        other = right.read

        def between(row, trial):
            a, b = _comparable(read(row, trial), other(row, trial))
            return None if a is None else compare(a, b)

        return between

    def _contains(self, spec: g.ContainsSpec, loc: tuple) -> Condition:
        text = self.operand(spec.input, (*loc, "input")).read
        part = self.operand(spec.substr, (*loc, "substr")).read
        fold = spec.case_insensitive

        def contains(row, trial):
            haystack = eval_fields.as_json_text(text(row, trial))
            needle = eval_fields.as_json_text(part(row, trial))
            if haystack is None or needle is None:
                return None
            if fold:
                return needle.casefold() in haystack.casefold()
            return needle in haystack

        return contains

    def _convert(self, node: g.ConvertOperand, loc: tuple) -> _Operand:
        inner = self.operand(node.spec.input, (*loc, "input"))
        read, is_score, to = inner.read, inner.is_score, node.spec.to
        if to == "exists":
            return _Operand(lambda row, trial: read(row, trial) is not None, is_condition=True)
        if to == "bool":
            return _Operand(lambda row, trial: eval_fields.as_bool(read(row, trial)))
        if to == "string":
            return _Operand(lambda row, trial: eval_fields.as_text(read(row, trial), is_score))
        if to == "double":
            return _Operand(lambda row, trial: eval_fields.as_number(read(row, trial), is_score))

        def as_int(row, trial):
            number = eval_fields.as_number(read(row, trial), is_score)
            return None if number is None else int(number)

        return _Operand(as_int)


def _caster(literal, is_score: bool) -> Callable[[object], object] | None:
    """How a field is cast to compare with this literal; None: never comparable."""
    kind = type(literal)
    if kind is bool:
        return eval_fields.as_bool
    if kind is int or kind is float:
        return lambda value: eval_fields.as_number(value, is_score)
    if kind is str:
        return lambda value: eval_fields.as_text(value, is_score)
    return None


def _comparable(a, b) -> tuple:
    """Two computed values of one kind (numbers, texts or booleans), or (None, None)."""
    if a is None or b is None:
        return None, None
    kind_a, kind_b = type(a), type(b)
    if kind_a is bool or kind_b is bool:
        return (a, b) if kind_a is kind_b else (None, None)
    if kind_a in (int, float) and kind_b in (int, float):
        return a, b
    if kind_a is str and kind_b is str:
        return a, b
    return None, None


def _all(terms: Sequence[Condition]) -> Condition:
    def every(row, trial):
        unknown = False
        for term in terms:
            result = term(row, trial)
            if result is False:
                return False
            if result is None:
                unknown = True
        return None if unknown else True

    return every


def _any(terms: Sequence[Condition]) -> Condition:
    def some(row, trial):
        unknown = False
        for term in terms:
            result = term(row, trial)
            if result is True:
                return True
            if result is None:
                unknown = True
        return None if unknown else False

    return some


@dataclass
class RowFilter:
    """One filter: a condition and the run whose trials it reads (None: every run's)."""

    condition: Condition
    run_id: str | None

    def matches(self, row: Row) -> bool:
        """Whether some trial in scope makes the condition true."""
        condition = self.condition
        if self.run_id is not None:
            return any(condition(row, trial) is True for trial in row.trials.get(self.run_id, ()))
        return any(
            condition(row, trial) is True for trials in row.trials.values() for trial in trials
        )


def combine(filters: Sequence[RowFilter], logic: str) -> Callable[[Row], bool]:
    """'and': every filter; 'or': the filters of some one scope (runs, or none) all match."""
    if logic == "and":
        return lambda row: all(f.matches(row) for f in filters)
    groups: dict[str | None, list[RowFilter]] = {}
    for item in filters:
        groups.setdefault(item.run_id, []).append(item)
    grouped = list(groups.values())
    return lambda row: any(all(f.matches(row) for f in group) for group in grouped)
