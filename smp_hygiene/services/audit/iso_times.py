"""Reading UTC times in bulk as the text the canonical JSON writes for them (`isoformat()`).

Hashing a million records spends as long turning SQLite's stored text into aware datetimes and
back into text as it spends hashing. SQLite keeps every `UTCDateTime` as text in one fixed form
(SQLAlchemy's storage format, in UTC), and its ISO form is a rearrangement of that text. Values
in any other form take the typed route, exactly as the ORM reads them; on PostgreSQL the driver
hands over datetimes, read here as the canonical form writes them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from sqlalchemy import String, type_coerce
from sqlalchemy.engine import Dialect

from smp_hygiene.models.base import UTCDateTime
from smp_hygiene.services.audit.chain import json_default

_SQLITE_UTC = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}")


def iso_from_sqlite_text(text: str) -> str | None:
    """`isoformat()` of the UTCDateTime SQLite stores as `text`, or None if not in that form."""
    if not _SQLITE_UTC.fullmatch(text):
        return None
    micro = text[19:] if text[20:] != "000000" else ""
    return f"{text[:10]}T{text[11:19]}{micro}+00:00"


class IsoTimes:
    """For one database: how to select a UTCDateTime column, and how to read what comes back as
    something the canonical form writes exactly as it writes the column's datetime."""

    def __init__(self, dialect: Dialect) -> None:
        self.raw = dialect.name == "sqlite"
        typed = UTCDateTime().dialect_impl(dialect).result_processor(dialect, None)
        self._typed: Callable[[Any], Any] = typed or (lambda value: value)

    def column(self, column: Any) -> Any:
        """The column to select: its stored text on SQLite, its typed value elsewhere."""
        return type_coerce(column, String).label(column.key) if self.raw else column

    def read(self, value: Any) -> Any:
        """The selected value as the text the canonical form writes for the column's datetime."""
        if value is None:
            return None
        if not self.raw:
            return json_default(value)
        fast = iso_from_sqlite_text(value) if isinstance(value, str) else None
        if fast is not None:
            return fast
        try:
            return self._typed(value).isoformat()
        except (TypeError, ValueError):
            return value  # unreadable: cannot equal the ISO text of any time, so nothing matches
