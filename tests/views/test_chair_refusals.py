"""The chair's one way with a refused or repeated write: roll back, keep the refusal, act once."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from smp_hygiene.extensions import db
from smp_hygiene.models import Client, FormSubmission, Refusal, Role, TreatmentSession, User
from smp_hygiene.services import submissions
from smp_hygiene.services.people import permissions
from smp_hygiene.views import chair
from tests import factories as f

JSON = {"Accept": "application/json"}


@pytest.fixture
def world(app):
    """A technician with an open session, a sealed one, a checklist, and another clinic."""
    with app.app_context():
        clinic = f.make_clinic()
        tech = f.make_user(email="maker@example.test", clinic=clinic)
        items = f.make_checklist(clinic)
        open_session = f.make_ready_session(technician=tech)
        other = f.make_clinic()
        stranger = f.make_user(clinic=other)
        elsewhere = f.make_ready_session(technician=stranger, client=f.make_client(other))
        test = f.make_patch_test(f.make_client(other), [f.make_product()])
        db.session.commit()
        return {
            "open": open_session.id,
            "item": items[0].id,
            "item_text": items[0].text,
            "elsewhere": elsewhere.id,
            "other_test": test.id,
        }


@pytest.fixture
def maker(client, world):
    client.post("/auth/login", data={"email": "maker@example.test", "password": f.PASSWORD})


def _refusals(app) -> list[Refusal]:
    with app.app_context():
        return list(db.session.scalars(select(Refusal)))


def test_the_chair_blueprint_is_still_reached_through_the_package():
    assert chair.bp.name == "chair"
    assert chair.blueprint.CHAIR_ROLES is permissions.CHAIR_ROLES


def test_a_refused_tick_answers_json_and_the_refusal_is_kept(app, client, maker, world):
    with app.app_context():
        db.session.get(TreatmentSession, world["open"]).status = "completed"
        db.session.commit()

    response = client.post(
        f"/chair/sessions/{world['open']}/checklist/{world['item']}", headers=JSON
    )

    assert response.status_code == 409
    assert response.json["ok"] is False
    assert set(response.json) == {"ok", "error", "message", "acknowledge"}
    [refusal] = _refusals(app)
    assert (refusal.session_id, refusal.raw_input) == (world["open"], world["item_text"])


def test_a_refused_scan_without_json_is_flashed_and_kept(app, client, maker, world):
    url = f"/chair/sessions/{world['open']}"

    response = client.post(f"{url}/scans", data={"barcode": "NOT-A-CODE"}, headers={"Referer": url})

    assert response.status_code == 302
    assert response.headers["Location"] == url
    [refusal] = _refusals(app)
    assert (refusal.session_id, refusal.raw_input) == (world["open"], "NOT-A-CODE")


def test_a_refused_completion_is_rolled_back_then_kept(app, client, maker, world):
    response = client.post(f"/chair/sessions/{world['open']}/complete", data={"nonce": "c"})

    assert response.status_code == 302
    [refusal] = _refusals(app)
    assert (refusal.reason, refusal.session_id) == ("CannotComplete", world["open"])
    with app.app_context():
        assert db.session.get(TreatmentSession, world["open"]).status.value == "in_progress"
        assert db.session.scalar(select(func.count()).select_from(FormSubmission)) == 0


def test_an_unknown_product_at_receiving_is_kept_as_a_refusal(app, client, maker, world):
    raw = "(01)09501101530003(17)301231(10)A1"

    client.post("/chair/receiving", data={"barcode": raw})

    [refusal] = _refusals(app)
    assert (refusal.reason, refusal.raw_input) == ("UnknownProduct", raw)


@pytest.mark.parametrize(
    "path",
    [
        "/chair/sessions/{elsewhere}",
        "/chair/sessions/{elsewhere}/aftercare",
    ],
)
def test_technician_cannot_open_another_clinics_session(client, maker, world, path):
    assert client.get(path.format(**world)).status_code == 404


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/chair/sessions/{elsewhere}/scans", {"barcode": "X"}),
        ("/chair/sessions/{elsewhere}/complete", {}),
        ("/chair/patch-tests/{other_test}/reading", {"result": "negative"}),
    ],
)
def test_technician_cannot_write_to_another_clinics_records(app, client, maker, world, path, data):
    response = client.post(path.format(**world), data=data)

    assert response.status_code == 404
    assert _refusals(app) == []


def test_a_concurrent_twin_that_loses_on_the_nonce_says_already_recorded(
    app, client, maker, world, monkeypatch
):
    # The twin's request checked the nonce before the first one committed: it does the work,
    # then fails on the unique nonce and is rolled back whole.
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "maker@example.test"))
        submissions.claim_submission("twin", user, "/chair/clients/1/consent")
        db.session.commit()
    monkeypatch.setattr(submissions, "find_submission", _misses_once(submissions.find_submission))
    data = {"full_name": "Alex Twin", "date_of_birth": "1991-02-03", "nonce": "twin"}

    response = client.post("/chair/clients", data=data, follow_redirects=True)

    assert response.request.path == "/chair/clients/1/consent"
    assert b"Already recorded." in response.data
    with app.app_context():
        assert db.session.scalar(select(Client).where(Client.full_name == "Alex Twin")) is None


def _misses_once(find):
    calls = []

    def find_submission(nonce):
        calls.append(nonce)
        return None if len(calls) == 1 else find(nonce)

    return find_submission


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.ADMIN])
def test_auditors_and_admins_cannot_scan(client, login, world, role):
    login(role)

    assert client.post(f"/chair/sessions/{world['open']}/scans", data={}).status_code == 403
