"""Running many independent checks: one after the other, or shared out between processes.

A check here is a module-level function and its arguments; each returns a small report. Worker
processes are forked from the command with the app already built, open their own connections
(a connection is never shared across a fork), and run each check in its own app context.
"""

from __future__ import annotations

import contextlib
import multiprocessing
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Protocol

from flask import Flask, current_app

from smp_hygiene import sqlite
from smp_hygiene.extensions import db


class Runner(Protocol):
    def __call__(self, check: Callable[..., Any], calls: Sequence[tuple]) -> list[Any]: ...


def run_serially(check: Callable[..., Any], calls: Sequence[tuple]) -> list[Any]:
    """Each call in turn, in this process: the results in the order of the calls."""
    return [check(*args) for args in calls]


# A walk is cut into at least this many ranges where it is long enough: two to four workers
# then share it out evenly, however unequal the ranges' work.
PARTS = 16


def id_ranges(after: int, last: int, largest: int) -> list[tuple[int, int]]:
    """(after, last] cut into consecutive ranges (lo, hi] of at most `largest` ids, and into
    PARTS of them where there are enough ids."""
    size = max(1, min(largest, -(-(last - after) // PARTS)))
    return [(lo, min(lo + size, last)) for lo in range(after, last, size)]


def can_fork() -> bool:
    """Another process sees the same database: not so for SQLite in memory (the tests')."""
    url = db.engine.url
    in_memory = url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")
    return not in_memory and "fork" in multiprocessing.get_all_start_methods()


@contextlib.contextmanager
def runner(jobs: int) -> Iterator[Runner]:
    """Run checks in `jobs` processes where the database allows it, else here, one by one."""
    if jobs <= 1 or not can_fork():
        yield run_serially
        return
    db.session.close()
    db.engine.dispose()  # nothing open to inherit: each worker opens its own connections
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    pool = ProcessPoolExecutor(
        max_workers=jobs,
        mp_context=multiprocessing.get_context("fork"),
        initializer=_start_worker,
        initargs=(app,),
    )
    with pool:
        yield lambda check, calls: list(pool.map(_in_app_context, [(check, a) for a in calls]))


_APP: Flask | None = None


def _start_worker(app: Flask) -> None:
    global _APP
    _APP = app
    with app.app_context():
        db.engine.dispose(close=False)  # in case the parent opened one since: leave it to it


def _in_app_context(call: tuple[Callable[..., Any], tuple]) -> Any:
    check, args = call
    if _APP is None:  # set by _start_worker before any call
        raise RuntimeError("an audit-verify worker ran a check before it was started")
    with _APP.app_context(), sqlite.read_only():  # checks only read: never the write lock
        return check(*args)
