"""Query-string parsing shared by the auditor's tables: page, sort key and direction."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from flask import request

PER_PAGE = 50


def listing(sorts: Iterable[str], default: str, descending: bool = True) -> dict:
    """Read ?page=&sort=&dir= safely: an unknown sort key falls back to the default."""
    sort = request.args.get("sort", default)
    direction = request.args.get("dir", "desc" if descending else "asc")
    return {
        "sort": sort if sort in sorts else default,
        "descending": direction != "asc",
        "page": request.args.get("page", 1, type=int) or 1,
    }


def parse_date(name: str) -> date | None:
    """An ISO date from the query string, or None when absent or malformed."""
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None
