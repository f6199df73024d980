"""After the retention period a client's personal data is erased; the treatment record stays."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from smp_hygiene.errors import InvalidInput, NotAllowed, RetentionHold
from smp_hygiene.models import (
    AuditEntry,
    BookingStatus,
    Consent,
    ProblemReportStatus,
    ProductKind,
    ReactionStatus,
    Role,
    SessionStatus,
)
from smp_hygiene.services.people import retention
from smp_hygiene.services.sessions import sealing
from smp_hygiene.timeutil import local_date, utcnow
from tests.factories import (
    make_booking,
    make_consent,
    make_follow_up,
    make_lot,
    make_problem_report,
    make_reaction,
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


def test_an_open_recall_keeps_the_client_reachable_and_says_so(ctx):
    client, session = _old_client_with_a_session()
    recall = make_recall([session.uses[0].lot], source_reference="A12/0097/17")

    review = retention.review_retention(client.clinic)

    assert review.due == []
    [held] = review.held
    assert held.client is client
    assert held.holds == (
        f"recall #{recall.id} (EU Safety Gate alert A12/0097/17) is open and a recalled lot "
        "was used on them",
    )


def test_a_recalled_diluent_holds_the_client_too(ctx):
    session = make_session(started_at=LONG_AGO, status=SessionStatus.COMPLETED)
    water = make_lot(lot_number="AQ-7")
    make_use(session, make_lot(), diluent_lot=water)
    make_recall([water])

    assert [held.client for held in retention.review_retention(session.client.clinic).held] == [
        session.client
    ]


def test_an_open_reaction_holds_the_client_until_it_is_reported(ctx):
    client, session = _old_client_with_a_session()
    reaction = make_reaction(session)

    [held] = retention.review_retention(client.clinic).held
    reaction.status = ReactionStatus.REPORTED

    assert held.holds == (f"adverse reaction #{reaction.id} is still open",)
    assert [due.client for due in retention.list_due(client.clinic)] == [client]


def test_a_held_client_cannot_be_erased_and_the_admin_is_told_why(ctx):
    client, session = _old_client_with_a_session()
    recall = make_recall([session.uses[0].lot])

    with pytest.raises(RetentionHold, match=f"cannot be erased yet: recall #{recall.id}"):
        retention.anonymise_client(client, make_user(Role.ADMIN, clinic=client.clinic))

    assert client.anonymised_at is None


def test_erasing_every_due_client_refuses_a_list_that_changed(ctx):
    client, _ = _old_client_with_a_session()
    admin = make_user(Role.ADMIN, clinic=client.clinic)

    with pytest.raises(InvalidInput, match="1 client\\(s\\) are due now, not 2"):
        retention.erase_due_clients(client.clinic, admin, expected=2)
    erased = retention.erase_due_clients(client.clinic, admin, expected=1)

    assert erased == 1
    assert client.anonymised_at is not None


def test_an_erased_client_is_not_erased_twice(ctx):
    client, _ = _old_client_with_a_session()
    admin = make_user(Role.ADMIN, clinic=client.clinic)
    retention.anonymise_client(client, admin)

    with pytest.raises(InvalidInput, match="already erased"):
        retention.anonymise_client(client, admin)


def test_a_client_with_a_booking_still_booked_is_kept(ctx):
    client, session = _old_client_with_a_session()
    booking = make_booking(client, session.technician, utcnow() + timedelta(days=3))

    assert retention.list_due(client.clinic) == []
    [held] = retention.review_retention(client.clinic).held
    day = local_date(booking.starts_at, client.clinic.timezone)
    assert held.holds == (f"a booking on {day.isoformat()} is still booked",)


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


def test_erasing_a_client_blanks_their_reports_check_in_words_and_photos(ctx):
    client, session = _old_client_with_a_session()
    report = make_problem_report(session, status="dismissed")
    follow_up = make_follow_up(session, other="My scalp itches")

    retention.anonymise_client(client, make_user(Role.ADMIN, clinic=client.clinic))

    assert (report.description, follow_up.other) == ("", "")
    assert [photo.jpeg for photo in report.photos] == [b""]


def test_a_client_within_the_period_cannot_be_erased(ctx):
    client = make_session(started_at=utcnow()).client

    with pytest.raises(InvalidInput, match="not due for erasure"):
        retention.anonymise_client(client, make_user(Role.ADMIN, clinic=client.clinic))


def test_only_an_admin_can_erase(ctx):
    client, _ = _old_client_with_a_session()

    with pytest.raises(NotAllowed, match="Only an admin"):
        retention.anonymise_client(client, make_user(Role.AUDITOR, clinic=client.clinic))


def test_a_problem_report_waiting_in_the_inbox_holds_the_client(ctx):
    client, session = _old_client_with_a_session()
    report = make_problem_report(session)

    [held] = retention.review_retention(client.clinic).held

    assert held.client is client
    assert held.holds == (f"the problem they reported (#{report.id}) is not triaged yet",)
    assert retention.list_due(client.clinic) == []


def test_a_triaged_problem_report_no_longer_holds_the_client(ctx):
    client, session = _old_client_with_a_session()
    make_problem_report(session, status=ProblemReportStatus.DISMISSED)

    [due] = retention.list_due(client.clinic)

    assert due.client is client
