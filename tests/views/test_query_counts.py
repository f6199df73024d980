"""Query counts, not timings: the busiest pages send a fixed, small number of SQL statements,
however many supplies a session used or how many sessions a lot reached."""

from __future__ import annotations

import pytest

from smp_hygiene.extensions import db
from smp_hygiene.models import ProductKind, Role, SessionStatus, TreatmentSession, User
from smp_hygiene.services.sessions import checklists, lifecycle
from smp_hygiene.services.verification import signing, tokens
from tests import factories as f
from tests.queries import count_queries

PATIENT_PAGE_QUERIES = 2
SESSION_PAGE_QUERIES = 12
SCAN_QUERIES = 11
# The seal, the card, the audit entry and the double-submit guard, then the aftercare check-ins
# scheduled at completion (issue 16): the consent and settings read, the rows, their audit entry
# (the chain's tail is read, and on PostgreSQL its lock taken, once for both entries). A fixed
# number whatever the session holds, the same on both databases.
COMPLETE_QUERIES = 26
TRACE_QUERIES = 5


def _sealed_record(app, uses: int) -> str:
    with app.app_context():
        session = f.make_sealed_session()
        for _ in range(uses):
            f.make_use(session, f.make_lot(kind=ProductKind.NEEDLE_CARTRIDGE))
        tokens.issue_verification_token(session)
        db.session.commit()
        return session.verify_token


def _queries(app, request) -> int:
    with app.app_context(), count_queries() as statements:
        response = request()
    assert response.status_code in (200, 302), response.status_code
    return len(statements)


def _locks(app) -> int:
    """PostgreSQL writes take their locks in statements (the session row, the audit chain's
    advisory lock); SQLite's BEGIN IMMEDIATE takes them before any query."""
    with app.app_context():
        return 2 if db.engine.dialect.name == "postgresql" else 0


@pytest.mark.parametrize("uses", [1, 8])
def test_the_patient_page_takes_at_most_two_queries(app, client, uses):
    token = _sealed_record(app, uses)
    client.get(f"/v/{token}")  # the first view may store the page made at sealing

    assert _queries(app, lambda: client.get(f"/v/{token}")) <= PATIENT_PAGE_QUERIES


@pytest.mark.parametrize("suffix", ["/qr.png", "/qr.svg", "/record.pdf"])
def test_the_cards_images_and_pdf_take_at_most_two_queries(app, client, suffix):
    token = _sealed_record(app, 3)
    client.get(f"/v/{token}{suffix}")

    assert _queries(app, lambda: client.get(f"/v/{token}{suffix}")) <= PATIENT_PAGE_QUERIES


def _technician(app, login) -> int:
    email = login(Role.TECHNICIAN)
    with app.app_context():
        return db.session.query(User).filter_by(email=email).one().id


def _open_session(app, technician_id: int, uses: int) -> tuple[int, str]:
    """An open session with `uses` scans of one cartridge lot, and the next unit's barcode."""
    with app.app_context():
        tech = db.session.get(User, technician_id)
        client = f.make_consenting_client(tech.clinic)
        f.make_checklist(tech.clinic)
        signing.ensure_clinic_key(tech.clinic)  # made once per clinic, not per completion
        session = lifecycle.start_session(client, tech)
        # A lot (and product) per use, so a load per use would show as more queries.
        cartridges = [
            f.make_lot(kind=ProductKind.NEEDLE_CARTRIDGE, received_by=tech) for _ in range(uses)
        ]
        for n, cartridge in enumerate(cartridges):
            lifecycle.record_scan(session, f.gs1_for(cartridge, serial=f"Q{n}"), tech)
        db.session.commit()
        return session.id, f.gs1_for(cartridges[0], serial="NEXT")


def _pigments(app, session_id: int, count: int, per_lot: bool) -> None:
    """`count` pigments in the clinic's catalogue, each with a lot in stock, half of them
    patch tested on the session's client: each is checked for clearance on the page."""
    with app.app_context():
        session = db.session.get(TreatmentSession, session_id)
        session.clinic.is_patch_test_per_lot = per_lot
        for n in range(count):
            lot = f.make_lot(f.make_product(clinic=session.clinic), received_by=session.technician)
            if n % 2:
                f.make_patch_test(session.client, [lot.product], lots=[lot])
        db.session.commit()


@pytest.mark.parametrize("per_lot", [False, True])
@pytest.mark.parametrize("uses", [1, 8])
def test_the_chair_session_page_takes_a_fixed_number_of_queries(app, client, login, uses, per_lot):
    session_id, _ = _open_session(app, _technician(app, login), uses)
    _pigments(app, session_id, uses, per_lot)

    count = _queries(app, lambda: client.get(f"/chair/sessions/{session_id}"))

    assert count <= SESSION_PAGE_QUERIES + per_lot  # the lots in stock to try, per lot


@pytest.mark.parametrize("uses", [1, 8])
def test_a_scan_takes_a_fixed_number_of_queries(app, client, login, uses):
    session_id, raw = _open_session(app, _technician(app, login), uses)
    url, headers = f"/chair/sessions/{session_id}/scans", {"Accept": "application/json"}

    count = _queries(app, lambda: client.post(url, data={"barcode": raw}, headers=headers))

    assert count <= SCAN_QUERIES + _locks(app)


@pytest.mark.parametrize("uses", [1, 8])
def test_completing_a_session_takes_a_fixed_number_of_queries(app, client, login, uses):
    session_id, _ = _open_session(app, _technician(app, login), uses)
    with app.app_context():
        session = db.session.get(TreatmentSession, session_id)
        for item in checklists.active_items(session.clinic):
            lifecycle.answer_item(session, item, session.technician)
        db.session.commit()
    url = f"/chair/sessions/{session_id}/complete"

    count = _queries(app, lambda: client.post(url, data={"nonce": f"n{uses}"}))

    assert count <= COMPLETE_QUERIES
    with app.app_context():
        assert db.session.get(TreatmentSession, session_id).status is SessionStatus.COMPLETED


def _traced_lot(app, auditor_email: str, sessions: int) -> tuple[str, int]:
    with app.app_context():
        auditor = db.session.query(User).filter_by(email=auditor_email).one()
        lot = f.make_lot(f.make_product(clinic=auditor.clinic))
        client = f.make_client(auditor.clinic)
        for _ in range(sessions):
            session = f.make_session(client)
            f.make_use(session, lot)
            f.make_use(session, f.make_lot(kind=ProductKind.NEEDLE_CARTRIDGE))
        db.session.commit()
        return lot.lot_number, client.id


@pytest.mark.parametrize("sessions", [1, 8])
def test_trace_by_lot_takes_a_fixed_number_of_queries(app, client, login, sessions):
    lot_number, _ = _traced_lot(app, login(Role.AUDITOR), sessions)

    count = _queries(app, lambda: client.get(f"/audit/trace/lot?lot={lot_number}"))

    assert count <= TRACE_QUERIES


@pytest.mark.parametrize("sessions", [1, 8])
def test_trace_by_client_takes_a_fixed_number_of_queries(app, client, login, sessions):
    _, client_id = _traced_lot(app, login(Role.AUDITOR), sessions)

    count = _queries(app, lambda: client.get(f"/audit/trace/clients/{client_id}"))

    assert count <= TRACE_QUERIES
