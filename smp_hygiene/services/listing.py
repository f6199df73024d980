"""Sorting, periods and page sizes shared by the auditor's tables, exports and reports.

Pages are Flask-SQLAlchemy's `db.paginate`, or `page_of` where counting every match would cost
more than the page itself (a recalled lot in a million sessions); a service that turns each row
into something richer replaces the page's `items` with the richer rows. The JSON API pages by key
instead (`keyset`): newest first, each page after the last id of the one before, so a row added
meanwhile neither repeats nor hides a row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select

from smp_hygiene.errors import InvalidInput
from smp_hygiene.extensions import db

MAX_ROWS = 50_000  # exports and reports: a bound, so one click cannot exhaust the server


def ordering(sorts: dict[str, Any], key: str, descending: bool, tiebreak: Any) -> list[Any]:
    """Only whitelisted sort keys reach SQL; a stable tiebreak keeps pages from overlapping."""
    if key not in sorts:
        raise InvalidInput(f"Cannot sort by {key!r}: choose one of {', '.join(sorts)}.")
    column = sorts[key]
    return [column.desc() if descending else column.asc(), tiebreak]


def page_args(page: int, per_page: int | None) -> dict[str, Any]:
    """`db.paginate`'s arguments for one page, or for every row up to MAX_ROWS when `per_page`
    is None (exports, reports): never more, and never an offset that would skip rows."""
    if per_page is None:
        return {"page": 1, "per_page": MAX_ROWS, "error_out": False}
    return {"page": max(1, page), "per_page": per_page, "error_out": False}


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


@dataclass(frozen=True)
class Slice:
    """One page of a keyset listing; `after` is the key to ask for the next, None at the end."""

    items: list[Any]
    after: int | None


def keyset(query: Select, key: Any, after: int | None, limit: int) -> Slice:
    """Up to `limit` rows of `query` whose `key` (an id column) is below `after`, highest first."""
    if after is not None:
        query = query.where(key < after)
    rows = list(db.session.scalars(query.order_by(None).order_by(key.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return Slice(rows, getattr(rows[-1], key.key) if more and rows else None)


@dataclass
class Page:
    """One page and whether another follows; `total` is None: nothing counted every match.
    `after`, where the order allows it, names the last row: the next page starts after it."""

    items: list[Any]
    page: int
    per_page: int
    has_next: bool
    total: int | None = None
    pages: int | None = None
    after: int | None = None

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def prev_num(self) -> int | None:
        return self.page - 1 if self.has_prev else None

    @property
    def next_num(self) -> int | None:
        return self.page + 1 if self.has_next else None


def page_of(query: Select, page: int, per_page: int | None) -> Page:
    """A page of `query` in one statement: one row more than the page says if another follows."""
    args = page_args(page, per_page)
    size, number = args["per_page"], args["page"]
    rows = list(db.session.scalars(query.limit(size + 1).offset((number - 1) * size)))
    return Page(rows[:size], number, size, has_next=len(rows) > size)


def rows_page(
    query: Select, page: int, per_page: int | None, params: dict[str, Any] | None = None
) -> Page:
    """`page_of` for a query of plain columns (with its bound `params`): its rows as they come,
    no ORM objects."""
    args = page_args(page, per_page)
    size, number = args["per_page"], args["page"]
    query = query.limit(size + 1).offset((number - 1) * size)
    rows = list(db.session.execute(query, params or {}))
    return Page(rows[:size], number, size, has_next=len(rows) > size)
