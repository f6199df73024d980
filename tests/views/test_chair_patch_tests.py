"""The patch-test page finds the client with the chair's one search, as Today does."""

from __future__ import annotations

import re

import pytest

from smp_hygiene.extensions import db
from smp_hygiene.models import PatchTest, Role
from tests import factories as f


@pytest.fixture
def clients(app):
    """Two clinics, each with a Jordan; ours also has a Sam. Returns our clients' ids."""
    with app.app_context():
        ours, theirs = f.make_clinic(name="Ours"), f.make_clinic(name="Theirs")
        jordan = f.make_client(ours, full_name="Jordan Mensah")
        sam = f.make_client(ours, full_name="Sam Stone")
        f.make_client(theirs, full_name="Jordan Other-Clinic")
        pigment = f.make_product(clinic=ours)
        db.session.commit()
        return {"jordan": jordan.id, "sam": sam.id, "pigment": pigment.id}


def _page(client, query: str = "") -> str:
    response = client.get(f"/chair/patch-tests{query}")
    assert response.status_code == 200
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def test_without_a_search_the_page_lists_no_client(client, login, clients):
    login(Role.TECHNICIAN)

    page = _page(client)

    assert "Find a client by name" in page
    assert "Sam Stone" not in page
    assert 'name="client_id"' not in page


def test_the_search_offers_only_matching_clients_of_my_clinic(client, login, clients):
    login(Role.TECHNICIAN)

    page = _page(client, "?q=jordan")

    assert f'name="client_id" value="{clients["jordan"]}" required checked' in page
    assert "Jordan Mensah, born 1990-05-17" in page
    assert "Sam Stone" not in page
    assert "Other-Clinic" not in page


def test_several_matches_are_offered_with_none_chosen(client, login, clients):
    login(Role.TECHNICIAN)

    page = _page(client, "?q=s")  # Jordan Mensah and Sam Stone

    assert page.count('name="client_id"') == 2
    assert "checked" not in page.split('name="client_id"', 1)[1].split("</fieldset>")[0]


def test_a_search_that_matches_nobody_says_so(client, login, clients):
    login(Role.TECHNICIAN)

    page = _page(client, "?q=nobody")

    assert "No client matches “nobody”." in page
    assert 'name="client_id"' not in page


def test_a_test_is_applied_for_the_client_chosen_from_the_search(app, client, login, clients):
    login(Role.TECHNICIAN)
    data = {"client_id": clients["sam"], "product_ids": [clients["pigment"]], "nonce": "pt1"}

    response = client.post("/chair/patch-tests", data=data)

    assert response.status_code == 302
    with app.app_context():
        assert db.session.query(PatchTest).one().client_id == clients["sam"]
