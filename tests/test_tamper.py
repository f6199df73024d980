"""Tampering with a sealed record behind the app's back, caught by `audit-verify`.

Each test seals a session through the chair's own services, changes the database as someone
with direct access would (raw SQL, no audit entry), and runs the real command: it must exit 1
and name the clinic and the session or entry. Lawful changes made later (a recall, a quarantined
load, a void, retention erasure) must not break the seal.
"""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

from sqlalchemy import delete, text, update

from smp_hygiene.extensions import db
from smp_hygiene.models import (
    ChecklistAnswer,
    Client,
    Consent,
    CycleStatus,
    PatchTest,
    PatchTestResult,
    ProductKind,
    Role,
    SporeResult,
    SteriliserCycle,
    SupplyLot,
    TreatmentSession,
    User,
)
from smp_hygiene.services.audit import crosscheck
from smp_hygiene.services.people import clients, retention
from smp_hygiene.services.sessions import lifecycle, sealing
from smp_hygiene.services.sterilisation import spore_tests
from smp_hygiene.services.supplies import catalogue
from smp_hygiene.timeutil import utcnow
from tests.factories import (
    gs1_for,
    make_checklist,
    make_clinic,
    make_consent,
    make_cycle,
    make_lot,
    make_patch_test,
    make_product,
    make_recall,
    make_spore_test,
    make_steriliser,
    make_user,
)
from tests.seeds import seeded

CLINIC = "Demo Clinic"


def _seal_a_session(retention_years: int = 5) -> SimpleNamespace:
    """A clinic with one session sealed at the chair: consent, patch-tested pigment, cartridge,
    a pack from a released load, the checklist ticked."""
    clinic = make_clinic(name=CLINIC, retention_years=retention_years)
    admin, tech = make_user(Role.ADMIN, clinic=clinic), make_user(clinic=clinic)
    client = clients.register_client(admin, "Robin Example", date(1988, 3, 4))
    consent = make_consent(client)
    ink = make_product(ProductKind.PIGMENT, clinic)
    pigment = make_lot(ink, received_by=tech)
    needle = make_lot(make_product(ProductKind.NEEDLE_CARTRIDGE, clinic), received_by=tech)
    patch_test = make_patch_test(client, [ink], reader=tech)
    cycle = make_cycle(
        make_steriliser(clinic),
        status=CycleStatus.RELEASED,
        started_at=utcnow() - timedelta(days=1),
    )
    make_spore_test(cycle, read_at=utcnow() - timedelta(hours=2))
    items = make_checklist(clinic)
    session = lifecycle.start_session(client, tech, treated_area="Crown")
    lifecycle.attest_label_info(session, tech)
    for item in items:
        lifecycle.answer_item(session, item, tech)
    for raw in (gs1_for(needle, serial="W1"), gs1_for(pigment), f"SMPH-PACK:{cycle.packs[0].code}"):
        lifecycle.record_scan(session, raw, tech)
    lifecycle.complete_session(session, tech)
    db.session.commit()
    return SimpleNamespace(
        clinic=clinic.id,
        session=session.id,
        client=client.id,
        admin=admin.id,
        consent=consent.id,
        patch_test=patch_test.id,
        cycle=cycle.id,
        pigment=pigment.id,
    )


sealed = seeded(_seal_a_session, "sealed")


def _run(app, *statements):
    """Change the database directly, as someone with access to it would, then verify."""
    with app.app_context():
        for statement in statements:
            db.session.execute(statement)
        db.session.commit()
    return app.test_cli_runner().invoke(args=["audit-verify"])


def _names_the_session(result, sealed) -> None:
    assert result.exit_code == 1, result.output
    assert f"BROKEN: clinic {sealed.clinic} ({CLINIC}): session #{sealed.session} " in (
        result.stderr
    )


