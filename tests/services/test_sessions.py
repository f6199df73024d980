"""A session from start to seal, and how a sealed record may (not) change."""

from __future__ import annotations

from datetime import timedelta

import pytest

from smp_hygiene.errors import (
    CannotComplete,
    ConsentRequired,
    InvalidInput,
    NotAllowed,
    NotFound,
    SessionNotOpen,
    WarningNeedsAcknowledgement,
)
from smp_hygiene.extensions import db
from smp_hygiene.models import AuditEntry, ProductKind, Role, SessionStatus
from smp_hygiene.services.sessions import checklists, lifecycle, sealing
from smp_hygiene.timeutil import utcnow
from tests.factories import (
    gs1_for,
    make_checklist,
    make_client,
    make_clinic,
    make_consenting_client,
    make_lot,
    make_ready_session,
    make_session,
    make_user,
)


def _ready_to_complete():
    session = make_ready_session()
    for item in make_checklist(session.clinic):
        lifecycle.answer_item(session, item, session.technician)
    cartridge = make_lot(kind=ProductKind.NEEDLE_CARTRIDGE)
    lifecycle.record_scan(session, gs1_for(cartridge, serial="S1"), session.technician)
    return session


def test_technician_can_start_a_session(ctx):
    client, tech = make_consenting_client(), make_user()

    session = lifecycle.start_session(client, tech, treated_area="Crown")

    assert (session.status, session.course_number) == (SessionStatus.IN_PROGRESS, 1)
    assert AuditEntry.query.filter_by(action="session.started").count() == 1


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.ADMIN])
def test_only_a_technician_can_start_a_session(ctx, role):
    client = make_client()

    with pytest.raises(NotAllowed, match="Only a technician"):
        lifecycle.start_session(client, make_user(role, clinic=client.clinic))


def test_the_next_session_continues_the_course(ctx):
    client = make_consenting_client()
    make_session(
        client,
        started_at=utcnow() - timedelta(days=14),
        status=SessionStatus.COMPLETED,
        course_number=1,
    )

    session = lifecycle.start_session(client, make_user())

    assert session.course_number == 2


def test_a_session_within_the_healing_gap_needs_an_acknowledgement(ctx):
    client = make_consenting_client(full_name="Sam Doe")
    make_session(client, started_at=utcnow() - timedelta(days=3), status=SessionStatus.COMPLETED)

    with pytest.raises(
        WarningNeedsAcknowledgement, match="3 days ago. The skin needs at least 5 days to heal"
    ):
        lifecycle.start_session(client, make_user())


@pytest.mark.parametrize(
    ("hours_ago", "words"), [(30, ", 1 day ago. "), (2, ", less than a day ago. ")]
)
def test_the_healing_gap_warning_counts_days_in_plain_words(ctx, hours_ago, words):
    client = make_consenting_client()
    started = utcnow() - timedelta(hours=hours_ago)
    make_session(client, started_at=started, status=SessionStatus.COMPLETED)

    with pytest.raises(WarningNeedsAcknowledgement) as refused:
        lifecycle.start_session(client, make_user())

    assert words in str(refused.value)
    assert "(s)" not in str(refused.value)


def test_an_acknowledged_healing_gap_is_kept_on_the_record(ctx):
    client = make_consenting_client()
    make_session(client, started_at=utcnow() - timedelta(days=3), status=SessionStatus.COMPLETED)

    session = lifecycle.start_session(
        client, make_user(), acknowledge_reason="Touch-up of one spot"
    )

    assert [(o.code, o.reason) for o in session.overrides] == [
        ("healing_gap", "Touch-up of one spot")
    ]


def test_a_client_cannot_have_two_sessions_in_progress(ctx):
    client = make_consenting_client()
    lifecycle.start_session(client, make_user())

    with pytest.raises(InvalidInput, match="already has session .* in progress"):
        lifecycle.start_session(client, make_user())


def test_a_session_cannot_complete_with_an_unticked_checklist(ctx):
    session = make_ready_session()
    make_checklist(session.clinic, texts=("Hands washed", "Fresh gloves"))
    cartridge = make_lot(kind=ProductKind.NEEDLE_CARTRIDGE)
    lifecycle.record_scan(session, gs1_for(cartridge), session.technician)

    with pytest.raises(
        CannotComplete, match="Checklist items not ticked: Hands washed; Fresh gloves"
    ):
        lifecycle.complete_session(session, session.technician)


def test_a_session_cannot_complete_without_a_needle_cartridge(ctx):
    session = make_ready_session()
    for item in make_checklist(session.clinic):
        lifecycle.answer_item(session, item, session.technician)

    with pytest.raises(CannotComplete, match="No needle cartridge scanned yet"):
        lifecycle.complete_session(session, session.technician)


