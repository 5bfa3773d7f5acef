"""The expression grammar of eval_results filters: Weave's `$expr` query language, as pydantic
models.

An operation is an object of exactly one key (`$and`, `$or`, `$not`, `$eq`,
`$gt`, `$gte`, `$lt`, `$lte`, `$in`, `$contains`); an operand is an
operation, `{"$literal": value}`, `{"$getField": "scores.correct"}` or
`{"$convert": {"input": operand, "to": "double"}}`. Tagged unions keyed by
that one key keep an error to one line at the exact place (pydantic would
otherwise report every member of the union it tried). Used by
app/validation.py; what the fields mean is app/services/eval_fields.py's.
"""

from typing import Annotated, Any, ClassVar, Literal, Union

from pydantic import AfterValidator, BaseModel, ConfigDict, Discriminator, Field, Tag

OPERATIONS = ("$and", "$or", "$not", "$eq", "$gt", "$gte", "$lt", "$lte", "$in", "$contains")
OPERAND_KEYS = ("$literal", "$getField", "$convert")
CONVERSIONS = ("double", "int", "bool", "string", "exists")
FIELD_MAX_LENGTH = 1024


def _one_key(value: Any) -> str | None:
    """The tag of an operation or operand: its only key, or its model's."""
    if isinstance(value, dict):
        return next(iter(value)) if len(value) == 1 else None
    return getattr(value, "TAG", None)


def _tagged(keys: tuple[str, ...], what: str) -> Discriminator:
    expected = ", ".join(keys)
    return Discriminator(
        _one_key,
        custom_error_type=f"{what}_type",
        custom_error_message=f"Input should be an object with exactly one of the keys {expected}",
        custom_error_context={"expected": expected},
    )


class _Node(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    TAG: ClassVar[str] = ""


def _check_literal(value: Any) -> Any:
    # The rules of a stored value (app/validation.py, which imports this module).
    from app.validation import check_value

    return check_value(value)


def _check_field(text: str) -> str:
    from app.validation import check_identifier

    return check_identifier(text)


class LiteralOperand(_Node):
    TAG = "$literal"
    value: Annotated[Any, AfterValidator(_check_literal)] = Field(alias="$literal")


class GetFieldOperand(_Node):
    TAG = "$getField"
    field: Annotated[str, AfterValidator(_check_field)] = Field(
        alias="$getField", min_length=1, max_length=FIELD_MAX_LENGTH
    )


class ConvertSpec(BaseModel):
    model_config = ConfigDict(frozen=True)
    input: "Operand"
    to: Literal["double", "int", "bool", "string", "exists"]


class ConvertOperand(_Node):
    TAG = "$convert"
    spec: ConvertSpec = Field(alias="$convert")


class AndOperation(_Node):
    TAG = "$and"
    terms: list["Operand"] = Field(alias="$and", min_length=1)


class OrOperation(_Node):
    TAG = "$or"
    terms: list["Operand"] = Field(alias="$or", min_length=1)


class NotOperation(_Node):
    TAG = "$not"
    terms: tuple["Operand"] = Field(alias="$not")


class EqOperation(_Node):
    TAG = "$eq"
    terms: tuple["Operand", "Operand"] = Field(alias="$eq")


class GtOperation(_Node):
    TAG = "$gt"
    terms: tuple["Operand", "Operand"] = Field(alias="$gt")


class GteOperation(_Node):
    TAG = "$gte"
    terms: tuple["Operand", "Operand"] = Field(alias="$gte")


class LtOperation(_Node):
    TAG = "$lt"
    terms: tuple["Operand", "Operand"] = Field(alias="$lt")


class LteOperation(_Node):
    TAG = "$lte"
    terms: tuple["Operand", "Operand"] = Field(alias="$lte")


class InOperation(_Node):
    TAG = "$in"
    terms: tuple["Operand", list["Operand"]] = Field(alias="$in")


class ContainsSpec(BaseModel):
    model_config = ConfigDict(frozen=True)
    input: "Operand"
    substr: "Operand"
    case_insensitive: bool = False


class ContainsOperation(_Node):
    TAG = "$contains"
    spec: ContainsSpec = Field(alias="$contains")


_OPERATION_MODELS = (
    AndOperation,
    OrOperation,
    NotOperation,
    EqOperation,
    GtOperation,
    GteOperation,
    LtOperation,
    LteOperation,
    InOperation,
    ContainsOperation,
)
_OPERAND_MODELS = (LiteralOperand, GetFieldOperand, ConvertOperand)

Operation = Annotated[
    Union[  # noqa: UP007  (a tagged union: each member carries its tag)
        Annotated[AndOperation, Tag("$and")],
        Annotated[OrOperation, Tag("$or")],
        Annotated[NotOperation, Tag("$not")],
        Annotated[EqOperation, Tag("$eq")],
        Annotated[GtOperation, Tag("$gt")],
        Annotated[GteOperation, Tag("$gte")],
        Annotated[LtOperation, Tag("$lt")],
        Annotated[LteOperation, Tag("$lte")],
        Annotated[InOperation, Tag("$in")],
        Annotated[ContainsOperation, Tag("$contains")],
    ],
    _tagged(OPERATIONS, "operation"),
]
Operand = Annotated[
    Union[  # noqa: UP007
        Annotated[LiteralOperand, Tag("$literal")],
        Annotated[GetFieldOperand, Tag("$getField")],
        Annotated[ConvertOperand, Tag("$convert")],
        Annotated[AndOperation, Tag("$and")],
        Annotated[OrOperation, Tag("$or")],
        Annotated[NotOperation, Tag("$not")],
        Annotated[EqOperation, Tag("$eq")],
        Annotated[GtOperation, Tag("$gt")],
        Annotated[GteOperation, Tag("$gte")],
        Annotated[LtOperation, Tag("$lt")],
        Annotated[LteOperation, Tag("$lte")],
        Annotated[InOperation, Tag("$in")],
        Annotated[ContainsOperation, Tag("$contains")],
    ],
    _tagged(OPERAND_KEYS + OPERATIONS, "operand"),
]


class FilterQuery(BaseModel):
    """`{"$expr": operation}`."""

    model_config = ConfigDict(frozen=True)
    expr: Operation = Field(alias="$expr")


for _model in (*_OPERAND_MODELS, *_OPERATION_MODELS, ConvertSpec, ContainsSpec, FilterQuery):
    _model.model_rebuild()
