"""Sorted, paginated lists for the auditor's tables, exports and reports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select

from smp_hygiene.errors import InvalidInput
from smp_hygiene.extensions import db

T = TypeVar("T")
MAX_ROWS = 50_000  # exports and reports: a bound, so one click cannot exhaust the server


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a sorted list; `per_page=None` means every row (exports, reports)."""

    items: list[T]
    total: int
    number: int = 1
    per_page: int | None = None

    @property
    def pages(self) -> int:
        if not self.per_page:
            return 1
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def ordering(sorts: dict[str, Any], key: str, descending: bool, tiebreak: Any) -> list[Any]:
    """Only whitelisted sort keys reach SQL; a stable tiebreak keeps pages from overlapping."""
    if key not in sorts:
        raise InvalidInput(f"Cannot sort by {key!r}: choose one of {', '.join(sorts)}.")
    column = sorts[key]
    return [column.desc() if descending else column.asc(), tiebreak]


def paginate(query: Select, page: int, per_page: int | None, scalars: bool = True) -> Page:
    """Count, then fetch one page (or every row up to MAX_ROWS)."""
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    page = max(1, page)
    limited = query.limit(per_page or MAX_ROWS).offset((page - 1) * (per_page or 0))
    result = db.session.execute(limited).unique()
    items = list(result.scalars() if scalars else result.all())
    return Page(items, total or 0, page, per_page)


def within_period(
    query: Select, column: Any, date_from: date | None, date_to: date | None
) -> Select:
    """Keep rows whose `column` falls on the days from `date_from` to `date_to`, both included."""
    if date_from and date_to and date_from > date_to:
        raise InvalidInput("The start of the period is after its end.")
    if date_from:
        query = query.where(column >= datetime.combine(date_from, time.min, UTC))
    if date_to:
        query = query.where(column < datetime.combine(date_to + timedelta(days=1), time.min, UTC))
    return query
