"""Query-string parsing shared by the auditor's tables: page, sort key, direction and period."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from flask import request

from smp_hygiene.timeutil import local_date, utcnow
from smp_hygiene.views.clock import clinic_tzinfo, clinic_zone
from smp_hygiene.views.ids import page_number

PER_PAGE = 50
DEFAULT_DAYS = 30


def listing(sorts: Iterable[str], default: str, descending: bool = True) -> dict:
    """Read ?page=&sort=&dir= safely: an unknown sort key falls back to the default."""
    sort = request.args.get("sort", default)
    direction = request.args.get("dir", "desc" if descending else "asc")
    return {
        "sort": sort if sort in sorts else default,
        "descending": direction != "asc",
        "page": request.args.get("page", 1, type=page_number) or 1,
    }


def parse_date(name: str) -> date | None:
    """An ISO date from the query string, or None when absent or malformed."""
    return parse_day(request.args.get(name))


def parse_day(value: str | None) -> date | None:
    """A YYYY-MM-DD query value, or None when absent or malformed."""
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def parse_period(args, default_days: int | None = DEFAULT_DAYS) -> tuple[date | None, date | None]:
    """?from=&to= as the clinic's whole days, `to` included; without `from`, the last days."""
    end, start = parse_day(args.get("to")), parse_day(args.get("from"))
    if start is None and default_days is not None:
        start = (end or local_date(utcnow(), clinic_zone())) - timedelta(days=default_days - 1)
    return start, end


def day_start(day: date | None) -> datetime | None:
    return datetime.combine(day, time.min, tzinfo=clinic_tzinfo()) if day else None


def day_after(day: date | None) -> datetime | None:
    return day_start(day + timedelta(days=1)) if day else None
