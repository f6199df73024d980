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


def local_time(moment: datetime, zone: str) -> datetime:
    """`moment` on the clinic's wall clock: what people read on screens, cards and messages."""
    return as_utc(moment).astimezone(ZoneInfo(zone))


def format_local(moment: datetime, zone: str) -> str:
    return f"{local_time(moment, zone):%Y-%m-%d %H:%M}"


def from_local(wall_clock: datetime, zone: str) -> datetime:
    """A time typed on the clinic's wall clock (naive), as the aware UTC moment we store."""
    if wall_clock.tzinfo is not None:
        return wall_clock.astimezone(UTC)
    return wall_clock.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)
