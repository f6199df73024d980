"""The dashboard page shows the period's numbers and survives odd query strings."""

from __future__ import annotations

from datetime import timedelta

import pytest

from smp_hygiene.extensions import db
from smp_hygiene.models import Role
from smp_hygiene.timeutil import utcnow
from tests.factories import make_lot, make_reaction, make_recall, make_refusal, make_user


@pytest.mark.parametrize("query", ["", "?from=2026-01-01&to=2026-01-31", "?from=nonsense&to=13"])
def test_auditor_can_open_the_dashboard_with_any_period(client, login, query):
    login(Role.AUDITOR)

    assert client.get(f"/audit/{query}").status_code == 200


def test_auditor_sees_refusals_and_expiring_lots_on_the_dashboard(app, client, login):
    with app.app_context():
        make_refusal(make_user(), "PatchTestRequired")
        make_lot(lot_number="EXP-9", expiry_date=utcnow().date() + timedelta(days=5))
        db.session.commit()
    login(Role.AUDITOR)

    page = client.get("/audit/").data.decode()

    assert "No cleared patch test" in page
    assert "EXP-9" in page
    assert "5 days left" in page


def test_auditor_sees_an_overdue_health_department_notice_on_the_dashboard(app, client, login):
    with app.app_context():
        reaction = make_reaction(reported_at=utcnow() - timedelta(hours=25))
        db.session.commit()
        reaction_id = reaction.id
    login(Role.AUDITOR)

    page = client.get("/audit/").data.decode()

    assert f'/audit/reactions/{reaction_id}"' in page
    assert "overdue" in page


def test_auditor_sees_an_open_recall_on_the_dashboard(app, client, login):
    with app.app_context():
        recall = make_recall(source_reference="A12/0097/17")
        db.session.commit()
        recall_id = recall.id
    login(Role.AUDITOR)

    page = client.get("/audit/").data.decode()

    assert f'/audit/recalls/{recall_id}"' in page
    assert "A12/0097/17" in page