def test_completion_seals_the_record_and_issues_a_token(ctx):
    session = _ready_to_complete()

    lifecycle.complete_session(session, session.technician)

    assert session.status is SessionStatus.COMPLETED
    assert session.sealed_digest == sealing.digest(session)
    assert len(session.verify_token) >= 22  # 128 bits in URL-safe base64


def test_another_technician_cannot_complete_the_session(ctx):
    session = _ready_to_complete()

    with pytest.raises(NotAllowed, match="Only the technician who ran the session"):
        lifecycle.complete_session(session, make_user())


@pytest.mark.parametrize("change", ["scan", "tick", "attest"])
def test_a_completed_session_accepts_no_changes(ctx, change):
    session = _ready_to_complete()
    lifecycle.complete_session(session, session.technician)
    tech, item = (
        session.technician,
        checklists.add_item(session.clinic, "New", make_user(Role.ADMIN)),
    )
    act = {
        "scan": lambda: lifecycle.record_scan(session, gs1_for(make_lot()), tech),
        "tick": lambda: lifecycle.answer_item(session, item, tech),
        "attest": lambda: lifecycle.attest_label_info(session, tech),
    }[change]

    with pytest.raises(SessionNotOpen, match="is completed: it no longer accepts"):
        act()


def test_an_addendum_corrects_a_sealed_record_without_changing_it(ctx):
    session = _ready_to_complete()
    lifecycle.complete_session(session, session.technician)
    digest = session.sealed_digest

    lifecycle.add_addendum(
        session, make_user(Role.AUDITOR), "Typo", "Area was the crown, not nape."
    )

    assert sealing.digest(session) == digest
    assert session.addenda[0].reason == "Typo"
    assert AuditEntry.query.filter_by(action="session.addendum").count() == 1


def test_an_addendum_needs_a_reason(ctx):
    session = _ready_to_complete()
    lifecycle.complete_session(session, session.technician)

    with pytest.raises(InvalidInput, match="needs both a reason"):
        lifecycle.add_addendum(session, session.technician, " ", "text")


def test_voiding_needs_a_reason(ctx):
    session = make_session()

    with pytest.raises(InvalidInput, match="Say why"):
        lifecycle.void_session(session, session.technician, "")


def test_only_an_admin_can_void_a_completed_session(ctx):
    session = _ready_to_complete()
    lifecycle.complete_session(session, session.technician)

    with pytest.raises(NotAllowed, match="Only an admin"):
        lifecycle.void_session(session, session.technician, "Wrong client")


def test_admin_can_void_a_completed_session_and_it_stays_sealed(ctx):
    session = _ready_to_complete()
    lifecycle.complete_session(session, session.technician)

    lifecycle.void_session(session, make_user(Role.ADMIN), "Wrong client selected")

    assert session.status is SessionStatus.VOIDED
    assert sealing.verify_seals().ok


def test_a_refusal_is_kept_for_the_dashboard(ctx):
    session = make_session()

    refusal = lifecycle.record_refusal(session.technician, CannotComplete("nope"), "raw", session)
    db.session.flush()

    assert (refusal.reason, refusal.message, refusal.session_id) == (
        "CannotComplete",
        "nope",
        session.id,
    )


def test_a_client_without_a_signed_consent_cannot_start_a_session(ctx):
    client = make_client(full_name="Robin Roe")

    with pytest.raises(ConsentRequired, match="^Robin Roe has no current signed consent"):
        lifecycle.start_session(client, make_user())


def test_a_missing_session_is_not_found(ctx):
    with pytest.raises(NotFound, match="no session #999"):
        lifecycle.get_session(999, make_user())


def test_another_clinics_session_is_not_found_either(ctx):
    session, stranger = make_session(), make_user(clinic=make_clinic())

    with pytest.raises(NotFound, match=f"no session #{session.id}"):
        lifecycle.get_session(session.id, stranger)


def test_another_technician_cannot_add_to_a_sealed_record_but_an_auditor_can(ctx):
    session = _ready_to_complete()
    lifecycle.complete_session(session, session.technician)
    colleague = make_user(clinic=session.clinic)
    auditor = make_user(Role.AUDITOR, clinic=session.clinic)

    with pytest.raises(NotAllowed, match="Only the technician who ran the session, or an auditor"):
        lifecycle.add_addendum(session, colleague, "Wrong area", "It was the crown")
    added = lifecycle.add_addendum(session, auditor, "Wrong area", "It was the crown")

    assert [a.author for a in session.addenda] == [added.author] == [auditor]
