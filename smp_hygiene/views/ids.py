"""Record ids and whole numbers as they arrive in URLs, forms and query strings: ASCII digits
within the database's integer range, so a huge or foreign number is a 404 or a refusal, not a
database error."""

from __future__ import annotations

import re
from collections.abc import Callable

from flask import Flask, url_for
from werkzeug.routing import IntegerConverter, Map

# PostgreSQL's integer column: ids, counts and page numbers all fit in it.
MAX_ID = 2**31 - 1
# ASCII only: str.isdigit() and the \d of re also accept "²" and Arabic-Indic digits.
_DIGITS = re.compile(r"[0-9]{1,10}")


def whole_number(text: object, low: int = 0, high: int = MAX_ID) -> int:
    """The number `text` spells in ASCII digits, if it lies in low..high; ValueError otherwise."""
    raw = str(text).strip()
    if not _DIGITS.fullmatch(raw) or not low <= int(raw) <= high:
        raise ValueError(f"{raw[:20]!r} is not a whole number from {low} to {high}")
    return int(raw)


def record_id(text: object) -> int:
    """An id a record of ours could have (1 … 2^31-1); ValueError otherwise."""
    return whole_number(text, low=1)


def page_number(text: object) -> int:
    """A page of a listing (1 … 2^31-1); ValueError otherwise, so request.args falls back."""
    return whole_number(text, low=1)


class IdConverter(IntegerConverter):
    """`<int:…>` in every route: an id in the database's range, or the URL matches nothing."""

    regex = _DIGITS.pattern

    def __init__(self, map: Map, *args, **kwargs) -> None:
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def url_maker(endpoint: str, name: str, **values: object) -> Callable[[int], str]:
    """`url_for(endpoint, name=<id>, **values)` for every row of a table: the URL is built
    once, each row's id put into it (url_for costs tens of microseconds, a table has hundreds
    of links)."""
    prefix, suffix = url_for(endpoint, **values, **{name: MAX_ID}).split(str(MAX_ID), 1)
    return lambda ident: f"{prefix}{int(ident)}{suffix}"


def register(app: Flask) -> None:
    """Replace the `int` converter app-wide, before any blueprint adds its routes; templates
    get `url_maker`."""
    app.url_map.converters["int"] = IdConverter
    app.add_template_global(url_maker)
