"""A scorer config's field schema: the subset of JSON Schema reviewers need, checked and read.

A schema is one of these leaves, or an object whose properties each are one:

    {"type": "boolean"}
    {"type": "number" | "integer", "minimum", "maximum", "multipleOf"}   each optional
    {"type": "string", "enum": [label, ...]}                             one of some labels
    {"type": "string", "maxLength"}                                      free text
    {"type": "object", "properties": {...}, "required": [...], "additionalProperties": false}

"title" and "description" may annotate any of them (the form shows them),
and "$schema" may name Draft 2020-12 at the root. Values are checked with
jsonschema's Draft 2020-12 validator, whose multipleOf is made exact for
decimal steps (0.3 is a multiple of 0.1). A leaf module: every layer uses it.
"""

import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from jsonschema import Draft202012Validator, ValidationError, validators
from jsonschema.exceptions import SchemaError

from app.jsonbody import dumps_value

MAX_SCHEMA_BYTES = 64 * 1024
DRAFT = "https://json-schema.org/draft/2020-12/schema"
LEAF_TYPES = ("boolean", "number", "integer", "string")
TYPES = (*LEAF_TYPES, "object")
ANNOTATIONS = ("title", "description")
_KEYWORDS = {
    "boolean": (),
    "number": ("minimum", "maximum", "multipleOf"),
    "integer": ("minimum", "maximum", "multipleOf"),
    "string": ("enum", "maxLength"),
    "object": ("properties", "required", "additionalProperties"),
}
# A scale has points (numbered buttons, statistics per point) up to this many.
MAX_POINTS = 101

BOOLEAN, NUMBER, LABELS, TEXT = "boolean", "number", "labels", "text"


def _exact(number: int | float) -> Fraction:
    # A float as the decimal JSON wrote (0.1 is 1/10, not the binary fraction near it).
    return Fraction(number) if isinstance(number, int) else Fraction(repr(number))


def _multiple_of(validator, step, instance, schema):
    """multipleOf, exact for decimal steps: jsonschema's float division refuses 0.3 for 0.1."""
    if not validator.is_type(instance, "number"):
        return
    if (_exact(instance) / _exact(step)).denominator != 1:
        yield ValidationError(f"{instance!r} is not a multiple of {step}")


# The validator every value is checked with, the API's and the form's alike.
ValueValidator = validators.extend(Draft202012Validator, {"multipleOf": _multiple_of})


@dataclass(frozen=True)
class SchemaProblem:
    """What is wrong with a schema: an error type, where (keys into the schema) and why."""

    type: str
    path: tuple
    msg: str
    input: Any
    ctx: dict | None = None


def schema_problems(schema: Any) -> list[SchemaProblem]:
    """Why a schema cannot be a config's: too large, not JSON Schema, or outside the subset."""
    size = len(dumps_value(schema).encode("utf-8", "surrogatepass"))
    if size > MAX_SCHEMA_BYTES:
        return [
            SchemaProblem(
                "field_schema_too_large",
                (),
                f"Schema should be at most {MAX_SCHEMA_BYTES} bytes as JSON, not {size}",
                None,
                {"max_bytes": MAX_SCHEMA_BYTES},
            )
        ]
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        return [
            SchemaProblem(
                "field_schema_invalid",
                tuple(exc.absolute_path),
                f"Not a valid JSON Schema: {exc.message}",
                exc.instance,
            )
        ]
    problems: list[SchemaProblem] = []
    if isinstance(schema, dict) and "$schema" in schema and schema["$schema"] != DRAFT:
        problems.append(_unsupported(("$schema",), f"'$schema' should be {DRAFT}", schema))
    _walk(schema, (), problems, root=True)
    return problems


def _unsupported(path: tuple, msg: str, value: Any) -> SchemaProblem:
    return SchemaProblem("field_schema_unsupported", path, msg, value)


