"""Sterilisation pages: who may open them, CSRF on every form, and one happy path per page."""

from __future__ import annotations

import io
from datetime import UTC, datetime, time, timedelta

import pytest

from smp_hygiene.extensions import db
from smp_hygiene.models import (
    BiologicalIndicatorTest,
    BowieDickTest,
    CycleStatus,
    InstrumentPack,
    PackStatus,
    Role,
    SterilisationSettings,
    Steriliser,
    SteriliserCycle,
    SteriliserStatus,
)
from smp_hygiene.services.sterilisation.packs import use_pack
from smp_hygiene.services.verification import qrcodes
from smp_hygiene.timeutil import utcnow
from tests.factories import (
    make_bowie_dick,
    make_clinic,
    make_cycle,
    make_session,
    make_spore_test,
    make_steriliser,
)


@pytest.fixture
def ids(app):
    """One steriliser with a recorded cycle (one pack) and a spore test, in the first clinic."""
    with app.app_context():
        make_clinic(name="Skin Ink Studio")
        steriliser = make_steriliser(name="Autoclave A")
        # Yesterday 08:00–10:00 UTC: the Bowie-Dick test and the load fall on one day whatever
        # the hour the suite runs.
        morning = datetime.combine(utcnow().date() - timedelta(days=1), time(8), tzinfo=UTC)
        make_bowie_dick(steriliser, morning)
        cycle = make_cycle(steriliser, cycle_number=42, started_at=morning + timedelta(hours=1))
        test = make_spore_test(cycle, read_at=morning + timedelta(hours=2))
        db.session.commit()
        return {
            "steriliser": steriliser.id,
            "cycle": cycle.id,
            "pack": cycle.packs[0].id,
            "test": test.id,
        }


def urls(ids) -> list[tuple[str, str]]:
    s, c, p, t = ids["steriliser"], ids["cycle"], ids["pack"], ids["test"]
    return [
        ("GET", "/audit/sterilisation/"),
        ("POST", "/audit/sterilisation/"),
        ("GET", "/audit/sterilisation/settings"),
        ("POST", "/audit/sterilisation/settings"),
        ("GET", f"/audit/sterilisation/{s}"),
        ("GET", f"/audit/sterilisation/{s}/cycles.csv"),
        ("POST", f"/audit/sterilisation/{s}/cycles"),
        ("POST", f"/audit/sterilisation/{s}/bowie-dick"),
        ("POST", f"/audit/sterilisation/{s}/spore-tests"),
        ("GET", f"/audit/sterilisation/cycles/{c}"),
        ("POST", f"/audit/sterilisation/cycles/{c}/release"),
        ("POST", f"/audit/sterilisation/cycles/{c}/fail"),
        ("GET", f"/audit/sterilisation/spore-tests/{t}"),
        ("POST", f"/audit/sterilisation/spore-tests/{t}/report"),
        ("GET", f"/audit/sterilisation/packs/{p}/label"),
        ("GET", f"/audit/sterilisation/packs/{p}/qr.svg"),
        ("POST", f"/audit/sterilisation/packs/{p}/discard"),
    ]


URL_COUNT = 17


@pytest.mark.parametrize("index", range(URL_COUNT))
def test_technician_cannot_open_any_sterilisation_url(client, login, ids, index):
    method, url = urls(ids)[index]
    login(Role.TECHNICIAN)

    response = client.open(url, method=method)

    assert response.status_code == 403


@pytest.mark.parametrize("index", range(URL_COUNT))
def test_anonymous_visitor_is_sent_to_login_from_every_sterilisation_url(client, ids, index):
    method, url = urls(ids)[index]

    response = client.open(url, method=method)

    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.ADMIN])
@pytest.mark.parametrize("index", [0, 2, 4, 5, 9, 12, 14, 15])
def test_auditors_and_admins_can_open_every_sterilisation_page(client, login, ids, role, index):
    method, url = urls(ids)[index]
    login(role)

    assert client.open(url, method=method).status_code == 200


@pytest.mark.parametrize("index", [1, 3, 6, 7, 8, 10, 11, 13, 16])
def test_sterilisation_forms_refuse_a_post_without_csrf_token(app, client, login, ids, index):
    method, url = urls(ids)[index]
    login(Role.AUDITOR)
    app.config["WTF_CSRF_ENABLED"] = True

    assert client.open(url, method=method, data={}).status_code == 400


def test_auditor_cannot_open_another_clinics_steriliser(app, client, login):
    with app.app_context():
        make_clinic()  # the auditor's
        other = make_steriliser(make_clinic())
        db.session.commit()
        other_id = other.id
    login(Role.AUDITOR)

    assert client.get(f"/audit/sterilisation/{other_id}").status_code == 404


# --- happy paths ---


