"""A realistic demo clinic, built through the same services the app uses."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from smp_hygiene.demo import clients as demo_clients
from smp_hygiene.demo import sterilisation
from smp_hygiene.extensions import db
from smp_hygiene.models import (
    Client,
    Clinic,
    ProductKind,
    ReactionSeverity,
    RecallScope,
    Role,
    SupplyLot,
    TreatmentSession,
    User,
)
from smp_hygiene.services.barcodes.gs1 import GS
from smp_hygiene.services.people import users
from smp_hygiene.services.reactions import operations as reactions
from smp_hygiene.services.recalls import operations
from smp_hygiene.services.sessions import checklists, lifecycle
from smp_hygiene.services.supplies import catalogue, receiving
from smp_hygiene.services.verification import signing
from smp_hygiene.timeutil import utcnow

DEMO_CLINIC = "Northside SMP Studio"
# Development only: `demo-data` refuses to run in production, so this never guards real data.
DEMO_PASSWORD = "demo-password-2026"  # noqa: S105
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
LABEL = receiving.PigmentLabel(
    has_tattoo_use_statement=True,
    ingredients="Aqua, Glycerin, CI 77266 (Carbon black), Hamamelis virginiana extract, "
    "Isopropyl alcohol",
    warnings="Contains no nickel above 1 ppm. Keep out of reach of children.",
)
# (kind, manufacturer, name, gtin, colour, period after opening, configuration)
PRODUCTS = (
    (
        ProductKind.PIGMENT,
        "Nordlys Pigments AB",
        "SMP Neutral Black",
        "07350053850019",
        "Neutral black",
        12,
        "",
    ),
    (
        ProductKind.PIGMENT,
        "Nordlys Pigments AB",
        "SMP Dark Ash",
        "07350053850026",
        "Dark ash",
        12,
        "",
    ),
    (
        ProductKind.PIGMENT,
        "Micropigment Labs GmbH",
        "Brow Taupe 4",
        "04260123450014",
        "Taupe",
        6,
        "",
    ),
    (
        ProductKind.NEEDLE_CARTRIDGE,
        "Precision Cartridge Co.",
        "Nano 1RL 0.18 mm",
        "00850012345008",
        "",
        None,
        "1RL 0.18 mm",
    ),
    (
        ProductKind.NEEDLE_CARTRIDGE,
        "Precision Cartridge Co.",
        "3RL 0.25 mm",
        "00850012345015",
        "",
        None,
        "3RL 0.25 mm",
    ),
    (
        ProductKind.OTHER,
        "Aqua Pura Medical",
        "Sterile water for dilution 10 ml",
        "05012345000015",
        "",
        None,
        "",
    ),
)
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
    staff = {
        email: users.create_user(clinic, email, role, DEMO_PASSWORD, _NAMES[email])
        for email, role in LOGINS
    }
    admin = staff["admin@demo.test"]
    checklists.ensure_default_checklist(clinic, admin)
    signing.ensure_clinic_key(clinic, admin)
    products = [
        catalogue.add_product(
            clinic,
            admin,
            kind=k,
            manufacturer=m,
            name=n,
            gtin=g,
            colour=c,
            period_after_opening_months=p,
            configuration=cf,
        )
        for k, m, n, g, c, p, cf in PRODUCTS
    ]
    lots = _receive_lots(clinic, admin, products)
    clients = demo_clients.load(clinic, admin, staff["tech@demo.test"], products)
    packs = sterilisation.load(clinic, staff["tech@demo.test"], staff["auditor@demo.test"])
    for index, (client_no, days_ago, email) in enumerate(SESSIONS):
        _session(clients[client_no], staff[email], lots, days_ago, index, packs)
    _reaction(clinic, staff["auditor@demo.test"])
    operations.open_recall(
        staff["auditor@demo.test"],
        lots["black_recalled"].product,
        RecallScope.LOT,
        ["NB24-0577"],
        "Polycyclic aromatic hydrocarbons above the ResAP(2008)1 limit",
        "A12/01126/20",
    )
    return True


def _gs1(gtin: str, expiry: date, lot: str, serial: str | None = None) -> str:
    """Raw scanner text, as a GS1 DataMatrix reader sends it."""
    text = f"]d201{gtin}17{expiry:%y%m%d}10{lot}"
    return text + (f"{GS}21{serial}" if serial else "")


def _receive_lots(clinic: Clinic, admin: User, products) -> dict[str, SupplyLot]:
    black, ash, taupe, nano, rl3, water = products
    plan = {
        "black": (black, "NB24-0913", date(2028, 3, 31)),
        "black_recalled": (black, "NB24-0577", date(2027, 12, 31)),
        "ash": (ash, "DA24-1102", date(2028, 6, 30)),
        "taupe_expired": (taupe, "23B0412", date(2026, 10, 31)),
        "nano": (nano, "PC2405-118", date(2029, 4, 30)),
        "rl3": (rl3, "PC2407-031", date(2029, 6, 30)),
        "water": (water, "AQ-5521", date(2027, 9, 30)),
    }
    return {
        key: receiving.receive_lot(
            clinic, _gs1(p.gtin, expiry, lot), admin, quantity=20, label=LABEL
        )
        for key, (p, lot, expiry) in plan.items()
    }


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
        raw = _gs1(cartridge.product.gtin, cartridge.expiry_date, cartridge.lot_number, serial)
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
