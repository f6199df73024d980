"""A realistic demo clinic, built through the same services the app uses."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from smp_hygiene.demo import aftercare as demo_aftercare
from smp_hygiene.demo import bookings as demo_bookings
from smp_hygiene.demo import clients as demo_clients
from smp_hygiene.demo import sterilisation
from smp_hygiene.demo import supplies as demo_supplies
from smp_hygiene.errors import DomainError
from smp_hygiene.extensions import db
from smp_hygiene.models import (
    Client,
    Clinic,
    ReactionSeverity,
    RecallScope,
    Role,
    TreatmentSession,
    User,
)
from smp_hygiene.services.barcodes.reader import parse_barcode
from smp_hygiene.services.people import users
from smp_hygiene.services.reactions import operations as reactions
from smp_hygiene.services.recalls import operations
from smp_hygiene.services.sessions import checklists, lifecycle
from smp_hygiene.services.supplies.usability import check_lot_usable
from smp_hygiene.services.verification import signing
from smp_hygiene.timeutil import utcnow

DEMO_CLINIC = "Northside SMP Studio"
# Development only: `demo-data` refuses to run in production, so this never guards real data.
DEMO_PASSWORD = "demo-password-2026"  # noqa: S105  demo data only  # nosec B105
LOGINS = (
    ("admin@demo.test", Role.ADMIN),
    ("auditor@demo.test", Role.AUDITOR),
    ("tech@demo.test", Role.TECHNICIAN),
    ("tech2@demo.test", Role.TECHNICIAN),
)
_NAMES = {
    "admin@demo.test": "Dana Okafor",
    "auditor@demo.test": "Ines Marchetti",
    "tech@demo.test": "Toni Berg",
    "tech2@demo.test": "Sam Rivera",
}
# Demo practitioners' registrations, so the record, card and reports show what inspectors ask for.
_LICENCES = {
    "tech@demo.test": ("BXL-TAT-2291", "Brussels-Capital Health Inspectorate"),
    "tech2@demo.test": ("BXL-TAT-3045", "Brussels-Capital Health Inspectorate"),
}
# Client index, days ago, technician email: a dozen sessions, SMP courses 2–4 weeks apart.
SESSIONS = (
    (0, 70, "tech@demo.test"),
    (0, 56, "tech@demo.test"),
    (0, 28, "tech@demo.test"),
    (1, 63, "tech2@demo.test"),
    (1, 49, "tech2@demo.test"),
    (1, 21, "tech@demo.test"),
    (2, 42, "tech@demo.test"),
    (2, 30, "tech@demo.test"),
    (2, 9, "tech2@demo.test"),
    (3, 35, "tech2@demo.test"),
    (4, 20, "tech@demo.test"),
    (4, 6, "tech@demo.test"),
)


def load() -> bool:
    """Create the demo clinic unless it exists; returns whether anything was created."""
    if db.session.scalar(select(Clinic).where(Clinic.name == DEMO_CLINIC)):
        return False
    clinic = Clinic(
        name=DEMO_CLINIC,
        address="12 Harbour Street, 1000 Brussels",
        phone="+32 2 555 01 23",
        email="hello@northside-smp.example",
        jurisdiction="EU",
        timezone="Europe/Brussels",
    )
    db.session.add(clinic)
    db.session.flush()
    staff = {email: _staff(clinic, email, role) for email, role in LOGINS}
    admin = staff["admin@demo.test"]
    checklists.ensure_default_checklist(clinic, admin)
    signing.ensure_clinic_key(clinic, admin)
    products, lots = demo_supplies.load(clinic, admin)
    clients = demo_clients.load(clinic, admin, staff["tech@demo.test"], products)
    packs = sterilisation.load(clinic, staff["tech@demo.test"], staff["auditor@demo.test"])
    for index, (client_no, days_ago, email) in enumerate(SESSIONS):
        _session(clients[client_no], staff[email], lots, days_ago, index, packs)
    _reaction(clinic, staff["auditor@demo.test"])
    demo_aftercare.load(clinic, staff["auditor@demo.test"])
    techs = (staff["tech@demo.test"], staff["tech2@demo.test"])
    demo_bookings.load(clinic, techs, clients, products)
    operations.open_recall(
        staff["auditor@demo.test"],
        lots["black_recalled"].product,
        RecallScope.LOT,
        ["NB24-0577"],
        "Polycyclic aromatic hydrocarbons above the ResAP(2008)1 limit",
        "A12/01126/20",
    )
    _refusals(staff["tech2@demo.test"], lots)
    return True


def _refusals(tech: User, lots) -> None:
    """What the chair refused this week, so the dashboard has reasons to show: each produced by
    the real rule, not typed in."""
    attempts = [
        (lambda: check_lot_usable(lots["black_recalled"], date.today()), "SMPH-LOT:recalled"),
        (lambda: parse_barcode("0109501101530003172605"), "0109501101530003172605"),
        (lambda: parse_barcode("+H123ABC01/$$7LOT1X"), "+H123ABC01/$$7LOT1X"),
    ]
    for days_ago, (attempt, raw) in enumerate(attempts, start=1):
        try:
            attempt()
        except DomainError as error:
            refusal = lifecycle.record_refusal(tech, error, raw)
            refusal.at = utcnow() - timedelta(days=days_ago)


def _session(client: Client, tech: User, lots, days_ago: int, index: int, packs) -> None:
    start = datetime.combine(
        date.today() - timedelta(days=days_ago), time(9 + index % 6), tzinfo=utcnow().tzinfo
    )
    session = lifecycle.start_session(client, tech, treated_area="Crown and hairline", now=start)
    lifecycle.attest_label_info(session, tech, now=start + timedelta(minutes=2))
    for item in checklists.active_items(client.clinic):
        lifecycle.answer_item(session, item, tech, now=start + timedelta(minutes=4))
    cartridge = lots["nano"] if index % 2 else lots["rl3"]
    for n in range(2):
        at = start + timedelta(minutes=6 + n)
        serial = f"S{index:03d}{n}"
        raw = demo_supplies.gs1_scan(
            cartridge.product.gtin, cartridge.expiry_date, cartridge.lot_number, serial
        )
        lifecycle.record_scan(session, raw, tech, now=at)
    pigment = (
        lots["black_recalled"] if index in (0, 3, 9) else lots["black" if index % 2 else "ash"]
    )
    lifecycle.record_scan(
        session,
        f"SMPH-LOT:{pigment.label_code}",
        tech,
        diluent_raw=f"SMPH-LOT:{lots['water'].label_code}",
        now=start + timedelta(minutes=10),
    )
    pack = packs.take(before=start) if index % 2 == 0 else None
    if pack:  # every other session uses a reprocessed grip from the autoclave
        lifecycle.record_scan(session, f"SMPH-PACK:{pack}", tech, now=start + timedelta(minutes=11))
    lifecycle.complete_session(session, tech, now=start + timedelta(hours=2))


def _reaction(clinic: Clinic, auditor: User) -> None:
    """Chris Novak called three days after session 3 of the course with a mild reaction."""
    session = db.session.scalars(
        select(TreatmentSession)
        .join(Client)
        .where(Client.clinic_id == clinic.id, Client.full_name == "Chris Novak")
        .order_by(TreatmentSession.started_at.desc())
    ).first()
    reactions.log_reaction(
        session,
        auditor,
        reactions.ReactionInput(
            onset_at=session.started_at + timedelta(days=2),
            signs="Redness and itching at two spots on the crown; no blistering",
            severity=ReactionSeverity.MILD,
            actions_taken="Cold compress advised, photos taken, follow-up booked in one week",
            reported_at=session.started_at + timedelta(days=3),
        ),
        now=session.started_at + timedelta(days=3),
    )


def _staff(clinic: Clinic, email: str, role: Role) -> User:
    """One demo login; technicians carry a practitioner registration."""
    number, issuer = _LICENCES.get(email, ("", ""))
    return users.create_user(
        clinic,
        email,
        role,
        DEMO_PASSWORD,
        _NAMES[email],
        licence_number=number,
        licence_issuer=issuer,
    )