def test_auditor_can_register_a_steriliser(app, client, login, ids):
    login(Role.AUDITOR)

    response = client.post(
        "/audit/sterilisation/",
        data={"name": "Autoclave B", "serial": "SN-9", "kind": "gravity",
              "installed_on": "2026-01-15"},
    )  # fmt: skip

    assert response.status_code == 302
    with app.app_context():
        assert db.session.query(Steriliser).filter_by(name="Autoclave B").one().serial == "SN-9"


def test_auditor_sees_a_duplicate_name_refused(client, login, ids):
    login(Role.AUDITOR)

    response = client.post(
        "/audit/sterilisation/",
        data={"name": "Autoclave A", "serial": "X", "kind": "prevac", "installed_on": "2026-01-15"},
    )

    assert response.status_code == 409
    assert "There is already a steriliser called &#34;Autoclave A&#34;." in response.text


def test_registry_lists_sterilisers_and_flags_an_overdue_spore_test(app, client, login, ids):
    with app.app_context():
        make_steriliser(name="Autoclave New", installed_at=utcnow() - timedelta(days=1))
        db.session.commit()
    login(Role.AUDITOR)

    page = client.get("/audit/sterilisation/").text

    assert "Autoclave A" in page
    assert "overdue since" in page


def test_admin_can_change_sterilisation_settings(app, client, login, ids):
    login(Role.ADMIN)

    response = client.post(
        "/audit/sterilisation/settings",
        data={"spore_test_interval_days": "30", "spore_test_overdue_mode": "block",
              "pack_shelf_life_days": "180", "requires_daily_bowie_dick": "y",
              "min_chemical_indicator_class": "5"},
    )  # fmt: skip

    assert response.status_code == 302
    with app.app_context():
        settings = db.session.query(SterilisationSettings).one()
        assert (settings.spore_test_interval_days, settings.pack_shelf_life_days) == (30, 180)
        assert not settings.reports_positive_bi


SETTINGS_FORM = {
    "spore_test_interval_days": "30", "spore_test_overdue_mode": "block",
    "pack_shelf_life_days": "180", "min_chemical_indicator_class": "5",
}  # fmt: skip


def test_auditor_cannot_change_sterilisation_settings(app, client, login, ids):
    login(Role.AUDITOR)

    response = client.post("/audit/sterilisation/settings", data=SETTINGS_FORM)

    assert response.status_code == 403
    with app.app_context():
        assert db.session.query(SterilisationSettings).count() == 0


def test_auditor_reads_the_sterilisation_settings_without_a_form(app, client, login, ids):
    with app.app_context():
        db.session.add(SterilisationSettings(clinic_id=1, spore_test_overdue_mode="block"))
        db.session.commit()
    login(Role.AUDITOR)

    page = client.get("/audit/sterilisation/settings").text

    assert "sessions using that steriliser's packs are blocked" in page
    assert "Only an admin can change these settings." in page
    assert 'name="spore_test_overdue_mode"' not in page
    assert '<form method="post" action="/audit/sterilisation/settings"' not in page


def test_admin_sees_the_sterilisation_settings_form(client, login, ids):
    login(Role.ADMIN)

    page = client.get("/audit/sterilisation/settings").text

    assert 'name="spore_test_overdue_mode"' in page
    assert "Only an admin can change" not in page


def test_auditor_can_record_a_cycle_with_packs(app, client, login, ids):
    login(Role.AUDITOR)
    cycle_form = {
        "cycle_number": "43", "started_at": "2026-11-24T08:30", "program": "prevac_134",
        "temperature_c": "134.2", "exposure_minutes": "3.5", "pressure_kpa": "311",
        "ci_class": "5", "ci_result": "pass", "printout_ref": "roll 7",
        "packs": "Grip 25 mm\nTube set 3\n",
    }  # fmt: skip

    response = client.post(f"/audit/sterilisation/{ids['steriliser']}/cycles", data=cycle_form)

    assert response.status_code == 302
    with app.app_context():
        cycle = db.session.query(SteriliserCycle).filter_by(cycle_number=43).one()
        assert [pack.contents for pack in cycle.packs] == ["Grip 25 mm", "Tube set 3"]


def test_auditor_sees_a_bad_cycle_form_again_with_its_errors(client, login, ids):
    login(Role.AUDITOR)

    response = client.post(
        f"/audit/sterilisation/{ids['steriliser']}/cycles", data={"cycle_number": "x"}
    )

    assert response.status_code == 422
    assert "Record a cycle" in response.text


def test_auditor_can_record_a_bowie_dick_test(app, client, login, ids):
    login(Role.AUDITOR)

    response = client.post(
        f"/audit/sterilisation/{ids['steriliser']}/bowie-dick",
        data={"tested_at": "2026-11-24T07:00", "result": "pass", "test_pack_lot": "BD-1"},
    )

    assert response.status_code == 302
    with app.app_context():
        assert db.session.query(BowieDickTest).filter_by(test_pack_lot="BD-1").count() == 1


