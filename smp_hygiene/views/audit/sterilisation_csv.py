"""Sterilisation tables as CSV: the registry, a cycle's packs, a positive spore test's fallout."""

from __future__ import annotations

from datetime import datetime

from flask_login import current_user

from smp_hygiene.csvexport import csv_response
from smp_hygiene.models import InstrumentPack, PackUse
from smp_hygiene.services.sterilisation import spore_tests, sterilisers
from smp_hygiene.timeutil import utcnow
from smp_hygiene.views.audit import bp
from smp_hygiene.views.audit.sterilisation import own_cycle
from smp_hygiene.views.audit.sterilisation_packs import own_spore_test

REGISTRY_HEADER = ["Name", "Serial", "Type", "Status", "Status reason", "Installed", "Spore test"]
CYCLE_PACKS_HEADER = ["Pack", "Contents", "Packed at", "Expires", "Status", "Status reason"]
CYCLE_PACKS_HEADER += ["Used in session", "Used at"]
QUARANTINE_HEADER = ["Pack", "Steriliser", "Cycle", "Cycle run", "Contents", "Status"]
QUARANTINE_HEADER += ["Status reason"]
SUSPECT_USES_HEADER = ["Session", "Used at", "Client", "Date of birth", "Phone", "Email"]
SUSPECT_USES_HEADER += ["Address", "Pack", "Contents", "Cycle", "Technician"]


def _at(moment: datetime | None) -> str:
    return moment.isoformat() if moment else ""


@bp.get("/sterilisation/sterilisers.csv")
def sterilisers_csv():
    """The steriliser registry as CSV, with each one's spore-test state."""
    overdue = {
        found.steriliser.id: found
        for found in spore_tests.overdue_spore_tests(current_user.clinic, utcnow())
    }
    rows = (
        [s.name, s.serial, s.type.value, s.status.value, s.status_reason, _at(s.installed_at)]
        + [f"overdue since {overdue[s.id].due_at.date()}" if s.id in overdue else "current"]
        for s in sterilisers.list_sterilisers(current_user.clinic)
    )
    return csv_response("sterilisers.csv", REGISTRY_HEADER, rows)


def _cycle_pack_row(pack: InstrumentPack) -> list:
    return [
        pack.code, pack.contents, _at(pack.packed_at),
        pack.expires_on.isoformat() if pack.expires_on else "event-related",
        pack.status.value, pack.status_reason,
        pack.use.session_id if pack.use else "", _at(pack.use.used_at) if pack.use else "",
    ]  # fmt: skip


@bp.get("/sterilisation/cycles/<int:cycle_id>/packs.csv")
def cycle_packs_csv(cycle_id: int):
    """The packs of one load as CSV, with the session each used one went to."""
    found = own_cycle(cycle_id)
    rows = (_cycle_pack_row(pack) for pack in found.packs)
    return csv_response(f"cycle-{found.id}-packs.csv", CYCLE_PACKS_HEADER, rows)


@bp.get("/sterilisation/spore-tests/<int:test_id>/packs.csv")
def spore_test_packs_csv(test_id: int):
    """The packs a positive spore test quarantined, used or not, as CSV."""
    test = own_spore_test(test_id)
    rows = (
        [p.code, test.steriliser.name, p.cycle.cycle_number, _at(p.cycle.started_at), p.contents]
        + [p.status.value, p.status_reason]
        for p in spore_tests.quarantined_packs(test)
    )
    return csv_response(f"spore-test-{test.id}-packs.csv", QUARANTINE_HEADER, rows)


def _suspect_use_row(use: PackUse) -> list:
    client = use.session.client
    return [
        use.session_id, _at(use.used_at), client.full_name, client.date_of_birth.isoformat(),
        client.phone, client.email, client.address, use.pack.code, use.pack.contents,
        use.pack.cycle.cycle_number, use.used_by.name,
    ]  # fmt: skip


@bp.get("/sterilisation/spore-tests/<int:test_id>/sessions.csv")
def spore_test_sessions_csv(test_id: int):
    """The sessions and clients that already used a suspect pack, with contact details, as CSV."""
    test = own_spore_test(test_id)
    rows = (_suspect_use_row(use) for use in spore_tests.sessions_using_suspect_packs(test))
    return csv_response(f"spore-test-{test.id}-sessions.csv", SUSPECT_USES_HEADER, rows)
