"""Whether a client is cleared for a pigment at a given time, and if not, what is still missing,
in words a technician can act on. The rule itself is `patch_tests.clearing_test` (R25); this
module asks it for one product, as the session screen and a booking need."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from smp_hygiene.errors import PatchTestRequired
from smp_hygiene.extensions import db
from smp_hygiene.models import Client, LotStatus, PatchTest, Product, SupplyLot
from smp_hygiene.services.consent import patch_tests
from smp_hygiene.timeutil import format_local, local_date, local_time, utcnow


@dataclass(frozen=True)
class PigmentStatus:
    product: Product
    cleared: bool
    message: str


def pigment_status(
    client: Client,
    product: Product,
    at: datetime,
    what: str | None = None,
    now: datetime | None = None,
) -> PigmentStatus:
    """Is `client` cleared for `product` at `at`? Where the clinic tests per lot, any lot of it in
    stock that a test clears will do. Without `what` a refusal is the rule's own words (a session
    already started); with it ("this booking"), it says what to do, and by when, before then."""
    lots = _lots_to_try(client, product)
    if not lots:
        message = f"No lot of {product.title} in stock to match a patch test: receive one first."
        return PigmentStatus(product, False, message)
    refusals: list[PatchTestRequired] = []
    for lot in lots:
        try:
            test = patch_tests.clearing_test(client, product, client.clinic, at, lot)
        except PatchTestRequired as error:
            refusals.append(error)
        else:
            read_on = local_date(test.read_at or test.applied_at, client.clinic.timezone)
            lot_words = f" (lot {lot.lot_number})" if lot else ""
            return PigmentStatus(product, True, f"Negative{lot_words}, read {read_on}.")
    if what is None:
        return PigmentStatus(product, False, str(refusals[0]))
    missing = _missing(client, product, (at, now or utcnow()), what, refusals[0])
    return PigmentStatus(product, False, missing)


def _lots_to_try(client: Client, product: Product) -> list[SupplyLot | None]:
    """The product itself, or where the clinic clears per lot, its lots that can be used."""
    if not client.clinic.is_patch_test_per_lot:
        return [None]
    return list(
        db.session.scalars(
            select(SupplyLot)
            .where(SupplyLot.product_id == product.id, SupplyLot.status == LotStatus.AVAILABLE)
            .order_by(SupplyLot.lot_number)
        )
    )


def _missing(
    client: Client,
    product: Product,
    when: tuple[datetime, datetime],
    what: str,
    refusal: PatchTestRequired,
) -> str:
    """What to do: a reaction blocks; a test waiting to be read says when; none says by when.
    `when` is the moment judged and the present."""
    at, now = when
    if refusal.reacted:
        return str(refusal)
    pending = patch_tests.find_pending_test(client, product)
    if pending is not None:
        return _pending(pending, product, at, what)
    if patch_tests.latest_reading(client, product, at) is not None:
        return str(refusal)  # read, but too old, too early or inconclusive: the rule says which
    zone, wait = client.clinic.timezone, client.clinic.patch_test_wait_hours
    latest_application = at - timedelta(hours=wait)
    if latest_application < now:
        return (
            f"No patch test for {product.title}, and it is too late to apply one: it needs "
            f"{wait} hours before it can be read. Leave this pigment out or move {what}."
        )
    return (
        f"No patch test for {product.title} yet: apply one by "
        f"{_moment(latest_application, at, zone)} so it can be read before {what}."
    )


def _pending(test: PatchTest, product: Product, at: datetime, what: str) -> str:
    zone = test.client.clinic.timezone
    ready = patch_tests.readable_at(test)
    if ready > at:
        return (
            f"Patch test for {product.title} will be read only at "
            f"{_moment(ready, at, zone)}, after {what}."
        )
    return (
        f"Patch test for {product.title} is not read yet: read it from "
        f"{_moment(ready, at, zone)}, before {what}."
    )


def _moment(moment: datetime, at: datetime, zone: str) -> str:
    """The clinic's clock time, with the date only when it is not the day of `at`."""
    if local_date(moment, zone) == local_date(at, zone):
        return f"{local_time(moment, zone):%H:%M}"
    return format_local(moment, zone)