def test_auditor_can_release_a_cycle(app, client, login, ids):
    login(Role.AUDITOR)

    response = client.post(f"/audit/sterilisation/cycles/{ids['cycle']}/release")

    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(SteriliserCycle, ids["cycle"]).status is CycleStatus.RELEASED


def test_auditor_sees_why_a_cycle_cannot_be_released(app, client, login, ids):
    with app.app_context():
        db.session.get(SteriliserCycle, ids["cycle"]).temperature_c = 120.0
        db.session.commit()
    login(Role.AUDITOR)

    response = client.post(
        f"/audit/sterilisation/cycles/{ids['cycle']}/release", follow_redirects=True
    )

    assert "Cycle 42 on Autoclave A cannot be released: the temperature 120 °C" in response.text


def test_auditor_can_mark_a_cycle_failed(app, client, login, ids):
    login(Role.AUDITOR)

    response = client.post(
        f"/audit/sterilisation/cycles/{ids['cycle']}/fail", data={"reason": "door seal leak"}
    )

    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(SteriliserCycle, ids["cycle"]).status is CycleStatus.FAILED


def test_positive_spore_test_leads_to_the_quarantine_page(app, client, login, ids):
    with app.app_context():
        steriliser = db.session.get(Steriliser, ids["steriliser"])
        later = make_cycle(steriliser, status=CycleStatus.RELEASED, started_at=utcnow())
        session = make_session()
        use_pack(session, later.packs[0].code, session.technician, utcnow())
        db.session.commit()
        client_name, later_id = session.client.full_name, later.id
    login(Role.AUDITOR)

    response = client.post(
        f"/audit/sterilisation/{ids['steriliser']}/spore-tests",
        data={"cycle_id": str(later_id), "bi_lot": "BI-9", "result": "positive",
              "control_result": "positive", "read_at": "2099-01-01T09:00"},
        follow_redirects=True,
    )  # fmt: skip

    assert response.status_code == 200
    assert "Quarantined packs" in response.text
    assert client_name in response.text
    with app.app_context():
        steriliser = db.session.get(Steriliser, ids["steriliser"])
        assert steriliser.status is SteriliserStatus.OUT_OF_SERVICE


def test_auditor_can_record_the_report_to_the_health_authority(app, client, login, ids):
    with app.app_context():
        test = db.session.get(BiologicalIndicatorTest, ids["test"])
        test.authority_report_due_on = utcnow().date()
        db.session.commit()
    login(Role.AUDITOR)

    response = client.post(
        f"/audit/sterilisation/spore-tests/{ids['test']}/report", data={"reference": "case 7"}
    )

    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(BiologicalIndicatorTest, ids["test"]).authority_report_ref == "case 7"


def test_pack_label_shows_cycle_and_qr(app, client, login, ids):
    login(Role.AUDITOR)
    with app.app_context():
        code = db.session.get(InstrumentPack, ids["pack"]).code

    label = client.get(f"/audit/sterilisation/packs/{ids['pack']}/label").text
    qr = client.get(f"/audit/sterilisation/packs/{ids['pack']}/qr.svg")

    assert code in label
    assert "Autoclave A" in label
    assert "cycle 42" in label
    assert qr.mimetype == "image/svg+xml"
    assert qr.data.lstrip().startswith(b"<?xml")


def test_pack_qr_decodes_to_our_pack_label(app, ids):
    zxingcpp = pytest.importorskip("zxingcpp")
    image_module = pytest.importorskip("PIL.Image")
    with app.app_context():
        code = db.session.get(InstrumentPack, ids["pack"]).code

    image = image_module.open(io.BytesIO(qrcodes.qr_png(f"SMPH-PACK:{code}")))

    assert [found.text for found in zxingcpp.read_barcodes(image)] == [f"SMPH-PACK:{code}"]


def test_auditor_can_discard_a_torn_pack(app, client, login, ids):
    login(Role.AUDITOR)

    response = client.post(
        f"/audit/sterilisation/packs/{ids['pack']}/discard", data={"reason": "wrap torn"}
    )

    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(InstrumentPack, ids["pack"]).status is PackStatus.DISCARDED


def test_cycle_log_exports_as_csv(client, login, ids):
    login(Role.AUDITOR)

    response = client.get(f"/audit/sterilisation/{ids['steriliser']}/cycles.csv")

    lines = response.text.lstrip("\ufeff").splitlines()
    assert response.mimetype == "text/csv"
    assert lines[0].startswith("steriliser,serial,cycle,started_at,program")
    assert lines[1].startswith("Autoclave A,")
    assert ",42," in lines[1]
