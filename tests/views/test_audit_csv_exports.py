"""CSV downloads of the auditor's tables: dashboard panels, client search, sterilisation pages
and the session record. Each gives a header and real rows, to auditors only, within the clinic."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from smp_hygiene.models import CycleStatus, ProductKind, Role, SporeResult
from smp_hygiene.services.sterilisation import packs, spore_tests
from smp_hygiene.timeutil import utcnow
from tests import factories as f
from tests.seeds import seeded


def _rows(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


def _world() -> dict:
    """One clinic with something in every table, and a second clinic with its own records."""
    now = utcnow()
    clinic = f.make_clinic(name="Crown Clinic")
    tech = f.make_user(email="maker@example.test", clinic=clinic)
    items = f.make_checklist(clinic)
    steriliser = f.make_steriliser(clinic, name="Autoclave A", serial="SN-A1")
    cycle = f.make_cycle(
        steriliser, packs=2, status=CycleStatus.RELEASED, started_at=now - timedelta(days=2)
    )
    f.make_spore_test(cycle, read_at=now - timedelta(days=1))
    cartridge = f.make_lot(kind=ProductKind.NEEDLE_CARTRIDGE, lot_number="NDL-77")
    sam = f.make_consenting_client(
        clinic, full_name="Sam Stone", phone="+44 7700 900123", email="sam@example.test"
    )
    session = f.make_ready_session(technician=tech, client=sam)
    packs.use_pack(session, cycle.packs[0].code, tech, now)
    f.seal_at_the_chair(session, items, cartridge)
    positive = spore_tests.record_spore_test(
        cycle, tech, bi_lot="BI-9", result=SporeResult.POSITIVE,
        control_result=SporeResult.POSITIVE, read_at=now,
    )  # fmt: skip
    other = f.make_clinic(name="Elsewhere")
    other_session = f.make_sealed_session(other)
    other_cycle = f.make_cycle(f.make_steriliser(other))
    other_test = f.make_spore_test(other_cycle)
    return {
        "session": session.id, "cycle": cycle.id, "test": positive.id,
        "pack": cycle.packs[0].code, "unused_pack": cycle.packs[1].code,
        "other_session": other_session.id, "other_cycle": other_cycle.id,
        "other_test": other_test.id,
    }  # fmt: skip


world = seeded(_world, "world")


URLS = [
    "/audit/dashboard.csv?panel=technicians",
    "/audit/trace/clients.csv",
    "/audit/sterilisation/sterilisers.csv",
    "/audit/sterilisation/cycles/{cycle}/packs.csv",
    "/audit/sterilisation/spore-tests/{test}/packs.csv",
    "/audit/sterilisation/spore-tests/{test}/sessions.csv",
    "/audit/sessions/{session}/supplies.csv",
    "/audit/sessions/{session}/packs.csv",
    "/audit/sessions/{session}/checklist.csv",
]

OTHER_CLINIC_URLS = [
    "/audit/sterilisation/cycles/{other_cycle}/packs.csv",
    "/audit/sterilisation/spore-tests/{other_test}/packs.csv",
    "/audit/sterilisation/spore-tests/{other_test}/sessions.csv",
    "/audit/sessions/{other_session}/supplies.csv",
    "/audit/sessions/{other_session}/packs.csv",
    "/audit/sessions/{other_session}/checklist.csv",
]


@pytest.mark.parametrize("url", URLS)
def test_technician_cannot_download_an_audit_csv(client, login, world, url):
    login(Role.TECHNICIAN)

    assert client.get(url.format(**world)).status_code == 403


@pytest.mark.parametrize("url", URLS)
def test_anonymous_visitor_is_sent_to_login_from_an_audit_csv(client, world, url):
    response = client.get(url.format(**world))

    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.ADMIN])
@pytest.mark.parametrize("url", URLS)
def test_auditors_and_admins_can_download_every_audit_csv(client, login, world, role, url):
    login(role)

    assert len(_rows(client.get(url.format(**world)))) >= 1


@pytest.mark.parametrize("url", OTHER_CLINIC_URLS)
def test_auditor_cannot_download_another_clinics_record(client, login, world, url):
    login(Role.AUDITOR)

    assert client.get(url.format(**world)).status_code == 404


# --- the session record ---


def test_session_supplies_csv_lists_the_scanned_cartridge(client, login, world):
    login(Role.AUDITOR)

    rows = _rows(client.get(f"/audit/sessions/{world['session']}/supplies.csv"))

    assert rows[0][:4] == ["Scanned at", "Product", "GTIN", "Lot"]
    assert [row[3] for row in rows[1:]] == ["NDL-77"]


def test_session_packs_csv_lists_the_pack_with_its_cycle(client, login, world):
    login(Role.AUDITOR)

    rows = _rows(client.get(f"/audit/sessions/{world['session']}/packs.csv"))

    assert rows[0][:3] == ["Pack", "Contents", "Steriliser"]
    assert rows[1][0] == world["pack"]
    assert rows[1][2:4] == ["Autoclave A", "SN-A1"]


def test_session_checklist_csv_lists_each_tick_as_worded(client, login, world):
    login(Role.AUDITOR)

    rows = _rows(client.get(f"/audit/sessions/{world['session']}/checklist.csv"))

    assert rows[0] == ["Item, as worded when ticked", "Ticked by", "At"]
    assert sorted(row[0] for row in rows[1:]) == ["Fresh gloves", "Hands washed"]


def test_session_record_page_links_to_its_csv_downloads(client, login, world):
    login(Role.AUDITOR)

    page = client.get(f"/audit/sessions/{world['session']}").text

    for table in ("supplies", "packs", "checklist"):
        assert f"/audit/sessions/{world['session']}/{table}.csv" in page


# --- sterilisation ---


def test_spore_test_sessions_csv_gives_the_clients_to_contact(client, login, world):
    login(Role.AUDITOR)

    rows = _rows(client.get(f"/audit/sterilisation/spore-tests/{world['test']}/sessions.csv"))

    assert rows[0][:6] == ["Session", "Used at", "Client", "Date of birth", "Phone", "Email"]
    assert len(rows) == 2
    assert rows[1][0] == str(world["session"])
    assert rows[1][2:6] == ["Sam Stone", "1990-05-17", "'+44 7700 900123", "sam@example.test"]
    assert rows[1][7] == world["pack"]


def test_spore_test_packs_csv_lists_every_quarantined_pack(client, login, world):
    login(Role.AUDITOR)

    rows = _rows(client.get(f"/audit/sterilisation/spore-tests/{world['test']}/packs.csv"))

    assert rows[0][:3] == ["Pack", "Steriliser", "Cycle"]
    status = {row[0]: row[5] for row in rows[1:]}
    assert status == {world["pack"]: "used", world["unused_pack"]: "quarantined"}


def test_spore_test_page_links_to_both_csv_downloads(client, login, world):
    login(Role.AUDITOR)

    page = client.get(f"/audit/sterilisation/spore-tests/{world['test']}").text

    assert f"/audit/sterilisation/spore-tests/{world['test']}/sessions.csv" in page
    assert f"/audit/sterilisation/spore-tests/{world['test']}/packs.csv" in page


def test_cycle_packs_csv_says_which_session_used_each_pack(client, login, world):
    login(Role.AUDITOR)

    rows = _rows(client.get(f"/audit/sterilisation/cycles/{world['cycle']}/packs.csv"))

    assert rows[0][:2] == ["Pack", "Contents"]
    used = {row[0]: row[6] for row in rows[1:]}
    assert used == {world["pack"]: str(world["session"]), world["unused_pack"]: ""}


def test_registry_csv_lists_only_this_clinics_sterilisers(client, login, world):
    login(Role.AUDITOR)

    rows = _rows(client.get("/audit/sterilisation/sterilisers.csv"))

    assert rows[0][:3] == ["Name", "Serial", "Type"]
    assert [row[:2] for row in rows[1:]] == [["Autoclave A", "SN-A1"]]


# --- client search ---


def test_client_search_csv_keeps_the_search(client, login, world):
    login(Role.AUDITOR)

    rows = _rows(client.get("/audit/trace/clients.csv?q=stone"))

    assert rows[0][:3] == ["Client", "Name", "Date of birth"]
    assert [row[1] for row in rows[1:]] == ["Sam Stone"]
    assert rows[1][4] == "sam@example.test"


def test_client_search_page_links_to_its_csv_with_the_query(client, login, world):
    login(Role.AUDITOR)

    page = client.get("/audit/trace/clients?q=stone").text

    assert "/audit/trace/clients.csv?q=stone" in page


# --- dashboard panels ---


def _board() -> None:
    """Something in every dashboard panel of the first clinic."""
    now = utcnow()
    clinic = f.make_clinic(name="Crown Clinic")
    tess = f.make_user(Role.TECHNICIAN, email="tess@example.test", clinic=clinic)
    f.make_completed_session(technician=tess, started_at=now - timedelta(days=1))
    f.make_refusal(f.make_user(clinic=clinic), "PatchTestRequired")
    f.make_lot(lot_number="EXP-9", expiry_date=now.date() + timedelta(days=5))
    bad = f.make_lot(lot_number="BAD-1")
    for _ in range(2):
        f.make_reaction(f.make_completed_session(lots=(bad,), started_at=now - timedelta(3)))
    f.make_recall(source_reference="A12/0097/17")
    f.make_steriliser(clinic, name="Autoclave New", installed_at=now - timedelta(days=1))


board = seeded(_board, "board")


PANELS = [
    ("technicians", "Technician", "tess@"),
    ("refusals", "Reason", "PatchTestRequired"),
    ("expiring", "Product", "EXP-9"),
    ("batch-problems", "Product", "BAD-1"),
    ("notices", "Reaction", "moderate"),
    ("recalls", "Recall", "A12/0097/17"),
    ("spore-tests", "Steriliser", "Autoclave New"),
]


@pytest.mark.parametrize(("panel", "first_column", "expected"), PANELS)
def test_auditor_can_download_each_dashboard_panel(
    client, login, board, panel, first_column, expected
):
    login(Role.AUDITOR)

    rows = _rows(client.get(f"/audit/dashboard.csv?panel={panel}"))

    assert rows[0][0] == first_column
    assert any(expected in row for row in rows[1:]), rows


def test_dashboard_csv_keeps_the_pages_period(client, login, board):
    login(Role.AUDITOR)

    rows = _rows(client.get("/audit/dashboard.csv?panel=refusals&from=2001-01-01&to=2001-12-31"))

    assert rows == [["Reason", "Code", "Count"]]


def test_dashboard_csv_without_a_panel_gives_every_panel_under_its_title(client, login, board):
    login(Role.AUDITOR)

    rows = _rows(client.get("/audit/dashboard.csv"))

    assert rows[0][:2] == ["Compliance dashboard", "Crown Clinic"]
    titles = [row[0] for row, after in zip(rows, rows[1:], strict=False) if len(row) == 1]
    assert titles == [
        "Sessions and checklist completion per technician", "Refusals at the chair by reason",
        "Lots expiring within 30 days", "Possible batch problems",
        "Health-department notices not yet sent", "Open recalls", "Overdue spore tests",
    ]  # fmt: skip
    for _, first_column, expected in PANELS:
        assert [first_column] in [row[:1] for row in rows]
        assert any(expected in cell for row in rows for cell in row), expected


def test_dashboard_links_to_the_whole_dashboard_csv(client, login, board):
    login(Role.AUDITOR)

    page = client.get("/audit/?from=2026-01-01&to=2026-01-31").text

    assert "/audit/dashboard.csv?from=2026-01-01&amp;to=2026-01-31" in page


def test_dashboard_csv_refuses_an_unknown_panel(client, login):
    login(Role.AUDITOR)

    assert client.get("/audit/dashboard.csv?panel=nope").status_code == 404


def test_dashboard_links_each_panel_to_its_csv_for_the_same_period(client, login, board):
    login(Role.AUDITOR)
    start, end = utcnow().date() - timedelta(days=7), utcnow().date()

    page = client.get(f"/audit/?from={start}&to={end}").text

    for panel, _, _ in PANELS:
        assert f"/audit/dashboard.csv?panel={panel}&amp;from={start}&amp;to={end}" in page


def test_dashboard_shows_no_csv_link_for_an_empty_panel(client, login):
    login(Role.AUDITOR)

    page = client.get("/audit/").text

    assert "dashboard.csv?panel=refusals" not in page
