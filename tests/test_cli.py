"""The command-line tools, run through Flask's CLI runner against a real database."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import text

from smp_hygiene.demo import clinic as demo_data
from smp_hygiene.extensions import db
from smp_hygiene.models import AuditEntry, ProductKind, Role, SupplyUse, User
from smp_hygiene.services.bookings import readiness
from smp_hygiene.services.people import users


@pytest.fixture
def demo(app, demo_seed):
    with app.app_context():
        demo_seed.apply()
    return app


def test_parse_barcode_prints_the_fields_as_json(app):
    result = app.test_cli_runner().invoke(
        args=["parse-barcode", "]d20109501101530003172805001 0AB-123".replace(" ", "")]
    )

    data = json.loads(result.output)
    assert result.exit_code == 0
    assert data["gtin"] == "09501101530003"
    assert data["expiry"] == "2028-05-31"  # DD=00 is the last day of the month
    assert (data["lot"], data["serial"], data["symbology"]) == ("AB-123", None, "gs1")


def test_parse_barcode_reads_raw_scanner_output_with_group_separators(app):
    raw = "]C10109501101530003172605311" + "0AB-123\x1d21XYZ9"

    data = json.loads(app.test_cli_runner().invoke(args=["parse-barcode", raw]).output)

    assert (data["lot"], data["serial"], data["expiry"]) == ("AB-123", "XYZ9", "2026-05-31")


def test_parse_barcode_exits_2_with_the_error_on_stderr(app):
    result = app.test_cli_runner().invoke(args=["parse-barcode", "(01)09501101530004(10)X"])

    assert result.exit_code == 2
    assert "check digit" in result.stderr
    assert result.stdout == ""


def test_create_user_hashes_the_password_with_argon2(demo):
    result = demo.test_cli_runner().invoke(
        args=["create-user", "new@demo.test", "--role", "auditor"],
        input="a long passphrase\na long passphrase\n",
    )

    assert result.exit_code == 0, result.output
    with demo.app_context():
        user = User.query.filter_by(email="new@demo.test").one()
        assert user.role is Role.AUDITOR
        assert user.password_hash.startswith("$argon2id$")


def test_demo_data_is_idempotent(demo):
    with demo.app_context():
        before = db.session.query(AuditEntry).count()

    result = demo.test_cli_runner().invoke(args=["demo-data"])

    assert "already present" in result.output
    with demo.app_context():
        assert db.session.query(AuditEntry).count() == before


def test_demo_data_has_a_dozen_sealed_sessions_an_expired_and_a_recalled_lot(demo):
    lots = json.loads(demo.test_cli_runner().invoke(args=["lots", "--json"]).output)

    statuses = {row["lot"]: row["status"] for row in lots}
    assert statuses["NB24-0577"] == "recalled"
    assert any(row["expiry"] < "2026-11-24" for row in lots)
    assert "OK: " in demo.test_cli_runner().invoke(args=["audit-verify"]).output
    assert "12 sealed sessions match" in demo.test_cli_runner().invoke(args=["audit-verify"]).output


def test_demo_data_has_a_sterilised_pack_history_and_a_reaction(demo):
    from smp_hygiene.models import AdverseReaction, PackUse, SteriliserCycle

    with demo.app_context():
        assert db.session.query(PackUse).count() == 6
        assert db.session.query(SteriliserCycle).filter_by(status="released").count() == 13
        assert db.session.query(AdverseReaction).count() == 2  # Chris's call, Robin's report


def test_demo_data_shows_aftercare_answered_flagged_and_a_signal_waiting(demo):
    from smp_hygiene.models import FollowUp, ProblemReport, ReactionSignal

    with demo.app_context():
        answered = db.session.query(FollowUp).filter_by(status="answered").all()
        assert any(not f.flag_reasons for f in answered)
        assert any(f.is_flagged for f in answered)
        assert db.session.query(ReactionSignal).filter_by(status="open").count() >= 1
        assert db.session.query(ProblemReport).filter_by(status="new").count() == 1


def test_demo_data_has_bookings_today_some_ready_some_showing_what_they_need(demo):
    with demo.app_context():
        toni = users.find_user_by_email("tech@demo.test")
        sheet = readiness.day_sheet(toni)
        today = sheet.mine + sheet.others
        needs = [need for r in today for need in r.needs]

        assert len(today) == 5
        assert sum(r.is_ready for r in today) == 2
        assert any("Patch test for Micropigment Labs GmbH Brow Taupe 4" in n for n in needs)
        assert any("reacted to Micropigment Labs GmbH Brow Taupe 4" in n for n in needs)
        assert "No consent yet: take it before the session." in needs
        assert len(sheet.upcoming) == 1


def test_trace_lot_lists_every_session_that_used_it(demo):
    result = demo.test_cli_runner().invoke(args=["trace-lot", "nb24 0577", "--json"])

    data = json.loads(result.output)
    assert (data["lot"], data["product"]) == ("NB24-0577", "Nordlys Pigments AB SMP Neutral Black")
    assert len(data["sessions"]) == 3
    first = data["sessions"][0]
    assert set(first) >= {"session_id", "completed_at", "client", "technician", "verify_url"}
    assert "/v/" in first["verify_url"]


def test_trace_lot_of_a_diluent_finds_the_sessions_it_diluted(demo):
    data = json.loads(demo.test_cli_runner().invoke(args=["trace-lot", "AQ-5521", "--json"]).output)

    assert len(data["sessions"]) == 12


def test_receive_lot_creates_a_lot_from_a_barcode(demo):
    result = demo.test_cli_runner().invoke(
        args=["receive-lot", "(01)00850012345008(17)290101(10)NEWLOT1", "--quantity", "5"]
    )

    assert result.exit_code == 0, result.output
    assert (
        "Lot NEWLOT1 of Precision Cartridge Co. Nano 1RL 0.18 mm: available, 5 received"
        in result.output
    )


def test_receive_lot_explains_an_unknown_gtin(demo):
    result = demo.test_cli_runner().invoke(
        args=["receive-lot", "(01)09501101530003(17)290101(10)X1"]
    )

    assert result.exit_code == 1
    assert "not in the catalogue yet" in result.output


def test_audit_verify_catches_an_audit_row_changed_with_sql(demo):
    with demo.app_context():
        db.session.execute(text("UPDATE audit_entry SET actor_label = 'someone' WHERE id = 7"))
        db.session.commit()

    result = demo.test_cli_runner().invoke(args=["audit-verify"])

    assert result.exit_code == 1
    assert "entry 7 was changed after it was written" in result.stderr


def test_audit_verify_catches_a_sealed_session_whose_supply_use_changed(demo):
    with demo.app_context():
        use = (
            db.session.query(SupplyUse)
            .join(SupplyUse.lot)
            .filter(SupplyUse.serial.is_not(None))
            .order_by(SupplyUse.id)
            .first()
        )
        other = next(
            u.lot_id
            for u in db.session.query(SupplyUse)
            if u.lot.product.kind is ProductKind.PIGMENT
        )
        db.session.execute(
            text("UPDATE supply_use SET lot_id = :lot WHERE id = :id"), {"lot": other, "id": use.id}
        )
        db.session.commit()
        session_id = use.session_id

    result = demo.test_cli_runner().invoke(args=["audit-verify"])

    assert result.exit_code == 1
    assert f"session #{session_id} no longer matches its sealed digest" in result.stderr


def test_a_clinic_can_be_set_up_from_the_command_line(app):
    runner = app.test_cli_runner()

    made = runner.invoke(args=["create-clinic", "Ink & Scalp", "--jurisdiction", "US-OR"])
    product = runner.invoke(
        args=["add-product", "needle_cartridge", "Acme", "1RL", "--gtin", "09501101530003"]
    )
    lot = runner.invoke(args=["receive-lot", "(01)09501101530003(17)290101(10)L1", "--user", "x"])

    assert made.exit_code == 0, made.output
    assert product.exit_code == 0, product.output
    assert "No such user" in lot.output
    with app.app_context():
        from smp_hygiene.models import ChecklistItem, Clinic

        clinic = Clinic.query.one()
        assert not clinic.requires_eu_ink_label
        assert ChecklistItem.query.count() == 7


def test_trace_lot_and_lots_can_be_limited_to_one_clinic(demo):
    runner = demo.test_cli_runner()

    elsewhere = runner.invoke(args=["trace-lot", "NB24-0577", "--clinic-id", "999"])
    lots = json.loads(runner.invoke(args=["lots", "--json", "--clinic-id", "999"]).output)
    here = json.loads(runner.invoke(args=["lots", "--json", "--clinic-id", "1"]).output)

    assert elsewhere.exit_code == 1
    assert "No lot NB24-0577 has been received" in elsewhere.output
    assert lots == []
    assert len(here) == 8  # the demo clinic receives eight lots


def test_demo_dashboard_names_the_weeks_refusals_in_words(demo):
    client = demo.test_client()
    client.post(
        "/auth/login", data={"email": "auditor@demo.test", "password": demo_data.DEMO_PASSWORD}
    )
    page = client.get("/audit/").get_data(as_text=True)

    assert "Unsafe supply (expired, recalled, quarantined or non-compliant)" in page
    assert "Barcode could not be read" in page
    shown = re.sub(r"<[^>]+>", " ", page)  # the words on screen, not the links' query strings
    assert "MalformedBarcode" not in shown
    assert "UnsafeSupply" not in shown
