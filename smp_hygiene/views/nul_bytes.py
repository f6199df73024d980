"""A NUL character in a request is refused before any view reads it: PostgreSQL stores no NUL in
a text column and answers such a query with an error, and no field of ours has a use for one."""

from __future__ import annotations

from flask import Flask, abort, request

REFUSAL = "The request contains a NUL character, which no field accepts."


def _carries_nul() -> bool:
    # request.values: the query string, and the form body of a POST
    texts = [request.path, *request.values.keys(), *request.values.values()]
    texts += [f.filename or "" for f in request.files.values()]
    return any("\x00" in text for text in texts)


def refuse_nul_bytes() -> None:
    """Answer 400 to a path, query string or form carrying a NUL character."""
    if _carries_nul():
        abort(400, REFUSAL)


def register(app: Flask) -> None:
    """Check every request, on every blueprint, before its view runs."""
    app.before_request(refuse_nul_bytes)
