"""One clock for the whole app: timezone-aware UTC, so comparisons never mix naive and aware."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; we only ever store UTC, so mark them as such."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def local_date(moment: datetime, zone: str) -> date:
    """The calendar day `moment` falls on where the clinic is (expiry and shelf-life rules)."""
    return as_utc(moment).astimezone(ZoneInfo(zone)).date()
