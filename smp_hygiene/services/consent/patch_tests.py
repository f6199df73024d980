"""Patch tests: applying, reading, and whether one clears a client for a pigment."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from smp_hygiene.errors import InvalidInput, PatchTestRequired
from smp_hygiene.extensions import db
from smp_hygiene.models import (
    Client,
    Clinic,
    PatchTest,
    PatchTestResult,
    Product,
    ProductKind,
    User,
    patch_test_product,
)
from smp_hygiene.services.audit import chain


def apply_patch_test(
    client: Client, products: list[Product], user: User, applied_at: datetime, site: str = ""
) -> PatchTest:
    """Record a patch test applied with one or more pigments."""
    if not products or any(p.kind is not ProductKind.PIGMENT for p in products):
        raise InvalidInput("A patch test needs at least one pigment, and only pigments.")
    test = PatchTest(
        client=client, products=products, applied_at=applied_at, applied_by=user, site=site
    )
    db.session.add(test)
    chain.record(user, "patch_test.applied", test, after=_summary(test))
    return test


def read_patch_test(
    test: PatchTest, result: PatchTestResult, user: User, read_at: datetime, signs: str = ""
) -> PatchTest:
    """Record the reading; a test is read once, and never before it was applied."""
    if test.read_at is not None:
        raise InvalidInput(
            f"This patch test was already read on {test.read_at:%Y-%m-%d %H:%M} UTC; "
            "apply a new test to record another result."
        )
    if read_at < test.applied_at:
        raise InvalidInput("A patch test cannot be read before it was applied.")
    before = _summary(test)
    test.result, test.read_at, test.read_by, test.signs = result, read_at, user, signs
    chain.record(user, "patch_test.read", test, before=before, after=_summary(test))
    return test


def clearing_test(
    client: Client, product: Product, clinic: Clinic, session_start: datetime
) -> PatchTest:
    """The negative test that clears `client` for `product`, or PatchTestRequired saying why."""
    latest = _latest_read(client, product, session_start)
    name = product.title
    if latest is None or latest.read_at is None:
        raise PatchTestRequired(
            f"{client.full_name} has no read patch test for {name}. "
            "Apply one and read it before using this pigment."
        )
    read_at = latest.read_at
    when = f"{read_at:%Y-%m-%d %H:%M} UTC"
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
    ready_at = read_at + timedelta(hours=clinic.patch_test_min_hours)
    if ready_at > session_start:
        raise PatchTestRequired(
            f"The patch test for {name} was read {when}: it must be read at least "
            f"{clinic.patch_test_min_hours} hours before the session starts "
            f"(from {ready_at:%Y-%m-%d %H:%M} UTC)."
        )
    if read_at < session_start - timedelta(days=clinic.patch_test_valid_days):
        raise PatchTestRequired(
            f"The patch test for {name} read {when} is older than "
            f"{clinic.patch_test_valid_days} days. Repeat the test."
        )
    return latest


def _latest_read(client: Client, product: Product, before: datetime) -> PatchTest | None:
    """Only the newest reading counts: a later positive undoes an earlier negative."""
    return db.session.scalar(
        select(PatchTest)
        .join(patch_test_product, patch_test_product.c.patch_test_id == PatchTest.id)
        .where(
            PatchTest.client_id == client.id,
            patch_test_product.c.product_id == product.id,
            PatchTest.read_at.is_not(None),
            PatchTest.read_at <= before,
        )
        .order_by(PatchTest.read_at.desc(), PatchTest.id.desc())
        .limit(1)
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
        "applied_at": test.applied_at,
        "read_at": test.read_at,
        "result": test.result,
        "signs": test.signs,
        "site": test.site,
    }
