"""The demo clinic's day: bookings today, some ready and some with something still to do."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from smp_hygiene.models import Client, Clinic, Product, User
from smp_hygiene.services.bookings import operations
from smp_hygiene.services.bookings.operations import BookingDetails
from smp_hygiene.services.consent import patch_tests
from smp_hygiene.services.people import clients as client_records
from smp_hygiene.timeutil import from_local, local_date, utcnow

AREA = "Crown and hairline"


def load(
    clinic: Clinic, techs: tuple[User, User], clients: list[Client], products: list[Product]
) -> None:
    """Five bookings today and one next week: two ready, three each showing a different need."""
    toni, sam = techs
    black, ash, taupe = products[:3]
    today = local_date(utcnow(), clinic.timezone)
    jordan, chris, alexis, morgan, robin = clients
    _book(toni, jordan, _at(clinic, today, 10, 0), [black, ash])  # ready
    _book(sam, chris, _at(clinic, today, 11, 30), [black])  # ready
    later = _at(clinic, today, 14, 0)
    _book(toni, alexis, later, [black, taupe], "Hairline density, brow-tone blend")
    _pending_patch_test(alexis, taupe, toni, max(later, utcnow()))
    _book(sam, morgan, _at(clinic, today, 16, 0), [black, taupe])  # Morgan reacted to taupe
    newcomer = client_records.register_client(
        toni, "Casey Brandt", date(1993, 8, 21), phone="+32 470 11 22 33"
    )
    _book(toni, newcomer, _at(clinic, today, 17, 30), [black])  # no consent, no patch test
    _book(toni, robin, _at(clinic, today + timedelta(days=6), 10, 0), [black, ash])


def _at(clinic: Clinic, day: date, hour: int, minute: int) -> datetime:
    return from_local(datetime.combine(day, time(hour, minute)), clinic.timezone)


def _book(
    tech: User, client: Client, starts_at: datetime, pigments: list[Product], notes: str = ""
) -> None:
    details = BookingDetails(
        client_id=client.id,
        technician_id=tech.id,
        starts_at=starts_at,
        treated_area=AREA,
        pigment_ids=tuple(p.id for p in pigments),
        notes=notes,
    )
    operations.book(tech, details)


def _pending_patch_test(client: Client, pigment: Product, tech: User, booked: datetime) -> None:
    """Applied so that it may be read only an hour after the booking: Today says so."""
    wait = timedelta(hours=client.clinic.patch_test_wait_hours)
    applied = booked + timedelta(hours=1) - wait
    patch_tests.apply_patch_test(client, [pigment], tech, applied, "Behind right ear")
