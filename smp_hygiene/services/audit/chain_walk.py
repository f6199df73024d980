"""The hashing loop of a chain walk: entries read as plain tuples, a page at a time by id, each
checked against the entry before it in its clinic's chain and against its own stored hash.

One loop serves a single clinic's walk (the auditor's pages, signing a checkpoint) and a walk of
every clinic at once over a range of ids (`audit-verify`): reading the table in id order once is
far cheaper than reading it once per clinic, and ranges can be walked side by side.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from hashlib import sha256
from json.encoder import encode_basestring as _text  # the string encoder canonical() uses
from typing import Any

from sqlalchemy import select

from smp_hygiene.extensions import db
from smp_hygiene.models import AuditEntry
from smp_hygiene.services.audit.chain import ENTRY_KEYS, canonical, entry_hash, hash_fields
from smp_hygiene.services.audit.iso_times import IsoTimes

# Entries are read in pages of this many, by id: memory stays flat however long the chain, and no
# server-side cursor is held open between pages (nor left open when a walk stops at a break).
PAGE = 5_000
_COLUMNS = (
    AuditEntry.id,
    AuditEntry.clinic_id,
    AuditEntry.prev_hash,
    AuditEntry.entry_hash,
    AuditEntry.at,
    AuditEntry.actor_id,
    AuditEntry.actor_label,
    AuditEntry.action,
    AuditEntry.entity_type,
    AuditEntry.entity_id,
    AuditEntry.before,
    AuditEntry.after,
)


class Walk:
    """One clinic's chain as walked so far: the hash its next entry must name as `prev_hash`."""

    __slots__ = ("after_id", "prev", "count", "head_id", "head_hash", "broken_at", "problem")

    def __init__(self, prev: str, after_id: int = 0) -> None:
        self.after_id = after_id  # entries up to this id lie before the walk's start
        self.prev = prev
        self.count = 0  # entries walked, the broken one included
        self.head_id: int | None = None
        self.head_hash = prev
        self.broken_at: int | None = None
        self.problem = ""

    def __repr__(self) -> str:
        return f"Walk(count={self.count}, head={self.head_id}, broken_at={self.broken_at})"


def walk(pages: Iterable[Sequence[Any]], walks: dict[int, Walk]) -> None:
    """Check every entry of the pages against its clinic's walk; a clinic's walk stops at its
    first break, the others go on. Entries of clinics without a walk are not theirs to check."""
    iso = IsoTimes(db.session.get_bind().dialect).read
    for page in pages:
        for row in page:
            entry_id, clinic_id, prev_hash, stored = row[0], row[1], row[2], row[3]
            state = walks.get(clinic_id)
            if state is None or state.broken_at is not None or entry_id <= state.after_id:
                continue
            state.count += 1
            if prev_hash != state.prev:
                state.broken_at = entry_id
                state.problem = (
                    f"entry {entry_id} does not follow the one before it: "
                    "a row was deleted or reordered"
                )
            elif fast_hash(
                clinic_id, prev_hash, iso(row[4]), *row[5:]
            ) != stored and not _typed_hash_matches(entry_id, stored):
                state.broken_at = entry_id
                state.problem = f"entry {entry_id} was changed after it was written"
            else:
                state.prev = state.head_hash = stored
                state.head_id = entry_id


def _entry_layout() -> str:
    """canonical()'s text for an entry body, with a numbered hole where each value goes (a
    format string): read off canonical() itself, so key order and separators cannot drift."""
    marks = [f"\x00{i}\x00" for i in range(len(ENTRY_KEYS))]
    layout = canonical(dict(zip(ENTRY_KEYS, marks, strict=True)))
    layout = layout.replace("{", "{{").replace("}", "}}")
    for i, mark in enumerate(marks):
        layout = layout.replace(_text(mark), f"{{{i}}}")
    return layout


_LAYOUT = _entry_layout()


def fast_hash(
    clinic_id: Any,
    prev_hash: Any,
    at: Any,
    actor_id: Any,
    actor_label: Any,
    action: Any,
    entity_type: Any,
    entity_id: Any,
    before: Any,
    after: Any,
) -> str:
    """hash_fields, for values as the database hands them over (text, integers, no actor as
    None) written into canonical()'s own layout: the same bytes, without a dict to sort (a
    third of the walk). Any other kind of value takes hash_fields itself."""
    values = (clinic_id, prev_hash, at, actor_id, actor_label, action, entity_type, entity_id)
    if type(clinic_id) is not int or not (actor_id is None or type(actor_id) is int):
        return hash_fields(*values, before, after)
    try:
        text = _LAYOUT.format(
            clinic_id,
            _text(prev_hash),
            _text(at),
            "null" if actor_id is None else actor_id,
            _text(actor_label),
            _text(action),
            _text(entity_type),
            _text(entity_id),
            _text(before),
            _text(after),
        )
    except TypeError:  # a value that is not text (a datetime): the canonical form decides
        return hash_fields(*values, before, after)
    return sha256(text.encode()).hexdigest()


def _typed_hash_matches(entry_id: int, stored: str) -> bool:
    """The entry read back through its column types, as the ORM reads it: the final word when
    the fast form did not match. A stored time that does not even parse was changed."""
    row = db.session.execute(select(*_COLUMNS).where(AuditEntry.id == entry_id)).one()
    try:
        return entry_hash(row) == stored
    except (TypeError, ValueError):
        return False


def pages(
    after_id: int, up_to: int | None = None, clinic_id: int | None = None
) -> Iterator[Sequence[Any]]:
    """Entries with ids in (after_id, up_to], of one clinic or all, in id order, as plain tuples
    (no ORM objects, no datetimes on SQLite), a page at a time."""
    at = IsoTimes(db.session.get_bind().dialect).column(AuditEntry.at)
    columns = (*_COLUMNS[:4], at, *_COLUMNS[5:])
    while True:
        stmt = select(*columns).where(AuditEntry.id > after_id).order_by(AuditEntry.id)
        if up_to is not None:
            stmt = stmt.where(AuditEntry.id <= up_to)
        if clinic_id is not None:
            stmt = stmt.where(AuditEntry.clinic_id == clinic_id)
        page = db.session.connection().execute(stmt.limit(PAGE)).all()
        yield page
        if len(page) < PAGE:
            return
        after_id = page[-1][0]
