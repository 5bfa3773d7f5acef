"""The subset of JSON Schema a scorer config may use: every kind accepted, every way out refused
with a message naming the keyword and where it is; exact steps; a scale's points."""

import json

import pytest

from app.field_leaves import leaf_schema, object_schema, read_fields, read_leaf
from app.field_schemas import MAX_SCHEMA_BYTES, ValueValidator, schema_problems

ACCEPTED = [
    {"type": "boolean"},
    {"type": "number"},
    {"type": "integer", "minimum": 1, "maximum": 5},
    {"type": "number", "minimum": 0, "maximum": 1, "multipleOf": 0.1},
    {"type": "integer", "multipleOf": 5},
    {"type": "string", "enum": ["positive", "neutral", "negative"]},
    {"type": "string", "maxLength": 200},
    {"type": "string"},
    {"type": "boolean", "title": "Correct?", "description": "Is the answer right?"},
    {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "boolean"},
    {
        "type": "object",
        "properties": {
            "correct": {"type": "boolean"},
            "quality": {"type": "integer", "minimum": 1, "maximum": 5},
            "tone": {"type": "string", "enum": ["kind", "curt"]},
            "reason": {"type": "string", "maxLength": 200},
        },
        "required": ["correct", "quality"],
        "additionalProperties": False,
    },
    {"type": "object", "properties": {"a": {"type": "boolean"}}},
    {"type": "object", "properties": {"a": {"type": "boolean"}}, "additionalProperties": True},
]


@pytest.mark.parametrize("schema", ACCEPTED, ids=json.dumps)
def test_every_kind_of_the_subset_is_accepted(schema):
    assert schema_problems(schema) == []


def _one(schema) -> tuple:
    (problem,) = schema_problems(schema)
    return problem.type, problem.path, problem.msg


