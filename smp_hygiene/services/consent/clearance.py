"""Whether a client is cleared for a pigment at a given time, and if not, what is still missing,
in words a technician can act on. The rule itself is `patch_tests.judge_reading` (R25); this
module applies it to the pigments the session screen or a booking shows, reading the patch tests
of all of them at once."""

from __future__ import annotations

from collections.abc import Sequence
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
    return pigment_statuses(client, [product], at, what, now)[0]


def pigment_statuses(
    client: Client,
    products: Sequence[Product],
    at: datetime,
    what: str | None = None,
    now: datetime | None = None,
) -> list[PigmentStatus]:
    """`pigment_status` of each of `products`, in order: one query for the patch tests of them
    all (and one for their lots where the clinic clears per lot), whatever their number."""
    if not products:
        return []
    lots = _lots_to_try(client, products)
    tried = [item or product for product in products for item in lots[product.id]]
    latest = latest_readings(client, tried, at)
    statuses = []
    for product in products:
        status = _judged(client, product, at, lots[product.id], latest)
        if isinstance(status, PatchTestRequired):
            words = str(status)
            if what is not None:
                words = _missing(client, product, (at, now or utcnow()), what, status)
            status = PigmentStatus(product, False, words)
        statuses.append(status)
    return statuses


def _judged(
    client: Client,
    product: Product,
    at: datetime,
    lots: list[SupplyLot | None],
    latest: dict[Product | SupplyLot, PatchTest],
) -> PigmentStatus | PatchTestRequired:
    """Cleared by the first lot (or the product) whose newest reading clears, else the first
    refusal; no lot in stock to try is a status of its own."""
    if not lots:
        message = f"No lot of {product.title} in stock to match a patch test: receive one first."
        return PigmentStatus(product, False, message)
    refusals: list[PatchTestRequired] = []
    for lot in lots:
        try:
            test = patch_tests.judge_reading(latest.get(lot or product), client, product, at, lot)
        except PatchTestRequired as error:
            refusals.append(error)
        else:
            read_on = local_date(test.read_at or test.applied_at, client.clinic.timezone)
            lot_words = f" (lot {lot.lot_number})" if lot else ""
            return PigmentStatus(product, True, f"Negative{lot_words}, read {read_on}.")
    return refusals[0]


def latest_readings(
    client: Client, tested: Sequence[Product | SupplyLot], before: datetime
) -> dict[Product | SupplyLot, PatchTest]:
    """`patch_tests.latest_reading` of each of `tested` (products or lots) in one query each."""
    found: dict[Product | SupplyLot, PatchTest] = {}
    for kind in (Product, SupplyLot):
        wanted = {item.id: item for item in tested if isinstance(item, kind)}
        if not wanted:
            continue
        link, column = patch_tests.tests_link(kind)
        rows = db.session.execute(
            select(column, PatchTest)
            .join(link, link.c.patch_test_id == PatchTest.id)
            .where(PatchTest.client_id == client.id, column.in_(wanted))
            .where(PatchTest.read_at.is_not(None), PatchTest.read_at <= before)
            .order_by(PatchTest.read_at.desc(), PatchTest.id.desc())
        )
        for tested_id, test in rows:  # newest first: the first row of each is its latest
            found.setdefault(wanted[tested_id], test)
    return found


def _lots_to_try(client: Client, products: Sequence[Product]) -> dict[int, list[SupplyLot | None]]:
    """Per product, the product itself, or where the clinic clears per lot, its lots that can
    be used: one query for every product."""
    if not client.clinic.is_patch_test_per_lot:
        return {product.id: [None] for product in products}
    lots: dict[int, list[SupplyLot | None]] = {product.id: [] for product in products}
    for lot in db.session.scalars(
        select(SupplyLot)
        .where(SupplyLot.product_id.in_(lots), SupplyLot.status == LotStatus.AVAILABLE)
        .order_by(SupplyLot.lot_number, SupplyLot.id)
    ):
        lots[lot.product_id].append(lot)
    return lots


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