def _walk(schema: Any, path: tuple, problems: list[SchemaProblem], root: bool = False) -> None:
    if not isinstance(schema, dict):
        problems.append(_unsupported(path, "A field schema should be an object", schema))
        return
    kind = schema.get("type")
    allowed_types = TYPES if root else LEAF_TYPES
    if kind is None:
        names = ", ".join(allowed_types)
        problems.append(_unsupported(path, f"'type' is required: one of {names}", schema))
        return
    if kind not in allowed_types:
        if kind == "object":
            why = "a field of an object should be boolean, number, integer or string"
        elif isinstance(kind, list):
            why = "a list of types is not supported"
        else:
            why = f"use one of {', '.join(allowed_types)}"
        problems.append(
            _unsupported((*path, "type"), f"'type' {kind!r} is not supported: {why}", kind)
        )
        return
    allowed = {"type", *ANNOTATIONS, *_KEYWORDS[kind], *(("$schema",) if root else ())}
    for keyword in schema:
        if keyword not in allowed:
            problems.append(
                _unsupported(
                    (*path, keyword),
                    f"'{keyword}' is not supported for type '{kind}'"
                    + (f": use {', '.join(_KEYWORDS[kind])}" if _KEYWORDS[kind] else ""),
                    schema[keyword],
                )
            )
    if kind in ("number", "integer"):
        _check_range(schema, path, problems)
    elif kind == "string":
        _check_string(schema, path, problems)
    elif kind == "object":
        _check_object(schema, path, problems)


def _check_range(schema: dict, path: tuple, problems: list[SchemaProblem]) -> None:
    low, high = schema.get("minimum"), schema.get("maximum")
    if low is not None and high is not None and low > high:
        problems.append(
            _unsupported(
                (*path, "minimum"),
                f"'minimum' ({low}) should not be greater than 'maximum' ({high})",
                low,
            )
        )


def _check_string(schema: dict, path: tuple, problems: list[SchemaProblem]) -> None:
    if "enum" not in schema:
        return
    labels = schema["enum"]
    if "maxLength" in schema:
        problems.append(
            _unsupported(
                (*path, "maxLength"),
                "'maxLength' does not go with 'enum': a string is one of the labels or free text",
                schema["maxLength"],
            )
        )
    if not labels:
        problems.append(
            _unsupported((*path, "enum"), "'enum' should list at least one label", labels)
        )
    seen: set[str] = set()
    for index, label in enumerate(labels):
        where = (*path, "enum", index)
        if not isinstance(label, str):
            problems.append(
                _unsupported(where, f"'enum' labels should be strings, not {label!r}", label)
            )
        elif not label:
            problems.append(_unsupported(where, "'enum' labels should not be empty", label))
        elif label in seen:
            problems.append(_unsupported(where, f"'enum' repeats the label {label!r}", label))
        else:
            seen.add(label)


def _check_object(schema: dict, path: tuple, problems: list[SchemaProblem]) -> None:
    properties = schema.get("properties")
    if not properties:
        problems.append(
            _unsupported(
                (*path, "properties"), "'properties' should name at least one field", properties
            )
        )
        properties = {}
    for name, field in properties.items():
        if not name:
            problems.append(
                _unsupported(
                    (*path, "properties", name), "A field's name should not be empty", name
                )
            )
        _walk(field, (*path, "properties", name), problems)
    for index, name in enumerate(schema.get("required", [])):
        if name not in properties:
            problems.append(
                _unsupported(
                    (*path, "required", index),
                    f"'required' names {name!r}, which is not in 'properties'",
                    name,
                )
            )
    extra = schema.get("additionalProperties", False)
    if not isinstance(extra, bool):
        problems.append(
            _unsupported(
                (*path, "additionalProperties"),
                "'additionalProperties' should be false (or true), not a schema",
                extra,
            )
        )


# --- Reading a checked schema: what the form shows and the statistics present ----------------


def _decimal(number: int | float) -> Decimal:
    return Decimal(number) if isinstance(number, int) else Decimal(repr(number))