OBJECT = "field_schema_unsupported"
REFUSED = [
    # Not JSON Schema at all: jsonschema's check_schema says why, at the keyword.
    (
        {"type": "strnig"},
        (
            "field_schema_invalid",
            ("type",),
            "Not a valid JSON Schema: 'strnig' is not valid under any of the given schemas",
        ),
    ),
    (
        {"type": "integer", "maximum": "5"},
        (
            "field_schema_invalid",
            ("maximum",),
            "Not a valid JSON Schema: '5' is not of type 'number'",
        ),
    ),
    (
        {"type": "number", "multipleOf": 0},
        (
            "field_schema_invalid",
            ("multipleOf",),
            "Not a valid JSON Schema: 0 is less than or equal to the minimum of 0",
        ),
    ),
    (
        {"type": "object", "properties": {"a": {"type": "string", "maxLength": -1}}},
        (
            "field_schema_invalid",
            ("properties", "a", "maxLength"),
            "Not a valid JSON Schema: -1 is less than the minimum of 0",
        ),
    ),
    # JSON Schema, but outside the subset.
    (True, (OBJECT, (), "A field schema should be an object")),
    ({}, (OBJECT, (), "'type' is required: one of boolean, number, integer, string, object")),
    (
        {"type": "array"},
        (
            OBJECT,
            ("type",),
            "'type' 'array' is not supported: use one of boolean, number, integer, string, object",
        ),
    ),
    (
        {"type": "null"},
        (
            OBJECT,
            ("type",),
            "'type' 'null' is not supported: use one of boolean, number, integer, string, object",
        ),
    ),
    (
        {"type": ["string", "null"]},
        (
            OBJECT,
            ("type",),
            "'type' ['string', 'null'] is not supported: a list of types is not supported",
        ),
    ),
    (
        {"type": "string", "pattern": "^a"},
        (OBJECT, ("pattern",), "'pattern' is not supported for type 'string': use enum, maxLength"),
    ),
    (
        {"type": "string", "minLength": 1},
        (
            OBJECT,
            ("minLength",),
            "'minLength' is not supported for type 'string': use enum, maxLength",
        ),
    ),
    (
        {"type": "number", "exclusiveMaximum": 1},
        (
            OBJECT,
            ("exclusiveMaximum",),
            "'exclusiveMaximum' is not supported for type 'number': "
            "use minimum, maximum, multipleOf",
        ),
    ),
    (
        {"type": "boolean", "const": True},
        (OBJECT, ("const",), "'const' is not supported for type 'boolean'"),
    ),
    (
        {"type": "boolean", "$ref": "#/x"},
        (OBJECT, ("$ref",), "'$ref' is not supported for type 'boolean'"),
    ),
    (
        {"$schema": "http://json-schema.org/draft-07/schema#", "type": "boolean"},
        (OBJECT, ("$schema",), "'$schema' should be https://json-schema.org/draft/2020-12/schema"),
    ),
    (
        {"type": "integer", "minimum": 5, "maximum": 1},
        (OBJECT, ("minimum",), "'minimum' (5) should not be greater than 'maximum' (1)"),
    ),
    (
        {"type": "string", "enum": ["a"], "maxLength": 3},
        (
            OBJECT,
            ("maxLength",),
            "'maxLength' does not go with 'enum': a string is one of the labels or free text",
        ),
    ),
    ({"type": "string", "enum": []}, (OBJECT, ("enum",), "'enum' should list at least one label")),
    (
        {"type": "string", "enum": ["a", 1]},
        (OBJECT, ("enum", 1), "'enum' labels should be strings, not 1"),
    ),
    (
        {"type": "string", "enum": ["a", ""]},
        (OBJECT, ("enum", 1), "'enum' labels should not be empty"),
    ),
    (
        {"type": "string", "enum": ["a", "b", "a"]},
        (OBJECT, ("enum", 2), "'enum' repeats the label 'a'"),
    ),
    (
        {"type": "object"},
        (OBJECT, ("properties",), "'properties' should name at least one field"),
    ),
    (
        {"type": "object", "properties": {}},
        (OBJECT, ("properties",), "'properties' should name at least one field"),
    ),
    (
        {"type": "object", "properties": {"": {"type": "boolean"}}},
        (OBJECT, ("properties", ""), "A field's name should not be empty"),
    ),
    (
        {"type": "object", "properties": {"inner": {"type": "object", "properties": {}}}},
        (
            OBJECT,
            ("properties", "inner", "type"),
            "'type' 'object' is not supported: a field of an object should be boolean, number, "
            "integer or string",
        ),
    ),
    (
        {"type": "object", "properties": {"a": {"type": "string", "format": "email"}}},
        (
            OBJECT,
            ("properties", "a", "format"),
            "'format' is not supported for type 'string': use enum, maxLength",
        ),
    ),
    (
        {"type": "object", "properties": {"a": {"type": "boolean"}}, "required": ["b"]},
        (OBJECT, ("required", 0), "'required' names 'b', which is not in 'properties'"),
    ),
    (
        {
            "type": "object",
            "properties": {"a": {"type": "boolean"}},
            "additionalProperties": {"type": "string"},
        },
        (
            OBJECT,
            ("additionalProperties",),
            "'additionalProperties' should be false (or true), not a schema",
        ),
    ),
    (
        {"type": "object", "properties": {"a": {"type": "boolean"}}, "minProperties": 1},
        (
            OBJECT,
            ("minProperties",),
            "'minProperties' is not supported for type 'object': use properties, required, "
            "additionalProperties",
        ),
    ),
    (
        {"type": "object", "properties": {"a": True}},
        (OBJECT, ("properties", "a"), "A field schema should be an object"),
    ),
]


@pytest.mark.parametrize(("schema", "expected"), REFUSED, ids=lambda v: json.dumps(v)[:60])
def test_every_way_out_of_the_subset_is_named(schema, expected):
    assert _one(schema) == expected


def test_every_problem_is_reported_at_once():
    schema = {
        "type": "object",
        "properties": {
            "a": {"type": "string", "enum": ["x", "x"]},
            "b": {"type": "number", "pattern": "x"},
        },
        "required": ["c"],
    }
    assert [problem.path for problem in schema_problems(schema)] == [
        ("properties", "a", "enum", 1),
        ("properties", "b", "pattern"),
        ("required", 0),
    ]