def test_the_seal_covers_the_consent_patch_test_pack_and_labels(app, sealed):
    with app.app_context():
        content = sealing.sealed_content(db.session.get(TreatmentSession, sealed.session))

    pigment = next(use for use in content["uses"] if use["patch_test"])
    assert content["seal_version"] == 2
    assert content["consent"]["id"] == sealed.consent
    assert pigment["patch_test"]["result"] is PatchTestResult.NEGATIVE
    assert content["packs"][0]["cycle_id"] == sealed.cycle
    assert content["packs"][0]["released_before_use"] is True
    assert [shown["lot_id"] for shown in content["label_info"]["shown"]] == [sealed.pigment]


def test_an_untouched_clinic_verifies(app, sealed):
    result = app.test_cli_runner().invoke(args=["audit-verify"])

    assert result.exit_code == 0, result.output
    assert "OK: 1 completions in the audit trail match their sessions" in result.output


def test_status_set_back_to_in_progress_is_caught(app, sealed):
    result = _run(
        app,
        text("UPDATE treatment_session SET status = 'in_progress' WHERE id = :id").bindparams(
            id=sealed.session
        ),
    )

    _names_the_session(result, sealed)
    assert "is in progress but the audit trail sealed it on " in result.stderr
    assert "(entry " in result.stderr


def test_a_supply_use_changed_and_the_digest_recomputed_is_caught(app, sealed):
    with app.app_context():
        db.session.execute(
            text("UPDATE supply_use SET serial = 'W2' WHERE session_id = :id AND serial = 'W1'"),
            {"id": sealed.session},
        )
        db.session.expire_all()
        session = db.session.get(TreatmentSession, sealed.session)
        session.sealed_digest = sealing.digest(session)  # the project's own function
        db.session.commit()

    result = app.test_cli_runner().invoke(args=["audit-verify"])

    _names_the_session(result, sealed)
    assert "holds a digest other than the one the audit trail sealed it on" in result.stderr


def _deleting_the_session(sealed) -> list:
    """The session and every row that points at it, so no foreign key objects."""
    tables = [t for t in db.metadata.sorted_tables if t.name != "treatment_session"]
    dependants = [
        delete(table).where(fk.parent == sealed.session)
        for table in tables
        for fk in table.foreign_keys
        if fk.column.table.name == "treatment_session"
    ]
    return [*dependants, delete(TreatmentSession).where(TreatmentSession.id == sealed.session)]


def test_a_whole_sealed_session_deleted_is_caught(app, sealed):
    result = _run(app, *_deleting_the_session(sealed))

    _names_the_session(result, sealed)
    assert "is missing but the audit trail sealed it on " in result.stderr
    assert f"clinic {sealed.clinic} ({CLINIC}): supply use #" in result.stderr


def test_audit_verify_stops_listing_after_enough_problems(app, sealed, monkeypatch):
    monkeypatch.setattr(crosscheck, "MAX_PROBLEMS", 2)

    result = _run(app, *_deleting_the_session(sealed))

    assert result.exit_code == 1
    assert result.stderr.count("BROKEN: ") == 2


def test_the_clearing_patch_test_result_changed_is_caught(app, sealed):
    result = _run(
        app,
        update(PatchTest)
        .where(PatchTest.id == sealed.patch_test)
        .values(result=PatchTestResult.POSITIVE),
    )

    _names_the_session(result, sealed)
    assert "no longer matches its sealed digest" in result.stderr


def test_the_clearing_patch_test_read_at_changed_is_caught(app, sealed):
    result = _run(
        app,
        update(PatchTest)
        .where(PatchTest.id == sealed.patch_test)
        .values(read_at=utcnow() - timedelta(hours=30)),
    )

    _names_the_session(result, sealed)


def test_a_checklist_answer_changed_is_caught(app, sealed):
    result = _run(
        app,
        update(ChecklistAnswer)
        .where(ChecklistAnswer.session_id == sealed.session)
        .values(answered_at=utcnow() - timedelta(days=1)),
    )

    _names_the_session(result, sealed)


