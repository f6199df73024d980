"""Fields every API schema uses: ids, text and moments that can only hold what the database
and the rules can take, so an odd value is a 422 naming the field, never a database error."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from marshmallow import ValidationError, fields, validate

from smp_hygiene.views.ids import MAX_ID

# No NUL (PostgreSQL stores none) and no other control character but tab and line breaks.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
EARLIEST_YEAR, LATEST_YEAR = 1900, 2200


def _printable(text: str) -> None:
    if _CONTROL.search(text):
        raise ValidationError("Contains a control character, which no field accepts.")


def Id(**kwargs) -> fields.Integer:  # noqa: N802  (reads as a field class, like fields.Integer)
    """A record's id: a whole number a record of ours could have."""
    return fields.Integer(strict=True, validate=validate.Range(1, MAX_ID), **kwargs)


def Text(max_length: int, min_length: int = 0, **kwargs) -> fields.String:  # noqa: N802
    """Text of `min_length` to `max_length` characters, without control characters."""
    length = validate.Length(min=min_length or None, max=max_length)
    return fields.String(validate=[length, _printable], **kwargs)


def Number(low: float, high: float, **kwargs) -> fields.Float:  # noqa: N802
    """A finite reading within the range any real instrument shows."""
    return fields.Float(validate=validate.Range(low, high), allow_nan=False, **kwargs)


class Moment(fields.AwareDateTime):
    """An ISO 8601 date and time with its offset (Z for UTC), returned in UTC."""

    def __init__(self, **kwargs) -> None:
        super().__init__(format="iso", **kwargs)

    def _deserialize(self, value, attr, data, **kwargs) -> datetime:
        moment = super()._deserialize(value, attr, data, **kwargs)
        if not EARLIEST_YEAR <= moment.year <= LATEST_YEAR:
            raise ValidationError(f"Give a moment between {EARLIEST_YEAR} and {LATEST_YEAR}.")
        return moment.astimezone(UTC)
