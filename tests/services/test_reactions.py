"""Adverse reactions are logged against a session and traced to every lot it used (R7, R24)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from smp_hygiene.errors import AlreadyExists, InvalidInput, NotAllowed
from smp_hygiene.extensions import db
from smp_hygiene.models import (
    AuditEntry,
    PackUse,
    ProductKind,
    ReactionSeverity,
    ReactionStatus,
    Role,
    SessionStatus,
)
from smp_hygiene.services.reactions import operations as reactions
from smp_hygiene.services.reactions.operations import ReactionInput
from smp_hygiene.timeutil import utcnow
from tests.factories import (
    make_checklist,
    make_client,
    make_clinic,
    make_completed_session,
    make_cycle,
    make_lot,
    make_patch_test,
    make_reaction,
    make_session,
    make_use,
    make_user,
)


def _input(session, **fields) -> ReactionInput:
    fields.setdefault("onset_at", session.started_at + timedelta(days=1))
    fields.setdefault("signs", "Swelling and pustules at the crown")
    fields.setdefault("severity", ReactionSeverity.MODERATE)
    return ReactionInput(**fields)


def _yesterday_session(**fields):
    return make_completed_session(started_at=utcnow() - timedelta(days=2), **fields)


def test_technician_can_log_a_reaction_against_a_session(ctx):
    session = _yesterday_session()
    technician = make_user(Role.TECHNICIAN)

    reaction = reactions.log_reaction(session, technician, _input(session))

    assert reaction.session is session
    assert reaction.reported_by is technician
    assert reaction.status is ReactionStatus.OPEN


def test_logging_a_reaction_writes_an_audit_entry(ctx):
    session = _yesterday_session()
    auditor = make_user(Role.AUDITOR)

    reaction = reactions.log_reaction(session, auditor, _input(session))

    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.entity_type == "AdverseReaction")
    ).one()
    assert (entry.action, entry.entity_type, entry.entity_id) == (
        "reaction.logged",
        "AdverseReaction",
        str(reaction.id),
    )
    assert entry.actor_id == auditor.id


def test_staff_cannot_log_a_reaction_for_another_clinics_session(ctx):
    session = _yesterday_session()
    outsider = make_user(Role.AUDITOR, clinic=make_clinic())

    with pytest.raises(NotAllowed, match="sessions of your own clinic"):
        reactions.log_reaction(session, outsider, _input(session))


def test_technician_can_log_a_reaction_against_a_voided_session(ctx):
    session = make_session(status=SessionStatus.VOIDED, started_at=utcnow() - timedelta(days=1))

    reaction = reactions.log_reaction(session, session.technician, _input(session))

    assert reaction.session is session


def test_technician_cannot_log_an_onset_before_the_session_started(ctx):
    session = _yesterday_session()

    with pytest.raises(InvalidInput, match=r"is before session \d+ started"):
        reactions.log_reaction(
            session,
            session.technician,
            _input(session, onset_at=session.started_at - timedelta(minutes=1)),
        )


def test_an_onset_refusal_names_times_on_the_clinics_clock(ctx):
    session = make_completed_session(started_at=datetime(2026, 3, 14, 23, 30, tzinfo=UTC))
    session.clinic.timezone = "Europe/Brussels"

    with pytest.raises(
        InvalidInput,
        match=r"\(2026-03-15 00:29 \(Europe/Brussels\)\) is before session \d+ started "
        r"\(2026-03-15 00:30 \(Europe/Brussels\)\)",
    ):
        reactions.log_reaction(
            session,
            session.technician,
            _input(session, onset_at=session.started_at - timedelta(minutes=1)),
        )


def test_technician_cannot_log_an_onset_in_the_future(ctx):
    session = _yesterday_session()

    with pytest.raises(InvalidInput, match="onset of the reaction cannot be in the future"):
        reactions.log_reaction(
            session, session.technician, _input(session, onset_at=utcnow() + timedelta(hours=1))
        )


def test_clinic_cannot_have_learned_of_a_reaction_before_its_onset(ctx):
    session = _yesterday_session()
    onset = session.started_at + timedelta(days=1)

    with pytest.raises(InvalidInput, match="before its onset"):
        reactions.log_reaction(
            session,
            session.technician,
            _input(session, onset_at=onset, reported_at=onset - timedelta(hours=1)),
        )


def test_technician_cannot_log_a_reaction_without_signs(ctx):
    session = _yesterday_session()

    with pytest.raises(InvalidInput, match="Describe the signs"):
        reactions.log_reaction(session, session.technician, _input(session, signs="   "))


def test_reaction_links_every_lot_used_in_the_session_including_diluents(ctx):
    pigment, needle = make_lot(), make_lot(kind=ProductKind.NEEDLE_CARTRIDGE)
    diluent = make_lot(kind=ProductKind.OTHER)
    session = _yesterday_session(lots=(needle,))
    make_use(session, pigment, diluent_lot=diluent)
    make_use(session, pigment)  # a second cap of the same lot is still one lot

    reaction = make_reaction(session)

    assert reactions.reaction_lots(reaction) == [
        ("Needle cartridge", needle),
        ("Pigment", pigment),
        ("Diluent", diluent),
    ]


def test_notice_is_due_24_hours_after_the_clinic_learned_of_the_reaction(ctx):
    reaction = make_reaction()

    assert reactions.notice_deadline(reaction) == reaction.reported_at + timedelta(hours=24)


def test_clinic_without_a_notice_rule_has_no_deadline(ctx):
    reaction = make_reaction()
    reaction.clinic.reaction_notice_hours = None

    assert reactions.notice_deadline(reaction) is None
    assert not reactions.is_notice_overdue(reaction)


def test_notice_is_overdue_once_the_deadline_passes_without_a_notice(ctx):
    reaction = make_reaction()
    deadline = reactions.notice_deadline(reaction)

    assert not reactions.is_notice_overdue(reaction, now=deadline)
    assert reactions.is_notice_overdue(reaction, now=deadline + timedelta(seconds=1))


def test_auditor_can_record_the_health_department_notice(ctx):
    reaction = make_reaction()
    auditor = make_user(Role.AUDITOR)
    sent_at = reaction.reported_at + timedelta(hours=2)

    reactions.record_authority_notice(reaction, auditor, sent_at, " HD-2026-114 ")

    assert reaction.status is ReactionStatus.REPORTED
    assert reaction.authority_reference == "HD-2026-114"
    assert not reactions.is_notice_overdue(reaction, now=sent_at + timedelta(days=5))
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.entity_type == "AdverseReaction")
    ).one()
    assert entry.action == "reaction.reported_to_authority"
    assert '"status":"open"' in entry.before


def test_technician_cannot_record_the_health_department_notice(ctx):
    reaction = make_reaction()

    with pytest.raises(NotAllowed, match="Only an auditor or admin"):
        reactions.record_authority_notice(reaction, make_user(Role.TECHNICIAN), utcnow(), "HD-1")


def test_auditor_cannot_record_the_notice_twice(ctx):
    reaction = make_reaction()
    auditor = make_user(Role.AUDITOR)
    reactions.record_authority_notice(reaction, auditor, utcnow(), "HD-1")

    with pytest.raises(AlreadyExists, match="already recorded"):
        reactions.record_authority_notice(reaction, auditor, utcnow(), "HD-2")


def test_auditor_cannot_record_a_notice_without_a_reference(ctx):
    reaction = make_reaction()

    with pytest.raises(InvalidInput, match="health department's reference"):
        reactions.record_authority_notice(reaction, make_user(Role.AUDITOR), utcnow(), " ")


def test_auditor_cannot_date_a_notice_in_the_future(ctx):
    reaction = make_reaction()

    with pytest.raises(InvalidInput, match="between the onset and now"):
        reactions.record_authority_notice(
            reaction, make_user(Role.AUDITOR), utcnow() + timedelta(hours=1), "HD-1"
        )


def test_lot_with_reactions_in_two_clients_is_a_possible_batch_problem(ctx):
    shared, other = make_lot(), make_lot()
    first = _yesterday_session(lots=(shared, other))
    second = _yesterday_session(lots=(shared,))
    make_reaction(first)
    make_reaction(second)

    problems = reactions.batch_problem_lots(first.clinic)

    assert [(p.lot, p.clients, p.reactions) for p in problems] == [(shared, 2, 2)]


def test_two_reactions_in_the_same_client_are_not_a_batch_problem(ctx):
    lot, client = make_lot(), make_client()
    make_reaction(_yesterday_session(client=client, lots=(lot,)))
    make_reaction(_yesterday_session(client=client, lots=(lot,)))

    assert reactions.batch_problem_lots(client.clinic) == []


def test_diluent_lot_shared_by_two_reacting_clients_is_a_batch_problem(ctx):
    water = make_lot(kind=ProductKind.OTHER)
    for _ in range(2):
        session = _yesterday_session()
        make_use(session, make_lot(), diluent_lot=water)
        make_reaction(session)

    problems = reactions.batch_problem_lots(session.clinic)

    assert [p.lot for p in problems] == [water]


def test_report_gathers_lots_practitioner_and_conditions(ctx):
    make_checklist(texts=("Hands washed", "Barrier film on machine"))
    lot = make_lot()
    session = _yesterday_session(lots=(lot,), checklist=False)
    patch_test = make_patch_test(session.client, [lot.product])
    make_use(session, lot, patch_test=patch_test)
    reaction = make_reaction(session)

    report = reactions.reaction_report(reaction)

    assert report.session.technician is session.technician
    assert report.lots == [("Pigment", lot)]
    assert report.patch_tests == [patch_test]
    assert report.checklist_missing == ["Hands washed", "Barrier film on machine"]
    assert report.notice_due_at == reaction.reported_at + timedelta(hours=24)
    assert report.chain.ok


def test_report_lists_the_ticked_checklist_items(ctx):
    make_checklist(texts=("Hands washed",))
    reaction = make_reaction(_yesterday_session())

    report = reactions.reaction_report(reaction)

    assert [a.item_text for a in report.checklist] == ["Hands washed"]
    assert report.checklist_missing == []


def test_auditor_cannot_find_another_clinics_reaction(ctx):
    reaction = make_reaction()

    assert reactions.find_reaction(make_clinic(), reaction.id) is None
    assert reactions.find_reaction(reaction.clinic, reaction.id) is reaction


def test_reactions_are_listed_newest_first(ctx):
    old = make_reaction(_yesterday_session())
    new = make_reaction(_yesterday_session(), reported_at=old.reported_at + timedelta(hours=1))

    page = reactions.list_reactions(old.clinic)

    assert page.items == [new, old]


def test_reactions_awaiting_a_notice_are_listed_oldest_first(ctx):
    old = make_reaction(_yesterday_session())
    new = make_reaction(_yesterday_session(), reported_at=old.reported_at + timedelta(hours=1))
    done = make_reaction(_yesterday_session())
    reactions.record_authority_notice(done, make_user(Role.AUDITOR), utcnow(), "HD-9")

    assert reactions.list_pending_notices(old.clinic) == [old, new]


def test_no_notice_is_pending_where_the_clinic_needs_none(ctx):
    reaction = make_reaction()
    reaction.clinic.reaction_notice_hours = None

    assert reactions.list_pending_notices(reaction.clinic) == []


def test_report_lists_the_sterilised_packs_opened_in_the_session(ctx):
    session = _yesterday_session()
    pack = make_cycle(packs=1).packs[0]
    use = PackUse(session=session, pack=pack, used_by=session.technician)
    db.session.add(use)
    reaction = make_reaction(session)

    report = reactions.reaction_report(reaction)

    assert [u.pack for u in report.packs] == [pack]