def _number(value: Decimal) -> int | float:
    """A point as JSON writes it: an integer when whole, else the float of its decimal."""
    return int(value) if value == value.to_integral_value() else float(value)


@dataclass(frozen=True)
class Leaf:
    """One answer a schema asks for: a boolean, a number, one of labels, or text."""

    kind: str
    title: str | None = None
    description: str | None = None
    integer: bool = False
    minimum: int | float | None = None
    maximum: int | float | None = None
    step: int | float | None = None
    labels: tuple[str, ...] = ()
    max_length: int | None = None

    @property
    def points(self) -> tuple[int | float, ...] | None:
        """A bounded scale's every value (1..5; 0, 0.1, ... 1), or None when not a scale."""
        if self.kind != NUMBER or self.minimum is None or self.maximum is None:
            return None
        if self.step is None and not self.integer:
            return None
        step = _decimal(self.step if self.step is not None else 1)
        low, high = _decimal(self.minimum), _decimal(self.maximum)
        first = math.ceil(low / step)
        last = math.floor(high / step)
        if last - first >= 10 * MAX_POINTS:  # far too many to list (integer filtering aside)
            return None
        found = []
        for multiple in range(first, last + 1):
            value = multiple * step
            if self.integer and value != value.to_integral_value():
                continue
            found.append(_number(value))
        return tuple(found) if 0 < len(found) <= MAX_POINTS else None


@dataclass(frozen=True)
class Field:
    """A property of an object schema: its name, its leaf, whether it is required."""

    name: str
    leaf: Leaf
    required: bool


def read_leaf(schema: dict) -> Leaf:
    """The leaf a checked schema (not an object) describes."""
    kind = schema["type"]
    title, description = schema.get("title"), schema.get("description")
    if kind == "boolean":
        return Leaf(BOOLEAN, title, description)
    if kind in ("number", "integer"):
        return Leaf(
            NUMBER,
            title,
            description,
            integer=kind == "integer",
            minimum=schema.get("minimum"),
            maximum=schema.get("maximum"),
            step=schema.get("multipleOf"),
        )
    if "enum" in schema:
        return Leaf(LABELS, title, description, labels=tuple(schema["enum"]))
    return Leaf(TEXT, title, description, max_length=schema.get("maxLength"))


def read_fields(schema: dict) -> list[Field] | None:
    """The fields of a checked object schema, in its order; None for a leaf schema."""
    if schema.get("type") != "object":
        return None
    required = set(schema.get("required", ()))
    return [
        Field(name, read_leaf(field), name in required)
        for name, field in schema["properties"].items()
    ]


def leaf_at(schema: dict, keys: tuple[str, ...]) -> Leaf | None:
    """The leaf at a value's path (() for the value itself), or None when the schema has none."""
    fields = read_fields(schema)
    if fields is None:
        return read_leaf(schema) if not keys else None
    if len(keys) != 1:
        return None
    return next((field.leaf for field in fields if field.name == keys[0]), None)


def leaf_schema(leaf: Leaf) -> dict:
    """The schema of a leaf (the reverse of read_leaf), without its annotations."""
    if leaf.kind == BOOLEAN:
        return {"type": "boolean"}
    if leaf.kind == LABELS:
        return {"type": "string", "enum": list(leaf.labels)}
    if leaf.kind == TEXT:
        return {"type": "string"} | (
            {} if leaf.max_length is None else {"maxLength": leaf.max_length}
        )
    schema: dict = {"type": "integer" if leaf.integer else "number"}
    for keyword, value in (("minimum", leaf.minimum), ("maximum", leaf.maximum)):
        if value is not None:
            schema[keyword] = value
    if leaf.step is not None and not (leaf.integer and leaf.step == 1):
        schema["multipleOf"] = leaf.step
    return schema


def object_schema(fields: list[Field]) -> dict:
    """The schema of an object of these fields, no others allowed."""
    return {
        "type": "object",
        "properties": {field.name: leaf_schema(field.leaf) for field in fields},
        "required": [field.name for field in fields if field.required],
        "additionalProperties": False,
    }
