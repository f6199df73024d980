"""One lock per session record: every write to a session takes it first.

A scan, a tick, a pack, a label attestation, an acknowledged warning, an addendum, a void and the
completion all start with `lock_session`, so none can slip in between a completion's checks and
its digest, and of two completions only the first finds the session still open.

PostgreSQL: `SELECT ... FOR NO KEY UPDATE` on the session row. Writers of the same session queue;
rows that merely reference the session (a refusal, a reaction) are not blocked, and other
sessions never wait. SQLite has one write lock for the whole file: write transactions already
begin with `BEGIN IMMEDIATE` (smp_hygiene/sqlite.py), so the session was read under the lock and
nothing more is needed; in a transaction that began as a read, the no-op UPDATE here takes the
lock, and fails rather than writing on a stale snapshot.

Lock order: the session row first, then the audit chain's lock (taken inside `chain.record`), so
two writers never wait for each other.
"""

from __future__ import annotations

from sqlalchemy import inspect, text

from smp_hygiene.extensions import db
from smp_hygiene.models import TreatmentSession
from smp_hygiene.sqlite import sqlite_write_lock_held

_HELD = "smp_locked_sessions"


def lock_session(session: TreatmentSession) -> None:
    """Hold the session for the rest of the transaction and re-read it inside the lock."""
    if not inspect(session).persistent:  # not yet in the database: no one else can see it
        return
    if session.id in _held():
        return  # re-reading now would drop what this transaction already changed
    if db.session.get_bind().dialect.name == "sqlite":
        if sqlite_write_lock_held():
            _held().add(session.id)  # everything this transaction read, it read under the lock
            return
        db.session.execute(
            text("UPDATE treatment_session SET status = status WHERE id = :id"), {"id": session.id}
        )
        db.session.refresh(session)
    else:
        db.session.refresh(session, with_for_update={"key_share": True})
    _held().add(session.id)


def _held() -> set[int]:
    """The sessions locked in the current transaction; a new transaction starts a new set."""
    transaction = db.session().get_transaction()
    info = db.session.info
    if info.get(_HELD + "_in") is not transaction:
        info[_HELD + "_in"], info[_HELD] = transaction, set()
    return info[_HELD]
