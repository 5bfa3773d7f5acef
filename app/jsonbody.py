"""Strict JSON: parse request bodies and encode values without losing a bit.

The standard library parser keeps integers of any size exactly (orjson, for
one, turns integers past 64 bits into floats), so parsing uses it, made strict: NaN and
Infinity are not JSON and are refused with a position like any other error.
"""

import json
import re
from typing import Any

# The first NaN / Infinity token outside a string; only used to locate the
# error once the parser has told us such a token exists.
_CONSTANT_OR_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|(-?(?:NaN|Infinity))')


class NonStandardConstant(Exception):
    """The text holds NaN, Infinity or -Infinity, which JSON does not allow."""


class TooDeep(Exception):
    """The text nests deeper than the parser's recursion can follow."""


class NumberTooLong(Exception):
    """The text holds an integer longer than Python converts (sys.get_int_max_str_digits)."""


def _refuse_constant(name: str) -> Any:
    raise NonStandardConstant(name)


_decoder = json.JSONDecoder(parse_constant=_refuse_constant)


def loads(text: str) -> Any:
    """Parse JSON text strictly.

    Raises json.JSONDecodeError (with the stdlib's message and position) for
    invalid JSON, NaN or Infinity, TooDeep for absurd nesting and
    NumberTooLong for an integer of thousands of digits.
    """
    try:
        return _decoder.decode(text)
    except NonStandardConstant:
        position = _constant_position(text)
        raise json.JSONDecodeError("Expecting value", text, position) from None
    except RecursionError:
        raise TooDeep() from None
    except json.JSONDecodeError:
        raise
    except ValueError:
        # int() refuses more than 4,300 digits (CPython's guard against
        # quadratic conversion); the decoder lets that ValueError through.
        raise NumberTooLong() from None


def _constant_position(text: str) -> int:
    for match in _CONSTANT_OR_STRING.finditer(text):
        if match.group(1):
            return match.start(1)
    return 0


# Built once: json.dumps with any option set builds a new encoder per call.
_value_encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def dumps_value(value: Any) -> str:
    """Encode a parsed value as compact JSON text, the form in which it is stored."""
    return _value_encoder.encode(value)


def dumps_safe(obj: Any) -> str:
    """Encode for an error response: ASCII-escaped, so unpaired surrogates survive."""
    return json.dumps(obj, separators=(",", ":"))


encode_string = json.encoder.encode_basestring  # type: ignore[attr-defined]
