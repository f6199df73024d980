"""A NUL character in a request is refused before any view reads it: PostgreSQL stores no NUL in
a text column and answers such a query with an error, and no field of ours has a use for one."""

from __future__ import annotations

from collections.abc import Iterator

from flask import Flask, abort, request
from werkzeug.datastructures import MultiDict

REFUSAL = "The request contains a NUL character, which no field accepts."


def _texts() -> Iterator[str]:
    """The path, every query value (not only a repeated name's first), and a body's form fields
    and file names; a request without a body parses no form, so a page view stays cheap."""
    yield request.path
    fields: MultiDict = request.args
    if request.content_length or request.headers.get("Transfer-Encoding"):
        fields = request.values  # the query string and the form
        yield from (upload.filename or "" for upload in request.files.values())
    for name, value in fields.items(multi=True):
        yield name
        yield value


def _carries_nul() -> bool:
    return any("\x00" in text for text in _texts())


def refuse_nul_bytes() -> None:
    """Answer 400 to a path, query string or form carrying a NUL character."""
    if _carries_nul():
        abort(400, REFUSAL)


def register(app: Flask) -> None:
    """Check every request, on every blueprint, before its view runs."""
    app.before_request(refuse_nul_bytes)
