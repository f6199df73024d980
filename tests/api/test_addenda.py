"""Addenda over the API follow the service's rule, as at the chair: a technician adds only to the
sessions they ran."""

from __future__ import annotations

import pytest

from smp_hygiene.extensions import db
from smp_hygiene.models import ProductKind, Role
from tests import factories


@pytest.fixture
def sealed(app):
    with app.app_context():
        clinic = factories.make_clinic(name="Home")
        tech = factories.make_user(Role.TECHNICIAN, clinic=clinic)
        lot = factories.make_lot(factories.make_product(ProductKind.NEEDLE_CARTRIDGE, clinic))
        client = factories.make_consenting_client(clinic)
        session = factories.make_completed_session(client, tech, (lot,))
        db.session.commit()
        return {"clinic": clinic, "session": session.id}


def test_a_colleagues_addendum_is_refused_with_the_rule(api_as, sealed):
    colleague = api_as(Role.TECHNICIAN, sealed["clinic"])
    body = {"reason": "Wrong area", "body": "It was the crown"}

    response = colleague.post(f"/sessions/{sealed['session']}/addenda", json=body)

    assert response.status_code == 403
    assert response.json["rule"] == "NotAllowed"
    assert "Only the technician who ran the session" in response.json["message"]