def test_the_consent_signature_digest_changed_is_caught(app, sealed):
    result = _run(
        app,
        text("UPDATE consent SET signature_sha256 = :forged WHERE id = :id").bindparams(
            forged="0" * 64, id=sealed.consent
        ),
    )

    _names_the_session(result, sealed)


def test_a_packs_cycle_release_changed_is_caught(app, sealed):
    result = _run(
        app,
        update(SteriliserCycle)
        .where(SteriliserCycle.id == sealed.cycle)
        .values(released_at=utcnow() - timedelta(hours=3)),
    )

    _names_the_session(result, sealed)


def test_a_record_the_trail_names_deleted_is_caught(app, sealed):
    with app.app_context():
        clinic = db.session.get(TreatmentSession, sealed.session).clinic
        product = catalogue.add_product(
            clinic, None, kind=ProductKind.OTHER, manufacturer="Acme", name="Barrier film"
        )
        db.session.commit()
        product_id = product.id

    result = _run(app, text("DELETE FROM product WHERE id = :id").bindparams(id=product_id))

    assert result.exit_code == 1
    assert (
        f"BROKEN: clinic {sealed.clinic} ({CLINIC}): product #{product_id} is missing "
        "but the audit trail recorded it (entry "
    ) in result.stderr


def test_a_session_voided_with_sql_is_caught(app, sealed):
    result = _run(
        app,
        text("UPDATE treatment_session SET status = 'voided' WHERE id = :id").bindparams(
            id=sealed.session
        ),
    )

    _names_the_session(result, sealed)
    assert "is voided but no void follows the seal" in result.stderr


def test_a_lawful_void_keeps_the_record_verifiable(app, sealed):
    with app.app_context():
        session = db.session.get(TreatmentSession, sealed.session)
        admin = db.session.get(User, sealed.admin)
        lifecycle.void_session(session, admin, "Wrong client selected")
        db.session.commit()

    result = app.test_cli_runner().invoke(args=["audit-verify"])

    assert result.exit_code == 0, result.output


def test_a_later_recall_and_quarantined_load_leave_the_seal_intact(app, sealed):
    with app.app_context():
        make_recall([db.session.get(SupplyLot, sealed.pigment)])
        cycle = db.session.get(SteriliserCycle, sealed.cycle)
        spore_tests.record_spore_test(
            cycle,
            make_user(Role.AUDITOR, clinic=cycle.steriliser.clinic),
            bi_lot="BI-9",
            result=SporeResult.POSITIVE,
            control_result=SporeResult.POSITIVE,
            read_at=utcnow(),
        )
        db.session.commit()
        assert cycle.status is CycleStatus.QUARANTINED

    result = app.test_cli_runner().invoke(args=["audit-verify"])

    assert result.exit_code == 0, result.output


def test_a_lawfully_erased_client_still_verifies(app):
    with app.app_context():
        sealed = _seal_a_session(retention_years=0)
        client = db.session.get(Client, sealed.client)
        admin = db.session.get(User, sealed.admin)
        retention.anonymise_client(client, admin, today=utcnow().date() + timedelta(days=1))
        db.session.commit()
        assert db.session.get(Consent, sealed.consent).signature_png == b""

    result = app.test_cli_runner().invoke(args=["audit-verify"])

    assert result.exit_code == 0, result.output


def test_a_seal_the_trail_never_recorded_is_caught(app, sealed):
    with app.app_context():
        first = db.session.get(TreatmentSession, sealed.session)
        forged = lifecycle.start_session(
            first.client, first.technician, treated_area="Crown", acknowledge_reason="test"
        )
        db.session.commit()
        forged_id, digest = forged.id, sealing.digest(forged)

    result = _run(
        app,
        text(
            "UPDATE treatment_session SET status = 'completed', sealed_digest = :digest "
            "WHERE id = :id"
        ).bindparams(digest=digest, id=forged_id),
    )

    assert result.exit_code == 1, result.output
    assert (
        f"BROKEN: clinic {sealed.clinic} ({CLINIC}): session #{forged_id} carries a seal that "
        "no entry of the audit trail records"
    ) in result.stderr
