"""Building blocks shared by every record model: strict config, reusable field types, friendly errors."""

from __future__ import annotations

import datetime as dt
import re
import time
import uuid
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    StringConstraints,
    ValidationError,
    model_validator,
)


class RecordModel(BaseModel):
    """Base for a record's business fields (sync columns live in the database mixin, not here).

    The same model validates a form, a CSV import row and an incoming sync record, so a record that is
    valid anywhere is valid everywhere.
    """

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, validate_assignment=True)

    @model_validator(mode="before")
    @classmethod
    def _blank_is_missing(cls, data: Any) -> Any:
        """Blank means "not filled in": the field's default when it is "" (so a saved record re-validates,
        as sync does), else None (so a required field says it is required).

        One pass over the input dict per record rather than a Python validator per field: sync validates
        every field of 100,000s of records, and this rule is the only per-field Python step most need."""
        if not isinstance(data, dict):
            return data
        blanks = _blank_replacements(cls)
        out: dict[str, Any] | None = None
        for key, value in data.items():
            if (value is None or (isinstance(value, str) and not value.strip())) and key in blanks:
                replacement = blanks[key]
                if value is not replacement:
                    if out is None:
                        out = dict(data)
                    out[key] = replacement
        return data if out is None else out

    def __setattr__(self, name: str, value: Any) -> None:
        """Assignment (validate_assignment) follows the same blank rule as validation of a whole record."""
        blanks = _blank_replacements(type(self))
        if name in blanks and (value is None or (isinstance(value, str) and not value.strip())):
            value = blanks[name]
        super().__setattr__(name, value)


_BLANKS: dict[type[RecordModel], dict[str, str | None]] = {}


def _blank_replacements(cls: type[RecordModel]) -> dict[str, str | None]:
    """field -> what a blank (or None) input becomes: "" when the field's default is "", else None."""
    found = _BLANKS.get(cls)
    if found is None:
        found = _BLANKS[cls] = {name: ("" if f.default == "" else None) for name, f in cls.model_fields.items()}
    return found


_CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _check_uuid(value: str) -> str:
    if _CANONICAL_UUID.fullmatch(value):
        return value  # already what str(uuid.UUID(value)) gives: skip the parse (sync checks 100,000s)
    try:
        return str(uuid.UUID(value))
    except (ValueError, AttributeError, TypeError) as exc:
        raise ValueError("must be a record id (UUID)") from exc


RecordId = Annotated[str, AfterValidator(_check_uuid)]
"""A reference to another record by its id."""

Name = Annotated[str, StringConstraints(min_length=1, max_length=120)]
ShortText = Annotated[str, StringConstraints(max_length=200)]
LongText = Annotated[str, StringConstraints(max_length=4000)]

_POSTCODE = re.compile(r"^(GIR 0AA|[A-Z]{1,2}[0-9][0-9A-Z]? ?[0-9][A-Z]{2})$")


def _check_postcode(value: str) -> str:
    v = " ".join(value.upper().split())
    if not _POSTCODE.match(v):
        raise ValueError("is not a UK postcode (for example BN1 1AA)")
    if " " not in v:
        v = f"{v[:-3]} {v[-3:]}"
    return v


Postcode = Annotated[str, AfterValidator(_check_postcode)]


_FRIENDLY = {
    "missing": "is required",
    "string_too_short": "is required",
    "extra_forbidden": "is not a field of this record",
    "bool_parsing": "must be yes or no",
    "int_parsing": "must be a whole number",
    "float_parsing": "must be a number",
    "date_from_datetime_parsing": "must be a date like 2026-09-01",
    "date_parsing": "must be a date like 2026-09-01",
    "datetime_parsing": "must be a date and time like 2026-09-01 08:30",
    "datetime_from_date_parsing": "must be a date and time like 2026-09-01 08:30",
}


def friendly_errors(exc: ValidationError) -> dict[str, str]:
    """Turn pydantic's errors into `{field: plain English}` for forms, imports and sync reports."""
    out: dict[str, str] = {}
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "record"
        kind = err["type"]
        if err.get("input") is None and (kind.endswith("_type") or kind == "missing"):
            msg = "is required"
        elif kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
            limit = next(iter(err.get("ctx", {}).values()), "")
            word = {"greater_than_equal": "at least", "greater_than": "more than",
                    "less_than_equal": "at most", "less_than": "less than"}[kind]
            msg = f"must be {word} {limit}"
        elif kind == "string_too_long":
            msg = f"is too long (at most {err.get('ctx', {}).get('max_length')} characters)"
        elif kind in _FRIENDLY:
            msg = _FRIENDLY[kind]
        elif kind == "literal_error" or kind == "enum":
            expected = err.get("ctx", {}).get("expected", "")
            msg = f"must be one of {expected}" if expected else "is not one of the allowed values"
        else:
            msg = str(err["msg"])
            msg = msg.removeprefix("Value error, ")
        out.setdefault(loc, msg)
    return out


def blank_to_none(value: Any) -> Any:
    """Forms and CSV cells give '' for 'not filled in'; optional fields treat that as None."""
    if isinstance(value, str) and not value.strip():
        return None
    return value


_today: tuple[int, dt.date] = (-1, dt.date.min)


def today() -> dt.date:
    """`dt.date.today()`, computed at most once a second: the local date only changes on a whole second, and
    date.today() re-reads the time zone on every call (slow when sync validates 100,000s of dates)."""
    global _today
    second = int(time.time())
    if _today[0] != second:
        _today = (second, dt.date.fromtimestamp(second))
    return _today[1]