def _schema_of_size(size: int) -> dict:
    """A schema whose compact JSON is exactly `size` bytes (the labels pad it)."""
    schema = {"type": "string", "enum": ["x"]}
    base = len(json.dumps(schema, separators=(",", ":")))
    schema["enum"] = ["x" * (size - base + 1)]
    assert len(json.dumps(schema, separators=(",", ":")).encode()) == size
    return schema


def test_a_schema_of_64_kib_is_accepted_and_one_byte_more_is_refused():
    assert schema_problems(_schema_of_size(MAX_SCHEMA_BYTES)) == []
    (problem,) = schema_problems(_schema_of_size(MAX_SCHEMA_BYTES + 1))
    assert (problem.type, problem.path, problem.msg, problem.ctx) == (
        "field_schema_too_large",
        (),
        f"Schema should be at most {MAX_SCHEMA_BYTES} bytes as JSON, not {MAX_SCHEMA_BYTES + 1}",
        {"max_bytes": MAX_SCHEMA_BYTES},
    )


def test_the_size_counts_utf8_bytes_not_characters():
    schema = _schema_of_size(MAX_SCHEMA_BYTES)
    schema["enum"] = ["é" + schema["enum"][0][2:]]  # one character less, as many bytes
    assert len(json.dumps(schema, separators=(",", ":"), ensure_ascii=False).encode()) == (
        MAX_SCHEMA_BYTES
    )
    assert schema_problems(schema) == []
    schema["enum"] = ["é" + schema["enum"][0]]
    assert schema_problems(schema)[0].type == "field_schema_too_large"


@pytest.mark.parametrize(
    ("step", "good", "bad"),
    [
        (0.1, [0, 0.1, 0.3, 0.6, 0.7, 1, 1.0, -0.3, 12.5], [0.35, 0.01, 1e-9]),
        (0.25, [0.75, 2, -0.5], [0.1, 0.3]),
        (5, [0, 10, -15, 10.0], [7, 2.5]),
        (1e-3, [0.003, 0.123], [0.0005]),
    ],
)
def test_steps_are_exact_for_decimals(step, good, bad):
    validator = ValueValidator({"type": "number", "multipleOf": step})
    assert [value for value in good if list(validator.iter_errors(value))] == []
    for value in bad:
        assert [error.message for error in validator.iter_errors(value)] == [
            f"{value!r} is not a multiple of {step}"
        ]


def test_a_huge_integer_is_judged_exactly():
    validator = ValueValidator({"type": "integer", "multipleOf": 3})
    assert list(validator.iter_errors(3 * 10**40)) == []
    assert len(list(validator.iter_errors(3 * 10**40 + 1))) == 1


@pytest.mark.parametrize(
    ("schema", "points"),
    [
        ({"type": "integer", "minimum": 1, "maximum": 5}, (1, 2, 3, 4, 5)),
        (
            {"type": "number", "minimum": 0, "maximum": 1, "multipleOf": 0.25},
            (0, 0.25, 0.5, 0.75, 1),
        ),
        (
            {"type": "number", "minimum": 0, "maximum": 1, "multipleOf": 0.1},
            (0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1),
        ),
        ({"type": "number", "minimum": 0.05, "maximum": 0.3, "multipleOf": 0.1}, (0.1, 0.2, 0.3)),
        ({"type": "integer", "minimum": 0, "maximum": 10, "multipleOf": 5}, (0, 5, 10)),
        ({"type": "integer", "minimum": 0, "maximum": 100}, tuple(range(101))),
        ({"type": "integer", "minimum": 0, "maximum": 101}, None),
        ({"type": "number", "minimum": 1, "maximum": 5}, None),
        ({"type": "integer", "minimum": 1}, None),
    ],
)
def test_a_bounded_scale_has_its_points(schema, points):
    assert read_leaf(schema).points == points


@pytest.mark.parametrize("schema", [s for s in ACCEPTED if "title" not in s and "$schema" not in s])
def test_reading_a_schema_and_writing_it_back_agree(schema):
    fields = read_fields(schema)
    if fields is None:
        assert leaf_schema(read_leaf(schema)) == schema
    elif schema.get("additionalProperties") is False:
        assert object_schema(fields) == schema
