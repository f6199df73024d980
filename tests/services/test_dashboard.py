"""The compliance dashboard summarises a clinic's period in one read."""

from __future__ import annotations

from datetime import date, timedelta

from smp_hygiene.models import LotStatus, ProductKind, SessionStatus
from smp_hygiene.services.compliance import dashboard
from smp_hygiene.timeutil import utcnow
from tests.factories import (
    make_checklist,
    make_clinic,
    make_completed_session,
    make_cycle,
    make_lot,
    make_reaction,
    make_recall,
    make_refusal,
    make_session,
    make_spore_test,
    make_steriliser,
    make_user,
)

TODAY = date(2026, 11, 24)


def _period():
    now = utcnow()
    return now - timedelta(days=30), now + timedelta(minutes=1)


def test_dashboard_counts_sessions_and_full_checklists_per_technician(ctx):
    make_checklist(texts=("Hands washed", "Fresh gloves"))
    ana, ben = make_user(email="ana@example.test"), make_user(email="ben@example.test")
    make_completed_session(technician=ana)
    make_completed_session(technician=ana, checklist=False)
    make_completed_session(technician=ben)
    make_session(technician=ben, status=SessionStatus.VOIDED)

    items, rows = dashboard.technician_activity(ana.clinic, *_period())

    assert items == 2
    assert [
        (r.technician, r.sessions, r.completed, r.voided, r.checklist_complete) for r in rows
    ] == [
        (ana, 2, 2, 0, 1),
        (ben, 1, 1, 1, 1),
    ]
    assert rows[0].checklist_percent == 50


def test_dashboard_leaves_out_sessions_outside_the_period(ctx):
    technician = make_user()
    make_completed_session(technician=technician, started_at=utcnow() - timedelta(days=45))

    _, rows = dashboard.technician_activity(technician.clinic, *_period())

    assert rows == []


def test_dashboard_leaves_out_other_clinics(ctx):
    make_completed_session()
    other = make_clinic()

    _, rows = dashboard.technician_activity(other, *_period())

    assert rows == []


def test_dashboard_counts_refusals_by_reason_most_frequent_first(ctx):
    technician = make_user()
    for reason in ("UnsafeSupply", "PatchTestRequired", "UnsafeSupply"):
        make_refusal(technician, reason)
    make_refusal(technician, "AlreadyUsed", at=utcnow() - timedelta(days=60))

    refusals = dashboard.refusals_by_reason(technician.clinic, *_period())

    assert refusals == [("UnsafeSupply", 2), ("PatchTestRequired", 1)]


def test_dashboard_lists_usable_lots_expiring_within_30_days(ctx):
    soon = make_lot(expiry_date=TODAY + timedelta(days=30))
    make_lot(expiry_date=TODAY + timedelta(days=31))
    make_lot(expiry_date=TODAY + timedelta(days=3), status=LotStatus.RECALLED)

    expiring = dashboard.expiring_lots(soon.product.clinic, TODAY)

    assert [(e.lot, e.days_left) for e in expiring] == [(soon, 30)]


def test_dashboard_uses_the_earlier_sterility_expiry_of_a_needle_lot(ctx):
    needle = make_lot(
        kind=ProductKind.NEEDLE_CARTRIDGE,
        expiry_date=TODAY + timedelta(days=300),
        sterility_expiry=TODAY + timedelta(days=10),
    )

    expiring = dashboard.expiring_lots(needle.product.clinic, TODAY)

    assert [(e.lot, e.expires_on) for e in expiring] == [(needle, TODAY + timedelta(days=10))]


def test_dashboard_flags_an_expired_lot_still_marked_available(ctx):
    stale = make_lot(expiry_date=TODAY - timedelta(days=2))

    expiring = dashboard.expiring_lots(stale.product.clinic, TODAY)

    assert [(e.lot, e.days_left) for e in expiring] == [(stale, -2)]


def test_dashboard_shows_batch_problem_lots(ctx):
    lot = make_lot()
    for _ in range(2):
        make_reaction(make_completed_session(started_at=utcnow() - timedelta(days=3), lots=(lot,)))
    start, end = _period()

    board = dashboard.build_dashboard(lot.product.clinic, start, end, utcnow())

    assert [p.lot for p in board.batch_problems] == [lot]


def test_dashboard_shows_open_recalls_with_notification_progress(ctx):
    lot = make_lot()
    make_completed_session(started_at=utcnow() - timedelta(days=3), lots=(lot,))
    recall = make_recall([lot])

    board = dashboard.build_dashboard(lot.product.clinic, *_period(), utcnow())

    assert [(p.recall, p.affected, p.notified) for p in board.open_recalls] == [(recall, 1, 0)]


def test_dashboard_shows_a_steriliser_whose_spore_test_is_overdue(ctx):
    steriliser = make_steriliser(installed_at=utcnow() - timedelta(days=40))
    make_spore_test(make_cycle(steriliser, started_at=utcnow() - timedelta(days=35)))

    board = dashboard.build_dashboard(steriliser.clinic, *_period(), utcnow())

    assert [item.steriliser for item in board.overdue_spore_tests] == [steriliser]
