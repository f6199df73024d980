"""Patch tests: applying, reading, and whether one clears a client for a pigment."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import Column, Select, Table, select

from smp_hygiene.errors import InvalidInput, PatchTestRequired
from smp_hygiene.extensions import db
from smp_hygiene.models import (
    Client,
    Clinic,
    PatchTest,
    PatchTestResult,
    Product,
    ProductKind,
    SupplyLot,
    User,
    patch_test_lot,
    patch_test_product,
)
from smp_hygiene.services.audit import chain
from smp_hygiene.timeutil import as_utc, format_local, utcnow


def apply_patch_test(
    client: Client,
    products: list[Product],
    user: User,
    applied_at: datetime,
    site: str = "",
    lots: Sequence[SupplyLot] = (),
) -> PatchTest:
    """Record a test applied at `applied_at` (as entered) with pigments, or with pigment lots."""
    products = list(dict.fromkeys([*products, *(lot.product for lot in lots)]))
    if not products or any(p.kind is not ProductKind.PIGMENT for p in products):
        raise InvalidInput("A patch test needs at least one pigment, and only pigments.")
    if client.clinic.is_patch_test_per_lot and not lots:
        raise InvalidInput("This clinic clears pigments per lot: choose the pigment lots tested.")
    if any(lot.clinic_id != client.clinic_id for lot in lots):
        raise InvalidInput("Only lots received by this clinic can be patch tested.")
    if applied_at > utcnow():
        raise InvalidInput(
            f"The application time {format_local(applied_at, client.clinic.timezone)} is in "
            "the future: enter when the test was applied."
        )
    test = PatchTest(
        client=client,
        products=products,
        lots=list(lots),
        applied_at=applied_at,
        applied_by=user,
        site=site,
    )
    db.session.add(test)
    chain.record(user, "patch_test.applied", test, after=_summary(test))
    return test


def read_patch_test(
    test: PatchTest, result: PatchTestResult, user: User, read_at: datetime, signs: str = ""
) -> PatchTest:
    """Record the reading once; a negative or inconclusive one only after the waiting time."""
    zone, wait = test.client.clinic.timezone, test.client.clinic.patch_test_wait_hours
    if test.read_at is not None:
        raise InvalidInput(
            f"This patch test was already read on {format_local(test.read_at, zone)}; "
            "apply a new test to record another result."
        )
    if read_at < test.applied_at:
        raise InvalidInput("A patch test cannot be read before it was applied.")
    # A reaction seen early is a finding and blocks; an early "no reaction" proves nothing.
    ready = readable_at(test)
    if result is not PatchTestResult.POSITIVE and read_at < ready:
        raise InvalidInput(
            f"This patch test was applied {format_local(test.applied_at, zone)}: it may be "
            f"read from {format_local(ready, zone)}, {wait} hours after it was applied. "
            "A reaction seen before then can be recorded as positive."
        )
    before = _summary(test)
    test.result, test.read_at, test.read_by, test.signs = result, read_at, user, signs
    chain.record(user, "patch_test.read", test, before=before, after=_summary(test))
    return test


def readable_at(test: PatchTest) -> datetime:
    """The earliest moment a negative reading of `test` means anything (the clinic's wait)."""
    return as_utc(test.applied_at) + timedelta(hours=test.client.clinic.patch_test_wait_hours)


def clearing_test(
    client: Client,
    product: Product,
    clinic: Clinic,
    session_start: datetime,
    lot: SupplyLot | None = None,
) -> PatchTest:
    """The negative test that clears `client` for `product` (or `lot`, where the clinic tests
    per lot), or PatchTestRequired saying why."""
    per_lot = lot if clinic.is_patch_test_per_lot else None
    latest = latest_reading(client, per_lot or product, session_start)
    return judge_reading(latest, client, product, session_start, per_lot)


def judge_reading(
    latest: PatchTest | None,
    client: Client,
    product: Product,
    session_start: datetime,
    per_lot: SupplyLot | None = None,
) -> PatchTest:
    """The rule (R25) applied to the newest reading of `product` (or of the lot `per_lot`):
    the test if it clears the client, else PatchTestRequired saying why."""
    clinic = client.clinic
    name = f"{product.title} lot {per_lot.lot_number}" if per_lot else product.title
    if latest is None or latest.read_at is None:
        raise PatchTestRequired(
            f"{client.full_name} has no read patch test for {name}. "
            "Apply one and read it before using this pigment."
        )
    when = format_local(latest.read_at, clinic.timezone)
    if latest.result is PatchTestResult.POSITIVE:
        raise PatchTestRequired(
            f"{client.full_name} reacted to {name} (positive patch test read "
            f"{when}). This pigment is blocked until a newer negative test.",
            reacted=True,
        )
    if latest.result is PatchTestResult.INCONCLUSIVE:
        raise PatchTestRequired(
            f"The patch test for {name} read {when} was inconclusive. "
            "Repeat the test before using this pigment."
        )
    _check_timing(latest, name, clinic, session_start)
    return latest


def _check_timing(test: PatchTest, name: str, clinic: Clinic, session_start: datetime) -> None:
    """Applied long enough before the session, read late enough, and not too old (R25)."""
    zone, wait = clinic.timezone, timedelta(hours=clinic.patch_test_wait_hours)
    applied, read_at = as_utc(test.applied_at), as_utc(test.read_at or test.applied_at)
    if applied + wait > session_start:
        raise PatchTestRequired(
            f"The patch test for {name} was applied {format_local(applied, zone)}: it must be "
            f"applied at least {clinic.patch_test_wait_hours} hours before the session starts "
            f"(it clears sessions from {format_local(applied + wait, zone)})."
        )
    if read_at < applied + wait:
        raise PatchTestRequired(
            f"The patch test for {name} was read {format_local(read_at, zone)}, earlier than "
            f"{clinic.patch_test_wait_hours} hours after it was applied. Repeat the test."
        )
    valid_days = clinic.patch_test_valid_days
    if applied < session_start - timedelta(days=valid_days):
        days = "1 day" if valid_days == 1 else f"{valid_days} days"
        raise PatchTestRequired(
            f"The patch test for {name} applied {format_local(applied, zone)} is older than "
            f"{days}. Repeat the test."
        )


def latest_reading(
    client: Client, tested: Product | SupplyLot, before: datetime
) -> PatchTest | None:
    """Only the newest reading counts: a later positive undoes an earlier negative."""
    return db.session.scalar(
        _tests_of(client, tested)
        .where(PatchTest.read_at.is_not(None), PatchTest.read_at <= before)
        .order_by(PatchTest.read_at.desc(), PatchTest.id.desc())
        .limit(1)
    )


def find_pending_test(client: Client, tested: Product | SupplyLot) -> PatchTest | None:
    """The newest test of `tested` applied on the client and not read yet: what a reading may
    still turn into a clearance."""
    return db.session.scalar(
        _tests_of(client, tested)
        .where(PatchTest.read_at.is_(None))
        .order_by(PatchTest.applied_at.desc(), PatchTest.id.desc())
        .limit(1)
    )


def tests_link(kind: type) -> tuple[Table, Column]:
    """The table linking tests to what they tested (products or lots), and its column for it."""
    if kind is SupplyLot:
        return patch_test_lot, patch_test_lot.c.lot_id
    return patch_test_product, patch_test_product.c.product_id


def _tests_of(client: Client, tested: Product | SupplyLot) -> Select[PatchTest]:
    link, column = tests_link(type(tested))
    return (
        select(PatchTest)
        .join(link, link.c.patch_test_id == PatchTest.id)
        .where(PatchTest.client_id == client.id, column == tested.id)
    )


def list_due_for_reading(clinic: Clinic) -> list[PatchTest]:
    """Applied and not yet read, oldest first: the technician's reading queue."""
    return list(
        db.session.scalars(
            select(PatchTest)
            .join(Client)
            .where(Client.clinic_id == clinic.id, PatchTest.read_at.is_(None))
            .order_by(PatchTest.applied_at)
        )
    )


def patch_tests_query(
    clinic: Clinic, client_id: int | None = None, due_only: bool = False
) -> Select:
    """The clinic's patch tests (one client's, or only those not yet read), for a listing."""
    query = select(PatchTest).join(Client).where(Client.clinic_id == clinic.id)
    if client_id is not None:
        query = query.where(PatchTest.client_id == client_id)
    return query.where(PatchTest.read_at.is_(None)) if due_only else query


def list_for_client(client: Client) -> list[PatchTest]:
    return list(
        db.session.scalars(
            select(PatchTest)
            .where(PatchTest.client_id == client.id)
            .order_by(PatchTest.applied_at.desc())
        )
    )


def _summary(test: PatchTest) -> dict:
    return {
        "client_id": test.client_id,
        "products": sorted(p.id for p in test.products),
        "lots": sorted(lot.id for lot in test.lots),
        "applied_at": test.applied_at,
        "read_at": test.read_at,
        "result": test.result,
        "signs": test.signs,
        "site": test.site,
    }
