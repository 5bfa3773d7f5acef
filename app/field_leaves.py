"""What a checked field schema (field_schemas.py) asks for: its leaves, each a boolean, a
number (a scale when bounded and stepped), one of some labels or text; an object's fields in
order. The hand-scoring form is built from them, summaries present values by them, and the
config form writes them back as a schema. A leaf module: every layer uses it."""

import math
from dataclasses import dataclass
from decimal import Decimal

# A scale has points (numbered buttons, statistics per point) up to this many.
MAX_POINTS = 101

BOOLEAN, NUMBER, LABELS, TEXT = "boolean", "number", "labels", "text"


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
