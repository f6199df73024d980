"""The clinic's side: the reaction inbox, photos for auditors only, signals with one-step
quarantine, flagged check-ins on Today, and the aftercare settings."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from smp_hygiene.extensions import db
from smp_hygiene.models import (
    AdverseReaction,
    AftercareSettings,
    FollowUp,
    LotStatus,
    ProblemReport,
    ProductKind,
    ReactionSignal,
    Role,
    SupplyLot,
)
from smp_hygiene.timeutil import utcnow
from tests import factories as f


@pytest.fixture
def world(app):
    """A treated client who reported a problem, a flagged check-in, and an open signal."""
    with app.app_context():
        lot = f.make_lot(kind=ProductKind.PIGMENT, lot_number="INK-42")
        client = f.make_client(lot.product.clinic, full_name="Robin Haas", phone="+32 470 11 22 33")
        session = f.make_completed_session(client, lots=(lot,),
                                           started_at=utcnow() - timedelta(days=6))  # fmt: skip
        report = f.make_problem_report(session)
        follow_up = f.make_follow_up(session, flagged=True)
        signal = f.make_signal([f.make_reaction(session)], lot)
        db.session.commit()
        onset = session.started_at + timedelta(days=2)
        return {"report": report.id, "photo": report.photos[0].id, "lot": lot.id,
                "follow_up": follow_up.id, "signal": signal.id,
                "onset": onset.strftime("%Y-%m-%dT%H:%M")}  # fmt: skip


def test_auditor_sees_the_report_with_its_photo_and_the_clients_contact(client, login, world):
    login(Role.AUDITOR)

    inbox = client.get("/audit/reactions/inbox")
    page = client.get(f"/audit/reactions/inbox/{world['report']}")
    photo = client.get(f"/audit/photos/{world['photo']}.jpg")

    assert "Robin Haas" in inbox.text
    assert "+32 470 11 22 33" in page.text
    assert "INK-42" in page.text
    assert photo.status_code == 200
    assert photo.mimetype == "image/jpeg"
    assert photo.headers["Cache-Control"] == "no-store"


def test_a_technician_cannot_see_a_clients_photo(client, login, world):
    login(Role.TECHNICIAN)

    assert client.get(f"/audit/photos/{world['photo']}.jpg").status_code == 403


def test_auditor_logs_a_report_as_a_reaction_of_its_session(app, client, login, world):
    login(Role.AUDITOR)
    data = {"onset_at": world["onset"], "severity": "mild", "signs": "Papules on the crown"}

    response = client.post(f"/audit/reactions/inbox/{world['report']}/log", data=data)

    with app.app_context():
        report = db.session.get(ProblemReport, world["report"])
        assert report.status.value == "logged"
        assert response.location.endswith(f"/audit/reactions/{report.reaction_id}")
        reaction = db.session.get(AdverseReaction, report.reaction_id)
        assert reaction.reported_at == report.received_at


def test_auditor_quarantines_the_signals_lot_in_one_step(app, client, login, world):
    login(Role.AUDITOR)
    assert "INK-42" in client.get(f"/audit/signals/{world['signal']}").text

    client.post(f"/audit/signals/{world['signal']}/quarantine", data={"reason": "Two reactions"})

    with app.app_context():
        assert db.session.get(SupplyLot, world["lot"]).status is LotStatus.QUARANTINED
        assert db.session.get(ReactionSignal, world["signal"]).status.value == "quarantined"
    report = client.get("/audit/signals/report")
    assert "quarantined" in report.text
    assert "Two reactions" in report.text


def test_the_dashboard_shows_the_inbox_the_signal_and_the_flag(client, login, world):
    login(Role.AUDITOR)

    page = client.get("/audit/").text

    assert f"/audit/reactions/inbox/{world['report']}" in page
    assert f"/audit/signals/{world['signal']}" in page
    assert "Fever: possible infection." in page
    assert "+32 470 11 22 33" in page


def test_today_shows_the_flag_and_the_technician_clears_it_after_calling(app, client, login, world):
    with app.app_context():
        email = f.make_user(clinic=db.session.get(SupplyLot, world["lot"]).product.clinic).email
        db.session.commit()
    client.post("/auth/login", data={"email": email, "password": f.PASSWORD})
    today = client.get("/chair/").text
    assert "Fever: possible infection." in today
    assert "+32 470 11 22 33" in today
    assert "INK-42" in today

    client.post(f"/chair/check-ins/{world['follow_up']}/called", data={"note": "Seeing a GP"})

    with app.app_context():
        follow_up = db.session.get(FollowUp, world["follow_up"])
        assert not follow_up.is_flagged
        assert follow_up.flag_note == "Seeing a GP"


def test_admin_sets_the_check_in_days_and_thresholds(app, client, login):
    login(Role.ADMIN)
    data = {"follow_up_days": "2, 10", "itching_flag_days": "6", "lot_signal_threshold": "3",
            "product_signal_threshold": "", "signal_window_days": "45"}  # fmt: skip

    response = client.post("/admin/aftercare", data=data)

    assert response.status_code == 302
    with app.app_context():
        saved = db.session.scalars(select(AftercareSettings)).one()
        assert (saved.days, saved.product_signal_threshold) == ([2, 10], None)


def test_admin_is_told_plainly_when_a_day_is_not_a_number(client, login):
    login(Role.ADMIN)
    data = {"follow_up_days": "3, seven", "itching_flag_days": "5", "lot_signal_threshold": "2",
            "product_signal_threshold": "3", "signal_window_days": "30"}  # fmt: skip

    response = client.post("/admin/aftercare", data=data)

    assert response.status_code == 422
    assert "whole numbers separated by commas" in response.text
