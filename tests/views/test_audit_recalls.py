"""Auditor pages for traceability and recalls: who may see them, and one happy path each."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from smp_hygiene.errors import UnsafeSupply
from smp_hygiene.extensions import db
from smp_hygiene.models import (
    ClientNotification,
    LotStatus,
    ProductKind,
    Recall,
    Role,
    SupplyLot,
    User,
)
from smp_hygiene.services.recalls.operations import lookback_floor
from tests.factories import (
    make_client,
    make_lot,
    make_patch_test,
    make_recall,
    make_refusal,
    make_session,
    make_use,
    make_user,
)
from tests.seeds import seeded

GET_URLS = [
    "/audit/trace/lot?lot=D199",
    "/audit/trace/lot.csv?lot=D199",
    "/audit/trace/lot.pdf?lot=D199",
    "/audit/trace/clients",
    "/audit/trace/clients/{client}",
    "/audit/trace/clients/{client}.csv",
    "/audit/trace/clients/{client}.pdf",
    "/audit/trace/technician?technician_id={technician}",
    "/audit/trace/technician.csv?technician_id={technician}",
    "/audit/recalls",
    "/audit/recalls.csv",
    "/audit/recalls/new",
    "/audit/recalls/{recall}",
    "/audit/recalls/{recall}/clients.csv",
    "/audit/recalls/{recall}/report.pdf",
]
POST_URLS = [
    "/audit/recalls",
    "/audit/recalls/preview",
    "/audit/recalls/{recall}/lookback",
    "/audit/recalls/{recall}/notifications",
    "/audit/recalls/{recall}/close",
]


def _world():
    """One recalled lot used on one client, by one technician; ids for the URLs."""
    lot = make_lot(lot_number="D199")
    client = make_client(
        full_name="Alex Martin", email="alex@example.test", phone="+44 7700 900123"
    )
    session = make_session(client)
    make_use(session, lot)
    make_refusal(session.technician, message="Lot D200 was recalled.")
    recall = make_recall([lot], reason="Lead above the limit")
    return {
        "client": client.id,
        "technician": session.technician_id,
        "recall": recall.id,
        "lot": lot.id,
        "product": lot.product_id,
        "session": session.id,
    }


world = seeded(_world, "world")


def _urls(urls, world):
    return [url.format(**world) for url in urls]


@pytest.mark.parametrize("url", GET_URLS)
def test_anonymous_visitor_cannot_open_audit_pages(client, world, url):
    response = client.get(url.format(**world))

    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


@pytest.mark.parametrize("url", GET_URLS)
def test_technician_cannot_open_audit_pages(client, login, world, url):
    login(Role.TECHNICIAN)

    assert client.get(url.format(**world)).status_code == 403


@pytest.mark.parametrize("url", POST_URLS)
def test_technician_cannot_post_to_recalls(client, login, world, url):
    login(Role.TECHNICIAN)

    assert client.post(url.format(**world), data={}).status_code == 403


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.ADMIN])
@pytest.mark.parametrize("url", GET_URLS)
def test_auditor_and_admin_can_open_audit_pages(client, login, world, url, role):
    login(role)

    assert client.get(url.format(**world)).status_code == 200


def test_auditor_of_another_clinic_cannot_see_this_clinics_recall(app, client, world):
    from tests.factories import PASSWORD, make_clinic

    with app.app_context():
        outsider = make_user(Role.AUDITOR, clinic=make_clinic(), email="out@example.test")
        db.session.commit()
    client.post("/auth/login", data={"email": "out@example.test", "password": PASSWORD})

    assert outsider
    assert client.get(f"/audit/recalls/{world['recall']}").status_code == 404
    assert client.get(f"/audit/trace/clients/{world['client']}").status_code == 404


def test_auditor_can_recall_a_lot_from_the_form(app, client, login, world):
    with app.app_context():
        lot = make_lot(lot_number="K42")
        make_use(make_session(), lot)
        product_id = lot.product_id
        db.session.commit()
    login(Role.AUDITOR)

    response = client.post(
        "/audit/recalls",
        data={
            "product_id": product_id,
            "scope": "lot",
            "lots": "lot k-42",
            "reason": "Microbial contamination",
            "source_reference": "A12/01126/20",
        },
    )

    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Microbial contamination" in page
    assert "EU Safety Gate alert A12/01126/20" in page
    with app.app_context():
        lot = db.session.scalar(select(SupplyLot).where(SupplyLot.lot_number == "K42"))
        assert lot.status is LotStatus.RECALLED


def test_a_recall_form_without_a_reason_is_shown_again_with_the_message(client, login, world):
    login(Role.AUDITOR)

    response = client.post(
        "/audit/recalls",
        data={"product_id": world["product"], "scope": "lot", "lots": "D199", "reason": ""},
    )

    assert response.status_code == 422
    assert "Give the reason for the recall." in response.get_data(as_text=True)


def test_auditor_can_mark_a_client_notified(app, client, login, world):
    login(Role.AUDITOR)

    response = client.post(
        f"/audit/recalls/{world['recall']}/notifications",
        data={"client_id": world["client"], "channel": "phone", "note": "Spoke to her"},
        follow_redirects=True,
    )

    assert "Alex Martin marked as notified." in response.get_data(as_text=True)
    with app.app_context():
        note = db.session.scalar(select(ClientNotification))
        assert (note.client_id, note.channel.value, note.note) == (
            world["client"],
            "phone",
            "Spoke to her",
        )
        assert db.session.get(User, note.notified_by_id).role is Role.AUDITOR


def test_auditor_can_close_a_recall_with_a_reason(app, client, login, world):
    login(Role.AUDITOR)

    response = client.post(
        f"/audit/recalls/{world['recall']}/close",
        data={"close_reason": "Every client told"},
        follow_redirects=True,
    )

    assert "Its lots stay recalled." in response.get_data(as_text=True)
    with app.app_context():
        recall = db.session.get(Recall, world["recall"])
        assert recall.close_reason == "Every client told"
        assert db.session.get(SupplyLot, world["lot"]).status is LotStatus.RECALLED


def _csv(response) -> list[list[str]]:
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_recall_csv_lists_affected_clients_for_mail_merge(client, login, world):
    login(Role.AUDITOR)

    rows = _csv(client.get(f"/audit/recalls/{world['recall']}/clients.csv"))

    assert rows[0] == [
        "Client", "Email", "Phone", "Address", "Sessions", "Lots", "Notified", "Look-back"
    ]  # fmt: skip
    assert rows[1][7] == f"sessions from {lookback_floor(date.today()).isoformat()} to today"
    assert rows[1][:3] == ["Alex Martin", "alex@example.test", "'+44 7700 900123"]
    assert "lot D199" in rows[1][5]
    assert rows[1][6] == "no"
    assert len(rows) == 2


def test_lot_trace_csv_has_one_row_per_session_with_contact_details(client, login, world):
    login(Role.AUDITOR)

    rows = _csv(client.get("/audit/trace/lot.csv?lot=Lot-Nr.%20D%20199"))

    assert rows[0][:4] == ["Session", "Date", "Status", "Client"]
    assert [row[0] for row in rows[1:]] == [str(world["session"])]
    assert rows[1][3:6] == ["Alex Martin", "'+44 7700 900123", "alex@example.test"]


def test_technician_refusals_csv_lists_the_refusals(client, login, world):
    login(Role.AUDITOR)

    rows = _csv(
        client.get(
            f"/audit/trace/technician.csv?technician_id={world['technician']}&table=refusals"
        )
    )

    assert rows[0] == ["At", "Reason", "Message", "Session", "Code"]
    assert rows[1][1:3] == [UnsafeSupply.label, "Lot D200 was recalled."]
    assert rows[1][4] == "UnsafeSupply"


def _pdf_text(response) -> str:
    assert response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    # Table cells wrap at any width; compare words, not the line breaks a column count makes.
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def test_recall_pdf_carries_clinic_period_chain_status_and_rows(app, client, login, world):
    login(Role.AUDITOR)

    text = _pdf_text(client.get(f"/audit/recalls/{world['recall']}/report.pdf"))

    with app.app_context():
        clinic_name = db.session.get(Recall, world["recall"]).clinic.name
    assert clinic_name in text
    assert "still open" in text
    assert "intact" in text
    assert "Lead above the limit" in text
    assert "Alex Martin" in text
    assert "alex@example.test" in text
    assert f"Look-back: sessions from {lookback_floor(date.today())} to today" in text


def test_lot_pdf_lists_the_sessions_that_used_the_lot(client, login, world):
    login(Role.AUDITOR)

    text = _pdf_text(client.get("/audit/trace/lot.pdf?lot=D199&from=2020-01-01"))

    assert "Traceability of lot D199" in text
    assert "2020-01-01 to today" in text
    assert "Alex Martin" in text
    assert "1 row." in text


def test_client_pdf_lists_every_supply_used_on_the_client(client, login, world):
    login(Role.AUDITOR)

    text = _pdf_text(client.get(f"/audit/trace/clients/{world['client']}.pdf"))

    assert "Supplies used on Alex Martin" in text
    assert "D199" in text


def test_a_lot_search_without_criteria_shows_the_form_only(client, login, world):
    login(Role.AUDITOR)

    page = client.get("/audit/trace/lot").get_data(as_text=True)

    assert "Trace a lot" in page
    assert "Alex Martin" not in page


def test_lot_search_page_shows_the_client_and_marks_the_lot_recalled(client, login, world):
    login(Role.AUDITOR)

    page = client.get("/audit/trace/lot?lot=d199").get_data(as_text=True)

    assert "Alex Martin" in page
    assert "+44 7700 900123" in page
    assert "recalled" in page


SAFETY_GATE = "Lot-Nr. D 199 batch No 199 E06"  # EU Safety Gate alert A12/0097/17 (DOMAIN R6)


def _recall_form(product_id, lots, **fields):
    return {
        "product_id": product_id,
        "scope": "lot",
        "lots": lots,
        "reason": "Nickel above the limit",
        "source_reference": "A12/0097/17",
        **fields,
    }


def test_the_preview_shows_the_codes_read_and_the_lot_matched_and_blocks_nothing(
    app, client, login, world
):
    login(Role.AUDITOR)

    response = client.post(
        "/audit/recalls/preview", data=_recall_form(world["product"], SAFETY_GATE)
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Check before you recall" in page
    assert "199E06</span> (the part after “batch No”)" in page
    assert f"D199: the part after “Lot-Nr.” of “{SAFETY_GATE}”" in page
    assert 'action="/audit/recalls"' in page
    with app.app_context():
        assert db.session.scalar(select(func.count(Recall.id))) == 1


def test_a_preview_of_lots_not_received_says_so(client, login, world):
    login(Role.AUDITOR)

    response = client.post("/audit/recalls/preview", data=_recall_form(world["product"], "Z 77"))

    assert "Nothing received here matches yet." in response.get_data(as_text=True)


def test_a_preview_of_the_wrong_shape_is_refused_on_the_form(client, login, world):
    login(Role.AUDITOR)

    response = client.post("/audit/recalls/preview", data=_recall_form(world["product"], "N/A"))

    assert response.status_code == 422
    assert "A lot number needs at least one letter or digit." in response.get_data(as_text=True)


def test_auditor_can_recall_a_lot_not_received_yet(app, client, login, world):
    login(Role.AUDITOR)

    sacred = "lot code RB0624, Best Before June 28, 2027"  # FDA, Sacred Tattoo Ink, 2024

    response = client.post(
        "/audit/recalls", data=_recall_form(world["product"], sacred), follow_redirects=True
    )

    page = response.get_data(as_text=True)
    assert (
        "opened. Nothing received here matches yet: these lots are blocked when they arrive."
        in page
    )
    assert "none received yet" in page
    assert "RB0624" in page


def test_auditor_can_widen_the_look_back(app, client, login, world):
    login(Role.AUDITOR)

    response = client.post(
        f"/audit/recalls/{world['recall']}/lookback",
        data={"lookback_from": "2000-01-01"},
        follow_redirects=True,
    )

    page = response.get_data(as_text=True)
    assert "The look-back now starts on 2000-01-01." in page
    assert "Look-back: sessions from 2000-01-01 to today" in page


def test_a_narrower_look_back_is_refused_with_the_reason(client, login, world):
    login(Role.AUDITOR)
    start = lookback_floor(date.today())

    response = client.post(
        f"/audit/recalls/{world['recall']}/lookback",
        data={"lookback_from": "2099-01-01"},
        follow_redirects=True,
    )

    assert (
        f"The look-back already starts on {start}: a wider one starts earlier."
        in response.get_data(as_text=True)
    )


def test_a_recall_opened_with_a_look_back_inside_the_floor_is_refused(client, login, world):
    login(Role.AUDITOR)

    response = client.post(
        "/audit/recalls", data=_recall_form(world["product"], "D199", lookback_from="2099-01-01")
    )

    assert response.status_code == 422
    assert "the retention floor" in response.get_data(as_text=True)


def test_the_lot_trace_next_link_continues_after_the_last_session_shown(
    app, client, login, world, monkeypatch
):
    monkeypatch.setattr("smp_hygiene.views.audit.traceability.lots.PER_PAGE", 1)
    with app.app_context():
        lot = db.session.get(SupplyLot, world["lot"])
        newer = make_session(make_client(full_name="Noor Newer"))
        make_use(newer, lot)
        db.session.commit()
        newer_id = newer.id
    login(Role.AUDITOR)

    first = client.get("/audit/trace/lot?lot=D199").get_data(as_text=True)
    next_link = re.search(r'href="([^"]+)" rel="next"', first).group(1).replace("&amp;", "&")
    second = client.get(next_link).get_data(as_text=True)

    assert ("Noor Newer" in first, "Alex Martin" in first) == (True, False)
    assert f"after={newer_id}" in next_link
    assert "page=2" in next_link
    assert ("Alex Martin" in second, "Noor Newer" in second) == (True, False)
    assert 'rel="next"' not in second
    assert "after=" not in re.search(r'href="([^"]+)" rel="prev"', second).group(1)


def test_the_client_history_shows_each_supply_with_its_diluent_patch_test_and_recall(
    app, client, login, world
):
    with app.app_context():
        person = make_client(full_name="Kim Diluted")
        pigment = make_lot(lot_number="P77", status=LotStatus.RECALLED)
        water = make_lot(kind=ProductKind.OTHER, lot_number="W12")
        test = make_patch_test(person, [pigment.product])
        session = make_session(person, make_user(email="tech.kim@example.test"))
        make_use(session, pigment, diluent_lot=water, patch_test=test)
        db.session.commit()
        person_id, test_id = person.id, test.id
        titles = (pigment.product.title, water.product.title)
    login(Role.AUDITOR)

    page = client.get(f"/audit/trace/clients/{person_id}").get_data(as_text=True)

    assert 'P77 <strong class="bad">recalled</strong>' in page
    assert f"{titles[1]} lot W12" in page
    assert f"#{test_id} negative" in page
    assert page.count(titles[0]) == 2  # the supply, and the product its patch test tested
    assert "tech." in page  # the session's technician
