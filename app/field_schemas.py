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
decimal steps (0.3 is a multiple of 0.1). What a checked schema asks for is
read in field_leaves.py. A leaf module: every layer uses it.
"""

from dataclasses import dataclass
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
