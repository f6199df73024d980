"""Reaction pages: who may open them, the technician's form, and the exported reports."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import event, select

from smp_hygiene.extensions import db
from smp_hygiene.models import (
    AdverseReaction,
    PackUse,
    ProductKind,
    ReactionStatus,
    Role,
    User,
)
from smp_hygiene.timeutil import utcnow
from tests.factories import (
    make_checklist,
    make_client,
    make_clinic,
    make_completed_session,
    make_cycle,
    make_lot,
    make_product,
    make_reaction,
    make_session,
    make_use,
)

AUDIT_URLS = [
    "/audit/",
    "/audit/reactions",
    "/audit/reactions.csv",
    "/audit/reactions/{id}",
    "/audit/reactions/{id}/report.pdf",
    "/audit/reactions/{id}/report.csv",
    "/audit/log",
    "/audit/log.csv",
]


@pytest.fixture
def reaction_id(app):
    """A reaction on a session with a pigment, its diluent and a needle, in the first clinic."""
    with app.app_context():
        make_checklist(texts=("Hands washed", "Barrier film on machine"))
        pigment = make_lot(make_product(name="Scalp Black"), lot_number="PX-2231")
        water = make_lot(make_product(ProductKind.OTHER, name="Sterile water"), lot_number="W-77")
        needle = make_lot(kind=ProductKind.NEEDLE_CARTRIDGE, lot_number="N-5001")
        session = make_completed_session(started_at=utcnow() - timedelta(days=3), lots=(needle,))
        make_use(session, pigment, diluent_lot=water)
        pack = make_cycle(packs=1).packs[0]
        db.session.add(PackUse(session=session, pack=pack, used_by=session.technician))
        pack.code = "PACK0042"
        reaction = make_reaction(session, signs="Pustules at the crown")
        db.session.commit()
        return reaction.id


def make_client_elsewhere():
    return make_client(make_clinic(name="Other clinic"))


def _technician_session_id(app, login, role=Role.TECHNICIAN) -> tuple[str, int]:
    email = login(role)
    with app.app_context():
        user = db.session.scalars(select(User).where(User.email == email)).one()
        session = make_session(technician=user, started_at=utcnow() - timedelta(days=2))
        db.session.commit()
        return email, session.id


@pytest.mark.parametrize("url", AUDIT_URLS)
def test_technician_cannot_open_audit_reaction_pages(client, login, reaction_id, url):
    login(Role.TECHNICIAN)

    assert client.get(url.format(id=reaction_id)).status_code == 403


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.ADMIN])
@pytest.mark.parametrize("url", AUDIT_URLS)
def test_auditor_and_admin_can_open_audit_reaction_pages(client, login, reaction_id, role, url):
    login(role)

    assert client.get(url.format(id=reaction_id)).status_code == 200


@pytest.mark.parametrize("url", AUDIT_URLS + ["/reactions/new?session=1"])
def test_anonymous_visitor_is_sent_to_login(client, reaction_id, url):
    response = client.get(url.format(id=reaction_id))

    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


def test_auditor_cannot_open_another_clinics_reaction(app, client, login, reaction_id):
    with app.app_context():
        other = make_reaction(make_completed_session(make_client_elsewhere()))
        db.session.commit()
        other_id = other.id
    login(Role.AUDITOR)

    assert client.get(f"/audit/reactions/{other_id}").status_code == 404
    assert client.get(f"/audit/reactions/{other_id}/report.pdf").status_code == 404


@pytest.mark.parametrize("role", [Role.TECHNICIAN, Role.AUDITOR, Role.ADMIN])
def test_staff_can_open_the_reaction_form(app, client, login, role):
    _, session_id = _technician_session_id(app, login, role)

    response = client.get(f"/reactions/new?session={session_id}")

    assert response.status_code == 200
    assert b"Report an adverse reaction" in response.data


def test_technician_cannot_open_the_form_for_another_clinics_session(app, client, login):
    login(Role.TECHNICIAN)
    with app.app_context():
        session = make_session(make_client_elsewhere())
        db.session.commit()
        session_id = session.id

    assert client.get(f"/reactions/new?session={session_id}").status_code == 404


def test_technician_can_log_a_reaction_from_the_form(app, client, login):
    _, session_id = _technician_session_id(app, login)
    onset = (utcnow() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")

    response = client.post(
        f"/reactions/new?session={session_id}",
        data={"onset_at": onset, "severity": "serious", "signs": "Spreading redness, fever"},
    )

    assert response.headers["Location"].endswith(f"/chair/sessions/{session_id}")
    with app.app_context():
        reaction = db.session.scalars(select(AdverseReaction)).one()
        assert (reaction.session_id, reaction.severity.value) == (session_id, "serious")
        assert reaction.onset_at.strftime("%Y-%m-%dT%H:%M") == onset


def test_technician_sees_the_rule_when_the_onset_is_in_the_future(app, client, login):
    _, session_id = _technician_session_id(app, login)
    onset = (utcnow() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")

    response = client.post(
        f"/reactions/new?session={session_id}",
        data={"onset_at": onset, "severity": "mild", "signs": "Itching"},
    )

    assert response.status_code == 422
    assert b"cannot be in the future" in response.data


def test_auditor_can_record_the_health_department_notice(app, client, login, reaction_id):
    login(Role.AUDITOR)

    response = client.post(
        f"/audit/reactions/{reaction_id}/notice",
        data={"sent_at": utcnow().strftime("%Y-%m-%dT%H:%M"), "reference": "HD-2026-114"},
    )

    assert response.status_code == 302
    with app.app_context():
        reaction = db.session.get(AdverseReaction, reaction_id)
        assert reaction.status is ReactionStatus.REPORTED
        assert reaction.authority_reference == "HD-2026-114"


def test_auditor_can_read_lots_and_conditions_in_the_pdf_report(client, login, reaction_id):
    login(Role.AUDITOR)

    response = client.get(f"/audit/reactions/{reaction_id}/report.pdf")

    assert response.mimetype == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    for expected in (
        f"Adverse reaction report {reaction_id}",
        "PX-2231",
        "W-77",
        "N-5001",
        "Diluent",
        "Pustules at the crown",
        "Hands washed",
        "Barrier film on machine: done by",
        "Audit chain: intact",
        "PACK0042",
    ):
        assert expected in text, expected
    # The program in words, as on the pages; the table cell may wrap it anywhere.
    assert "pre-vacuum134°C" in "".join(text.split())
    assert "prevac_134" not in text


def test_auditor_can_export_the_reaction_report_as_csv(client, login, reaction_id):
    login(Role.AUDITOR)

    response = client.get(f"/audit/reactions/{reaction_id}/report.csv")

    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    lots = [(row[1], row[2]) for row in rows if row[0] == "lot"]
    assert rows[0] == ["section", "item", "value", "detail"]
    assert lots == [("Needle cartridge", "N-5001"), ("Pigment", "PX-2231"), ("Diluent", "W-77")]


def test_auditor_sees_a_lot_shared_by_two_reacting_clients_as_a_batch_problem(
    app, client, login, reaction_id
):
    with app.app_context():
        shared = db.session.get(AdverseReaction, reaction_id).session.uses[0].lot
        make_reaction(
            make_completed_session(started_at=utcnow() - timedelta(days=3), lots=(shared,))
        )
        db.session.commit()
    login(Role.AUDITOR)

    page = client.get("/audit/reactions").data.decode()
    dashboard = client.get("/audit/").data.decode()

    assert "Possible batch problems" in page
    assert "N-5001" in page
    assert "N-5001" in dashboard


def _queries_for(app, client, url: str) -> int:
    statements = []

    def count(*_args):
        statements.append(1)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(statements)


def _add_reactions(app, n: int) -> None:
    with app.app_context():
        for _ in range(n):
            make_reaction(make_completed_session(started_at=utcnow() - timedelta(days=3)))
        db.session.commit()


def test_reaction_list_costs_the_same_queries_for_3_or_30_reactions(app, client, login):
    login(Role.AUDITOR)
    _add_reactions(app, 3)
    few = _queries_for(app, client, "/audit/reactions")

    _add_reactions(app, 27)
    many = _queries_for(app, client, "/audit/reactions")

    assert many == few


def test_auditor_can_export_the_reaction_list_as_csv(client, login, reaction_id):
    login(Role.AUDITOR)

    rows = list(
        csv.reader(io.StringIO(client.get("/audit/reactions.csv").data.decode("utf-8-sig")))
    )

    assert [(row[0], row[3], row[8]) for row in rows[1:]] == [
        (str(reaction_id), "moderate", "Pustules at the crown")
    ]


def test_technician_finds_the_reaction_form_from_the_session_page(app, client, login):
    _, session_id = _technician_session_id(app, login)

    page = client.get(f"/chair/sessions/{session_id}").data.decode()

    assert f"/reactions/new?session={session_id}" in page
