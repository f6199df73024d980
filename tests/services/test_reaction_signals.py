"""Client reports in the inbox, early-warning signals across clients, and one-step quarantine."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from smp_hygiene.errors import UnsafeSupply
from smp_hygiene.extensions import db
from smp_hygiene.models import (
    ClientPhoto,
    LotStatus,
    ProblemReportStatus,
    ProductKind,
    ReactionSeverity,
    ReactionSignal,
    Role,
    SignalScope,
    SignalStatus,
)
from smp_hygiene.services.aftercare import settings as aftercare
from smp_hygiene.services.aftercare.photos import InvalidPhoto
from smp_hygiene.services.reactions import inbox, signals
from smp_hygiene.services.reactions import signal_decisions as decisions
from smp_hygiene.services.reactions.operations import ReactionInput, log_reaction
from smp_hygiene.services.supplies.usability import check_lot_usable
from smp_hygiene.timeutil import utcnow
from tests import factories as f


@pytest.fixture
def lot(ctx):
    return f.make_lot(kind=ProductKind.PIGMENT, lot_number="INK-7")


def _treated(lot, days_ago: int = 10):
    client = f.make_client(lot.product.clinic)
    return f.make_completed_session(
        client, lots=(lot,), started_at=utcnow() - timedelta(days=days_ago)
    )


def _react(session, reported_days_ago: float = 1):
    reported = utcnow() - timedelta(days=reported_days_ago)
    data = ReactionInput(reported - timedelta(hours=5), "Raised red papules", ReactionSeverity.MILD,
                         reported_at=reported)  # fmt: skip
    return log_reaction(session, f.make_user(Role.AUDITOR, clinic=session.clinic), data)


def _signals():
    return db.session.scalars(select(ReactionSignal).order_by(ReactionSignal.id)).all()


def test_one_reaction_on_a_lot_raises_no_signal(lot):
    _react(_treated(lot))

    assert _signals() == []


def test_a_second_reaction_on_the_same_lot_within_30_days_raises_a_signal(lot):
    first, second = _react(_treated(lot)), _react(_treated(lot))

    raised = [s for s in _signals() if s.scope is SignalScope.LOT]

    assert len(raised) == 1
    assert raised[0].lot is lot
    assert raised[0].reactions == [first, second]
    assert decisions.list_open_signals(lot.product.clinic) == raised


def test_reactions_further_apart_than_the_window_raise_no_signal(lot):
    _react(_treated(lot, 60), reported_days_ago=45)
    _react(_treated(lot))

    assert _signals() == []


def test_the_lot_threshold_is_a_clinic_setting(lot):
    admin = f.make_user(Role.ADMIN, clinic=lot.product.clinic)
    values = {**aftercare.DEFAULTS, "lot_signal_threshold": 3, "product_signal_threshold": None}
    aftercare.update_settings(lot.product.clinic, admin, **values)
    _react(_treated(lot))
    _react(_treated(lot))
    assert _signals() == []

    _react(_treated(lot))

    assert [(s.scope, s.lot, len(s.reactions)) for s in _signals()] == [(SignalScope.LOT, lot, 3)]


def test_reactions_on_different_lots_of_one_pigment_raise_a_product_signal(ctx):
    one = f.make_lot(kind=ProductKind.PIGMENT, lot_number="A1")
    two = f.make_lot(one.product, lot_number="A2")
    three = f.make_lot(one.product, lot_number="A3")

    for lot in (one, two, three):
        _react(_treated(lot))

    raised = _signals()
    assert [(s.scope, s.lot) for s in raised] == [(SignalScope.PRODUCT, None)]
    assert len(raised[0].reactions) == 3


def test_a_later_reaction_joins_the_open_signal(lot):
    for _ in range(3):
        _react(_treated(lot))

    lot_signals = [s for s in _signals() if s.scope is SignalScope.LOT]

    assert len(lot_signals) == 1
    assert len(lot_signals[0].reactions) == 3


def test_quarantine_blocks_the_lot_at_the_chair_with_the_auditors_reason(lot):
    _react(_treated(lot)), _react(_treated(lot))
    signal = next(s for s in _signals() if s.scope is SignalScope.LOT)
    auditor = f.make_user(Role.AUDITOR, clinic=lot.product.clinic)

    decisions.quarantine_signal(signal, auditor, "Two allergic reactions in a week")

    assert lot.status is LotStatus.QUARANTINED
    assert signal.status is SignalStatus.QUARANTINED
    assert signal.decided_by is auditor
    with pytest.raises(UnsafeSupply, match="quarantined.*Two allergic reactions"):
        check_lot_usable(lot, utcnow().date())


def test_a_technician_cannot_quarantine_and_a_signal_is_decided_once(lot):
    _react(_treated(lot)), _react(_treated(lot))
    signal = next(s for s in _signals() if s.scope is SignalScope.LOT)
    auditor = f.make_user(Role.AUDITOR, clinic=lot.product.clinic)

    with pytest.raises(Exception, match="auditors and admins"):
        decisions.quarantine_signal(signal, f.make_user(clinic=lot.product.clinic), "x")
    decisions.dismiss_signal(signal, auditor, "Both clients used the same new shampoo")
    with pytest.raises(decisions.SignalDecided):
        decisions.quarantine_signal(signal, auditor, "Changed my mind")
    assert lot.status is LotStatus.AVAILABLE


def test_the_inspectors_report_says_how_long_each_decision_took(lot):
    _react(_treated(lot)), _react(_treated(lot))
    signal = next(s for s in _signals() if s.scope is SignalScope.LOT)
    auditor = f.make_user(Role.AUDITOR, clinic=lot.product.clinic)

    decisions.quarantine_signal(signal, auditor, "Quarantined", now=signal.raised_at + timedelta(
        hours=3, minutes=5))  # fmt: skip

    line = next(x for x in decisions.signal_report(lot.product.clinic) if x.signal is signal)
    assert line.took_words == "3 h 05 min"


def test_exposed_sessions_name_every_client_treated_with_the_lot(lot):
    treated = [_treated(lot) for _ in range(3)]
    _react(treated[0]), _react(treated[1])
    signal = next(s for s in _signals() if s.scope is SignalScope.LOT)

    assert signals.exposed_sessions(signal) == sorted(treated, key=lambda s: s.started_at)


def _report(session, **fields):
    values = {"description": "Itchy bumps along the hairline", "nonce": "n-1",
              "started_on": session.started_at.date()} | fields  # fmt: skip
    return inbox.submit_report(session, **values)


def test_a_client_report_lands_in_the_inbox_with_its_photo_cleaned(lot):
    session = _treated(lot)

    report = _report(session, uploads=[("IMG_0001.jpg", f.gps_jpeg())])

    assert inbox.list_inbox(session.clinic) == [report]
    photo = db.session.scalars(select(ClientPhoto)).one()
    assert photo.report_id == report.id
    assert f.exif_of(photo.jpeg) == {}


def test_the_same_report_form_sent_twice_files_one_report(lot):
    session = _treated(lot)

    assert _report(session) is _report(session)


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (b"%PDF-1.7 not a picture", "not a photo we can read"),
        (b"", "is empty"),
        (b"\xff\xd8\xff" + b"0" * 100, "not a photo we can read"),
    ],
)
def test_an_upload_that_is_not_an_image_is_refused_by_content(lot, upload, message):
    with pytest.raises(InvalidPhoto, match=message):
        _report(_treated(lot), uploads=[("rash.jpg", upload)])


def test_more_than_three_photos_are_refused(lot):
    with pytest.raises(InvalidPhoto, match="at most 3"):
        _report(_treated(lot), uploads=[("p.jpg", f.gps_jpeg())] * 4)


def test_logging_a_report_links_the_session_and_starts_the_notice_clock_at_its_arrival(lot):
    session = _treated(lot)
    report = _report(session, now=utcnow() - timedelta(hours=30))
    auditor = f.make_user(Role.AUDITOR, clinic=session.clinic)
    data = ReactionInput(report.received_at - timedelta(hours=2), "Papules", ReactionSeverity.MILD)

    reaction = inbox.log_report(report, auditor, data)

    assert reaction.session is session
    assert reaction.reported_at == report.received_at
    assert report.status is ProblemReportStatus.LOGGED
    assert report.reaction is reaction
    assert inbox.list_inbox(session.clinic) == []


def test_a_report_is_triaged_once(lot):
    report = _report(_treated(lot))
    auditor = f.make_user(Role.AUDITOR, clinic=report.session.clinic)
    inbox.dismiss_report(report, auditor, "A question about aftercare cream")

    with pytest.raises(inbox.ReportClosed):
        inbox.dismiss_report(report, auditor, "Again")
