"""The admin workspace: who may open it, one happy path per page, and CSRF on its forms."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from smp_hygiene.app import create_app
from smp_hygiene.extensions import db
from smp_hygiene.models import (
    AuditEntry,
    ChecklistItem,
    Clinic,
    ConsentTemplate,
    OverdueMode,
    PatchTestMode,
    ProductKind,
    Role,
    SigningKey,
    User,
)
from smp_hygiene.services.consent import consents
from smp_hygiene.services.sterilisation import sterilisers
from smp_hygiene.services.verification import signing
from tests import factories as f
from tests.seeds import seeded


def _world():
    """A clinic with a technician, a checklist, a consent form and one sealed session."""
    clinic = f.make_clinic(name="Crown Clinic")
    tech = f.make_user(email="maker@example.test", clinic=clinic)
    items = f.make_checklist(clinic)
    cartridge = f.make_lot(kind=ProductKind.NEEDLE_CARTRIDGE, received_by=tech)
    ready = f.make_ready_session(technician=tech, client=f.make_consenting_client(clinic))
    done = f.seal_at_the_chair(ready, items, cartridge)
    return {"tech": tech.id, "item": items[0].id, "done": done.id}


world = seeded(_world, "world")


GET_URLS = [
    "/admin/",
    "/admin/checklist",
    "/admin/consent-forms",
    "/admin/users",
    "/admin/signing-keys",
    "/admin/sessions/{done}/card",
]
POST_URLS = [
    "/admin/settings",
    "/admin/settings/sterilisation",
    "/admin/checklist",
    "/admin/checklist/{item}/retire",
    "/admin/consent-forms",
    "/admin/users",
    "/admin/users/{tech}/deactivate",
    "/admin/users/{tech}/reactivate",
    "/admin/signing-keys/rotate",
    "/admin/sessions/{done}/card/replace",
]


@pytest.mark.parametrize("url", GET_URLS)
@pytest.mark.parametrize("role", [Role.TECHNICIAN, Role.AUDITOR])
def test_technicians_and_auditors_cannot_open_admin_pages(client, login, world, role, url):
    login(role)

    assert client.get(url.format(**world)).status_code == 403


@pytest.mark.parametrize("url", POST_URLS)
@pytest.mark.parametrize("role", [Role.TECHNICIAN, Role.AUDITOR])
def test_technicians_and_auditors_cannot_post_admin_forms(client, login, world, role, url):
    login(role)

    assert client.post(url.format(**world), data={"reason": "x"}).status_code == 403


@pytest.mark.parametrize("url", GET_URLS + POST_URLS)
def test_anonymous_visitors_are_sent_to_login_from_admin_urls(client, world, url):
    method = client.get if url in GET_URLS else client.post

    response = method(url.format(**world))

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login?next=")


@pytest.mark.parametrize("url", GET_URLS)
def test_admin_can_open_every_admin_page(client, login, world, url):
    login(Role.ADMIN)

    assert client.get(url.format(**world)).status_code == 200


def test_admin_lands_on_clinic_settings_which_warns_about_warn_mode(client, login, world):
    login(Role.ADMIN)

    page = client.get("/", follow_redirects=True)

    assert page.request.path == "/admin/"
    assert b"Warn is only for jurisdictions that allow" in page.data


SETTINGS = {
    "patch_test_wait_hours": "72",
    "patch_test_valid_days": "120",
    "patch_test_mode": "warn",
    "healing_gap_days": "7",
    "retention_years": "10",
}


def test_admin_can_change_the_clinic_settings(app, client, login, world):
    login(Role.ADMIN)

    response = client.post("/admin/settings", data=SETTINGS)

    assert response.headers["Location"] == "/admin/"
    with app.app_context():
        clinic = db.session.get(Clinic, 1)
        assert (clinic.patch_test_wait_hours, clinic.healing_gap_days) == (72, 7)
        assert clinic.patch_test_mode is PatchTestMode.WARN
        assert clinic.requires_eu_ink_label is False  # unticked box
        entry = db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "clinic.settings_changed")
        )
        assert '"patch_test_wait_hours":48' in entry.before


def test_a_setting_out_of_bounds_is_refused_and_nothing_changes(app, client, login, world):
    login(Role.ADMIN)

    response = client.post("/admin/settings", data={**SETTINGS, "retention_years": "2"})

    assert response.status_code == 422
    assert b"retention years must be between 3 and 30" in response.data
    with app.app_context():
        assert db.session.get(Clinic, 1).patch_test_wait_hours == 48


def test_a_setting_that_is_not_a_number_is_refused_in_plain_words(client, login, world):
    login(Role.ADMIN)

    response = client.post("/admin/settings", data={**SETTINGS, "healing_gap_days": "five"})

    assert response.status_code == 422
    assert b"Days between sessions on the same client: enter a whole number." in response.data


STERILISATION = {
    "spore_test_interval_days": "30",
    "spore_test_overdue_mode": "block",
    "pack_shelf_life_days": "90",
    "min_chemical_indicator_class": "6",
}


def test_admin_can_change_the_sterilisation_settings_from_the_settings_page(
    app, client, login, world
):
    login(Role.ADMIN)
    assert b"Save sterilisation settings" in client.get("/admin/").data

    response = client.post("/admin/settings/sterilisation", data=STERILISATION)

    assert response.headers["Location"] == "/admin/"
    with app.app_context():
        saved = sterilisers.settings_for(db.session.get(Clinic, 1))
        assert (saved.spore_test_interval_days, saved.pack_shelf_life_days) == (30, 90)
        assert saved.spore_test_overdue_mode is OverdueMode.BLOCK
        assert saved.requires_daily_bowie_dick is False  # unticked box


def test_an_invalid_sterilisation_setting_is_refused_and_nothing_saved(app, client, login, world):
    login(Role.ADMIN)

    response = client.post(
        "/admin/settings/sterilisation", data={**STERILISATION, "pack_shelf_life_days": "400"}
    )

    assert response.status_code == 422
    assert b"Check the sterilisation settings" in response.data
    with app.app_context():
        assert sterilisers.settings_for(db.session.get(Clinic, 1)).id is None


def test_admin_can_add_and_retire_checklist_items(app, client, login, world):
    login(Role.ADMIN)

    client.post("/admin/checklist", data={"text": "Needle depth checked"})
    client.post(f"/admin/checklist/{world['item']}/retire")

    with app.app_context():
        active = db.session.scalars(select(ChecklistItem).filter_by(is_active=True)).all()
        assert [i.text for i in active] == ["Fresh gloves", "Needle depth checked"]
    page = client.get("/admin/checklist")
    assert b"Retired items" in page.data


def test_admin_can_publish_a_consent_form_version_keeping_question_keys(app, client, login, world):
    login(Role.ADMIN)
    form = {
        "title": "SMP consent v2",
        "risk_text": "Our new wording.",
        "questions": "Do you have diabetes?\n!Are you pregnant or nursing?\n!Do you form keloids?",
        "guardian_consent_from_age": "",
        "valid_days": "180",
    }

    response = client.post("/admin/consent-forms", data=form)

    assert response.status_code == 302
    with app.app_context():
        current = consents.find_current_template(1)
        assert (current.version, current.title, current.valid_days) == (2, "SMP consent v2", 180)
        assert [(q["key"], q["blocks"]) for q in current.medical_questions] == [
            ("diabetes", False),
            ("pregnant", True),
            ("do_you_form_keloids", True),
        ]


def test_a_consent_form_without_a_title_is_refused_and_the_wording_kept(app, client, login, world):
    login(Role.ADMIN)
    form = {"title": " ", "risk_text": "Kept wording.", "questions": "", "valid_days": "365"}

    response = client.post("/admin/consent-forms", data=form)

    assert response.status_code == 422
    assert b"A consent form needs a title." in response.data
    assert b"Kept wording." in response.data
    with app.app_context():
        assert db.session.scalar(select(ConsentTemplate).filter_by(version=2)) is None


def test_admin_can_add_a_technician_who_signs_in_and_picks_a_password(app, client, login, world):
    login(Role.ADMIN)
    form = {
        "display_name": "Nia Tech",
        "email": "nia@example.test",
        "role": "technician",
        "licence_number": "BP-1",
        "licence_issuer": "Brussels Health",
        "password": "a long first pw",
    }

    client.post("/admin/users", data=form)

    assert b"nia@example.test" in client.get("/admin/users").data
    client.post("/auth/logout")
    signed_in = client.post(
        "/auth/login", data={"email": "nia@example.test", "password": "a long first pw"}
    )
    assert signed_in.headers["Location"] == "/auth/password"
    assert client.get("/chair/").headers["Location"] == "/auth/password"
    changed = client.post(
        "/auth/password",
        data={
            "current": "a long first pw",
            "new": "plum kettle orbit",
            "confirm": "plum kettle orbit",
        },
    )
    assert changed.headers["Location"] == "/"
    assert client.get("/chair/").status_code == 200


def test_a_technician_without_licence_number_is_refused_and_the_form_kept(client, login, world):
    login(Role.ADMIN)
    form = {"display_name": "Nia Tech", "email": "nia@example.test", "role": "technician"}

    response = client.post("/admin/users", data={**form, "password": "a long first pw"})

    assert response.status_code == 422
    assert b"A technician needs a licence number" in response.data
    assert b'value="nia@example.test"' in response.data


def test_a_deactivated_technician_is_signed_out_at_their_next_request(app, world):
    admin_client, tech_client = app.test_client(), app.test_client()
    with app.app_context():
        f.make_user(Role.ADMIN, email="boss@example.test")
        db.session.commit()
    for who, email in ((admin_client, "boss@example.test"), (tech_client, "maker@example.test")):
        who.post("/auth/login", data={"email": email, "password": f.PASSWORD})
    assert tech_client.get("/chair/").status_code == 200

    admin_client.post(f"/admin/users/{world['tech']}/deactivate")

    assert tech_client.get("/chair/").headers["Location"].startswith("/auth/login")
    with app.app_context():
        assert db.session.get(User, world["tech"]) is not None  # kept for the records


def test_admin_cannot_deactivate_themself_from_the_page(app, client, login, world):
    email = login(Role.ADMIN)
    with app.app_context():
        me = db.session.scalar(select(User).filter_by(email=email)).id

    response = client.post(f"/admin/users/{me}/deactivate", follow_redirects=True)

    assert b"You cannot deactivate your own login" in response.data
    assert client.get("/admin/").status_code == 200


def test_admin_can_reactivate_a_colleague(app, client, login, world):
    login(Role.ADMIN)
    client.post(f"/admin/users/{world['tech']}/deactivate")

    client.post(f"/admin/users/{world['tech']}/reactivate")

    with app.app_context():
        assert db.session.get(User, world["tech"]).is_active


def test_admin_can_rotate_the_signing_key(app, client, login, world):
    login(Role.ADMIN)
    with app.app_context():
        old = signing.current_key(db.session.get(Clinic, 1)).key_id

    response = client.post("/admin/signing-keys/rotate", follow_redirects=True)

    with app.app_context():
        keys = db.session.scalars(select(SigningKey).order_by(SigningKey.id)).all()
        assert [k.key_id for k in keys][0] == old
        assert keys[0].retired_at is not None
        assert keys[-1].retired_at is None
        assert f"signed with key {keys[-1].key_id}".encode() in response.data


def test_admin_workspace_links_appear_only_for_admins(client, login, world):
    login(Role.AUDITOR)

    page = client.get("/audit/trace/clients")

    assert b'href="/admin/"' not in page.data
    assert b'href="/audit/"' in page.data


@pytest.fixture
def csrf_app(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "APP_ENV": "test",
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "WTF_CSRF_ENABLED": True,
            "SERVER_NAME": "clinic.test",
            "RATELIMIT_STORAGE_URI": "memory://",
        }
    )
    app.instance_path = str(tmp_path)
    with app.app_context():
        db.create_all()
        f.make_user(Role.ADMIN, email="boss@example.test", clinic=f.make_clinic())
        db.session.commit()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _token(page: bytes) -> str:
    return re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page).group(1).decode()


def test_an_admin_form_posted_without_its_csrf_token_is_refused(csrf_app):
    client = csrf_app.test_client()
    token = _token(client.get("/auth/login").data)
    client.post(
        "/auth/login",
        data={"email": "boss@example.test", "password": f.PASSWORD, "csrf_token": token},
    )
    token = _token(client.get("/admin/checklist").data)

    refused = client.post("/admin/checklist", data={"text": "Forged item"})
    accepted = client.post("/admin/checklist", data={"text": "Real item", "csrf_token": token})

    assert refused.status_code == 400
    assert accepted.status_code == 302
    with csrf_app.app_context():
        assert [i.text for i in db.session.scalars(select(ChecklistItem))] == ["Real item"]


def test_a_checklist_item_sent_twice_with_one_nonce_is_added_once(app, client, login, world):
    login(Role.ADMIN)
    form = {"text": "Needle depth checked", "nonce": "same-form"}

    first = client.post("/admin/checklist", data=form)
    second = client.post("/admin/checklist", data=form, follow_redirects=True)

    assert second.request.path == first.headers["Location"] == "/admin/checklist"
    assert b"Already recorded." in second.data
    with app.app_context():
        texts = db.session.scalars(select(ChecklistItem.text)).all()
        assert texts.count("Needle depth checked") == 1


def test_a_refused_checklist_item_goes_back_to_the_page_it_came_from(client, login, world):
    login(Role.ADMIN)

    response = client.post(
        "/admin/checklist", data={"text": " "}, headers={"Referer": "/admin/checklist"}
    )

    assert response.headers["Location"] == "/admin/checklist"
    assert b"A checklist item needs some text." in client.get("/admin/checklist").data


def test_admin_can_require_a_new_password_which_signs_the_person_out(app, world):
    admin_client, tech_client = app.test_client(), app.test_client()
    with app.app_context():
        f.make_user(Role.ADMIN, email="boss@example.test")
        db.session.commit()
    for who, email in ((admin_client, "boss@example.test"), (tech_client, "maker@example.test")):
        who.post("/auth/login", data={"email": email, "password": f.PASSWORD})

    response = admin_client.post(f"/admin/users/{world['tech']}/require-reset")

    assert response.headers["Location"] == "/admin/users"
    assert b"(new password required)" in admin_client.get("/admin/users").data
    assert tech_client.get("/chair/").headers["Location"].startswith("/auth/login")
    again = tech_client.post(
        "/auth/login", data={"email": "maker@example.test", "password": f.PASSWORD}
    )
    assert again.headers["Location"] == "/auth/password"
    with app.app_context():
        entry = db.session.scalar(
            select(AuditEntry).filter_by(action="user.password_reset_required")
        )
        assert entry.entity_id == str(world["tech"])


@pytest.mark.parametrize("role", [Role.TECHNICIAN, Role.AUDITOR])
def test_only_admins_can_require_a_new_password(app, client, login, world, role):
    login(role)

    assert client.post(f"/admin/users/{world['tech']}/require-reset").status_code == 403


def test_admin_cannot_require_a_reset_of_another_clinics_login(app, client, login, world):
    login(Role.ADMIN)
    with app.app_context():
        other = f.make_user(Role.TECHNICIAN, clinic=f.make_clinic(name="Other")).id
        db.session.commit()

    assert client.post(f"/admin/users/{other}/require-reset").status_code == 404
