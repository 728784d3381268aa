"""Field types of the control API's bodies that say in the OpenAPI what they accept.

JSON has no dates, and pydantic's lax mode would take `false` for a number or `0` for a date;
the control API takes exactly what its schema states, so every request schemathesis (or a
tester) builds from the schema is judged the way the schema says.
"""

from __future__ import annotations

import functools
import os
import re
from datetime import date, datetime
from typing import Annotated, Any, TypeVar

from pydantic import BeforeValidator, Field, StrictBool
from pydantic.json_schema import SkipJsonSchema

__all__ = [
    "EMAIL_PATTERN",
    "JSON_NUMBER",
    "NOT_BLANK",
    "DateTimeText",
    "NotNull",
    "StrictBool",
    "is_ecma_regex",
    "local_path_pattern",
]

T = TypeVar("T")

#: Something@something, no spaces. The blanks are spelled out: `\s` means more characters in
#: Python than in the ECMAScript regexes of JSON Schema.
EMAIL_PATTERN = r"^[^@ \t\n\r\f\v]+@[^@ \t\n\r\f\v]+$"

#: Text with something in it besides blanks (the same characters as EMAIL_PATTERN's).
NOT_BLANK = r"[^ \t\n\r\f\v]"

#: Years the mock accepts in dates (further out, time-zone arithmetic would overflow).
YEAR_PATTERN = r"^(19[7-9][0-9]|20[0-9]{2}|21[0-9]{2}|2200)-"
_YEAR = re.compile(YEAR_PATTERN)


def local_path_pattern(name_max: int = 255) -> str:
    """A path on this machine: no NUL, no name between separators longer than `name_max`
    characters (what file systems allow; a longer one is refused before it reaches them)."""
    separators = re.escape(os.sep + (os.altsep or ""))
    name = f"[^{separators}\\x00]{{0,{name_max}}}"
    return f"^{name}(?:[{separators}]{name})*$"


def _date_text(value: Any) -> Any:
    # TOML files give dates and date-times as objects; JSON gives text. Nothing else is a date.
    # A text must begin as the schema's pattern says: pydantic alone would read "0" or "1970"
    # as seconds since 1970, which the schema refuses.
    if isinstance(value, date) or (isinstance(value, str) and _YEAR.match(value)):
        return value
    raise ValueError("expected a date-time text such as 2026-11-01T09:00:00+09:00")


#: An ISO 8601 date-time from JSON text (a naive one means Japan time), years 1970–2200.
DateTimeText = Annotated[
    datetime,
    BeforeValidator(_date_text),
    Field(json_schema_extra={"pattern": YEAR_PATTERN}),
]


def _json_number(value: Any) -> Any:
    # JSON Schema's `integer` includes 3.0; `true` and "3" are not numbers.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("expected a number")
    return value


#: For an `int` field: a JSON number that is whole (3 or 3.0), never a boolean or a text.
#: Put it after the field's constraints, so that the schema keeps them:
#: `Annotated[int, Field(ge=0), JSON_NUMBER]`.
JSON_NUMBER = BeforeValidator(_json_number)


def _not_null(value: Any) -> Any:
    if value is None:
        raise ValueError("leave the field out rather than sending null")
    return value


#: An optional field that may be left out but not sent as `null` (the schema does not allow it).
NotNull = Annotated[T | SkipJsonSchema[None], BeforeValidator(_not_null)]


@functools.cache
def _regex_format() -> Any:
    import jsonschema_rs  # only a pattern being checked needs it (22 ms to import)

    return jsonschema_rs.validator_for({"format": "regex"}, validate_formats=True)


def is_ecma_regex(pattern: str) -> bool:
    """Whether `pattern` is a regular expression as JSON Schema's format "regex" means it
    (ECMA-262), by the validator schemathesis judges requests with: a pattern the control API
    accepts is one its schema allows. Python's re reads much that ECMA-262 refuses (`]`, `{`
    alone, `(?P<name>...)`, `\\A`, inline flags), so the mock takes what both read."""
    return bool(_regex_format().is_valid(pattern))
