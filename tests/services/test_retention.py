"""After the retention period a client's personal data is erased; the treatment record stays."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from smp_hygiene.errors import InvalidInput, NotAllowed
from smp_hygiene.models import AuditEntry, BookingStatus, Consent, ProductKind, Role, SessionStatus
from smp_hygiene.services.people import retention
from smp_hygiene.services.sessions import sealing
from smp_hygiene.timeutil import utcnow
from tests.factories import (
    make_booking,
    make_consent,
    make_lot,
    make_recall,
    make_session,
    make_use,
    make_user,
)

LONG_AGO = utcnow() - timedelta(days=365 * 6)


def _old_client_with_a_session():
    session = make_session(started_at=LONG_AGO, status=SessionStatus.COMPLETED)
    make_use(session, make_lot(kind=ProductKind.NEEDLE_CARTRIDGE))
    return session.client, session


def test_a_client_treated_longer_ago_than_the_retention_period_is_due(ctx):
    client, _ = _old_client_with_a_session()

    [due] = retention.list_due(client.clinic)

    assert due.client is client
    assert due.kept_until == retention.kept_until(client.clinic, LONG_AGO)


def test_a_client_treated_within_the_period_is_kept(ctx):
    client, session = _old_client_with_a_session()
    make_session(client, started_at=utcnow() - timedelta(days=30))

    assert retention.list_due(client.clinic) == []


def test_an_open_recall_keeps_the_client_reachable(ctx):
    client, session = _old_client_with_a_session()
    make_recall([session.uses[0].lot])

    assert retention.list_due(client.clinic) == []


def test_a_client_with_a_booking_still_booked_is_kept(ctx):
    client, session = _old_client_with_a_session()
    make_booking(client, session.technician, utcnow() + timedelta(days=3))

    assert retention.list_due(client.clinic) == []


def test_admin_can_erase_a_due_client_and_the_seal_still_holds(ctx):
    client, session = _old_client_with_a_session()
    client.phone, client.email = "+32 470 11 22 33", "sam@mail.example"
    session.sealed_digest = sealing.digest(session)
    make_consent(client)

    retention.anonymise_client(client, make_user(Role.ADMIN, clinic=client.clinic))

    assert (client.full_name, client.date_of_birth) == (
        f"Erased client #{client.id}",
        date(1900, 1, 1),
    )
    assert (client.phone, client.email, client.initials) == ("", "", "(anonymised)")
    assert Consent.query.filter_by(client_id=client.id).one().signature_png == b""
    assert sealing.verify_seals().ok
    entry = AuditEntry.query.filter_by(action="client.anonymised").one()
    assert "sam@mail.example" not in entry.after + entry.before


def test_erasing_a_client_blanks_the_free_text_of_their_bookings(ctx):
    client, session = _old_client_with_a_session()
    booking = make_booking(
        client,
        session.technician,
        LONG_AGO,
        notes="Sam prefers Fridays",
        cancel_reason="Ill",
        status=BookingStatus.CANCELLED,
    )

    retention.anonymise_client(client, make_user(Role.ADMIN, clinic=client.clinic))

    assert (booking.notes, booking.cancel_reason) == ("", "")


def test_a_client_within_the_period_cannot_be_erased(ctx):
    client = make_session(started_at=utcnow()).client

    with pytest.raises(InvalidInput, match="not due for erasure"):
        retention.anonymise_client(client, make_user(Role.ADMIN, clinic=client.clinic))


def test_only_an_admin_can_erase(ctx):
    client, _ = _old_client_with_a_session()

    with pytest.raises(NotAllowed, match="Only an admin"):
        retention.anonymise_client(client, make_user(Role.AUDITOR, clinic=client.clinic))
