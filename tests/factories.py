"""Plain make_* functions for test data; they flush and never commit."""

from __future__ import annotations

import io
import itertools
from datetime import date, datetime, timedelta

from PIL import Image, ImageDraw
from sqlalchemy import select

from smp_hygiene.extensions import db
from smp_hygiene.models import (
    AdverseReaction,
    BiologicalIndicatorTest,
    Booking,
    BowieDickTest,
    ChecklistAnswer,
    ChecklistItem,
    Client,
    ClientPhoto,
    Clinic,
    CycleStatus,
    FollowUp,
    FollowUpStatus,
    IndicatorResult,
    InstrumentPack,
    LotStatus,
    PackStatus,
    PatchTest,
    PatchTestResult,
    ProblemReport,
    Product,
    ProductKind,
    ReactionSeverity,
    ReactionSignal,
    RecallScope,
    Refusal,
    Role,
    SessionStatus,
    SignalScope,
    SporeResult,
    SterilisationMethod,
    Steriliser,
    SteriliserCycle,
    SteriliserProgram,
    SteriliserType,
    SupplyLot,
    SupplyUse,
    TreatmentSession,
    User,
)
from smp_hygiene.services.consent import consents
from smp_hygiene.services.lots.identity import normalise_lot
from smp_hygiene.services.people import devices, pins, users
from smp_hygiene.services.recalls import operations
from smp_hygiene.services.sessions import lifecycle
from smp_hygiene.timeutil import utcnow

PASSWORD = "correct horse battery"
_serial = itertools.count(1)


def _gtin(seed: int) -> str:
    """A valid GTIN-14 built from a counter, check digit included."""
    body = f"0950110{seed:06d}"
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return body + str((10 - total % 10) % 10)


def make_clinic(**fields) -> Clinic:
    clinic = Clinic(name=fields.pop("name", f"Clinic {next(_serial)}"), **fields)
    db.session.add(clinic)
    db.session.flush()
    return clinic


def _clinic(clinic: Clinic | None) -> Clinic:
    # By id: without an ORDER BY, PostgreSQL returns rows in heap order, which DELETE-emptied
    # tables (the shared test app) reuse, so "the first clinic" could be any of them.
    return clinic or db.session.query(Clinic).order_by(Clinic.id).first() or make_clinic()


def make_user(
    role: Role = Role.TECHNICIAN, email: str | None = None, clinic: Clinic | None = None
) -> User:
    email = email or f"user{next(_serial)}@example.test"
    user = users.create_user(_clinic(clinic), email, role, PASSWORD, display_name=email[:5])
    db.session.flush()
    return user


def make_client(clinic: Clinic | None = None, **fields) -> Client:
    fields.setdefault("full_name", f"Alex Client{next(_serial)}")
    fields.setdefault("date_of_birth", date(1990, 5, 17))
    client = Client(clinic=_clinic(clinic), **fields)
    db.session.add(client)
    db.session.flush()
    return client


def make_product(
    kind: ProductKind = ProductKind.PIGMENT, clinic: Clinic | None = None, **fields
) -> Product:
    gtin = fields.pop("gtin", _gtin(next(_serial)))
    fields.setdefault("manufacturer", "Acme Pigments")
    fields.setdefault("name", f"Product {next(_serial)}")
    if kind is ProductKind.PIGMENT:
        fields.setdefault("colour", "Neutral dark")
        fields.setdefault("period_after_opening_months", 12)
    product = Product(clinic=_clinic(clinic), kind=kind, gtin=gtin, product_key=gtin, **fields)
    db.session.add(product)
    db.session.flush()
    return product


def make_lot(
    product: Product | None = None,
    kind: ProductKind = ProductKind.PIGMENT,
    received_by: User | None = None,
    **fields,
) -> SupplyLot:
    product = product or make_product(kind)
    fields.setdefault("lot_number", f"L{next(_serial):05d}")
    fields.setdefault("expiry_date", date.today() + timedelta(days=365))
    fields.setdefault("status", LotStatus.AVAILABLE)
    if product.kind is ProductKind.PIGMENT:
        fields.setdefault("has_tattoo_use_statement", True)
        fields.setdefault("ingredients", "Aqua, CI 77266, Glycerin")
    if product.kind is ProductKind.NEEDLE_CARTRIDGE:
        fields.setdefault("sterility_expiry", fields["expiry_date"])
        fields.setdefault("sterilisation_method", SterilisationMethod.ETHYLENE_OXIDE)
    lot = SupplyLot(
        clinic_id=product.clinic_id,
        product=product,
        lot_key=normalise_lot(fields["lot_number"]),
        label_code=f"LBL{next(_serial):08d}",
        received_by=received_by or make_user(),
        **fields,
    )
    db.session.add(lot)
    db.session.flush()
    return lot


def make_patch_test(
    client: Client,
    products: list[Product],
    *,
    read_hours_ago: float = 72,
    result: PatchTestResult | None = PatchTestResult.NEGATIVE,
    reader: User | None = None,
    read_hours_after_applied: float = 48,
    lots: list[SupplyLot] | None = None,
) -> PatchTest:
    read_at = utcnow() - timedelta(hours=read_hours_ago)
    reader = reader or make_user()
    test = PatchTest(
        client=client,
        products=products,
        lots=lots or [],
        applied_at=read_at - timedelta(hours=read_hours_after_applied),
        applied_by=reader,
        read_at=read_at if result else None,
        read_by=reader if result else None,
        result=result,
    )
    db.session.add(test)
    db.session.flush()
    return test


def make_checklist(clinic: Clinic | None = None, texts=("Hands washed", "Fresh gloves")):
    clinic = _clinic(clinic)
    items = [ChecklistItem(clinic=clinic, position=i, text=t) for i, t in enumerate(texts)]
    db.session.add_all(items)
    db.session.flush()
    return items


def make_session(
    client: Client | None = None,
    technician: User | None = None,
    started_at: datetime | None = None,
    **fields,
) -> TreatmentSession:
    client = client or make_client()
    session = TreatmentSession(
        clinic_id=client.clinic_id,
        client=client,
        technician=technician or make_user(),
        started_at=started_at or utcnow(),
        **fields,
    )
    db.session.add(session)
    db.session.flush()
    return session


def gs1_for(lot: SupplyLot, serial: str | None = None, expiry: date | None = None) -> str:
    """The human-readable GS1 string a supplier label for `lot` would carry."""
    expiry = expiry or lot.expiry_date
    text = f"(01){lot.product.gtin}(17){expiry:%y%m%d}(10){lot.lot_number}"
    return text + (f"(21){serial}" if serial else "")


def make_ready_session(technician: User | None = None, **fields) -> TreatmentSession:
    """A session whose client has consent and a checklist to tick, label info shown."""
    session = make_session(technician=technician, **fields)
    session.label_info_provided_at = session.started_at
    db.session.flush()
    return session


def _signature_png() -> bytes:
    """A small drawn stroke, as the consent page's canvas sends it."""

    image = Image.new("RGBA", (120, 40), (0, 0, 0, 0))
    ImageDraw.Draw(image).line([(5, 30), (40, 8), (80, 32), (115, 10)], fill="black", width=3)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


SIGNATURE_PNG = _signature_png()


def seal_at_the_chair(
    session: TreatmentSession, items: list[ChecklistItem], cartridge: SupplyLot, serial: str = "W1"
) -> TreatmentSession:
    """Seal a ready session through the chair's own services: every item ticked, one cartridge
    scanned, then completed (unlike make_completed_session, which builds the rows directly)."""

    technician = session.technician
    for item in items:
        lifecycle.answer_item(session, item, technician)
    lifecycle.record_scan(session, gs1_for(cartridge, serial=serial), technician)
    lifecycle.complete_session(session, technician)
    return session


def make_consent_template(clinic=None, actor=None, **fields):

    clinic = _clinic(clinic)
    fields.setdefault("title", "SMP consent")
    return consents.create_template(clinic, actor or _admin(clinic), **fields)


def make_consent_form(**fields):

    defaults = dict(
        contraindications={name: False for name in consents.CONTRAINDICATIONS},
        medical_answers={q["key"]: False for q in consents.DEFAULT_MEDICAL_QUESTIONS},
        id_document_type="passport",
        id_document_ref="ends 4471",
        signature_png=SIGNATURE_PNG,
        explained_verbally=True,
        given_in_writing=True,
    )
    defaults.update(fields)
    return consents.ConsentForm(**defaults)


def make_consent(client, actor=None, **form_fields):
    """A signed, current consent for `client` (publishing a form first if the clinic has none)."""

    if consents.find_current_template(client.clinic_id) is None:
        make_consent_template(client.clinic)
    actor = actor or _staff(client.clinic)
    return consents.record_consent(client, make_consent_form(**form_fields), actor)


def make_consenting_client(clinic: Clinic | None = None, **fields) -> Client:
    """A client with a current signed consent, so a session may start for them."""
    client = make_client(clinic, **fields)
    make_consent(client)
    return client


def make_sealed_session(clinic: Clinic | None = None, **fields) -> TreatmentSession:
    """A completed session with a pigment (patch-tested), a needle lot and a signed checklist.

    Built directly, not through sessions.complete_session, so verification tests do not depend
    on the chair's rules; `sealed_digest` is a stand-in hex digest.
    """
    clinic = _clinic(clinic)
    technician = make_user(clinic=clinic)
    client = make_client(clinic, phone="+44 7700 900123", email="alex.private@example.test")
    ink = make_product(ProductKind.PIGMENT, clinic, name="Ink One", colour="Ash")
    pigment = make_lot(ink, received_by=technician)
    cartridge = make_product(ProductKind.NEEDLE_CARTRIDGE, clinic, name="1RL 0.25")
    needle = make_lot(cartridge, received_by=technician)
    patch_test = make_patch_test(client, [pigment.product], reader=technician)
    fields.setdefault("completed_at", utcnow())
    session = make_session(client, technician, status=SessionStatus.COMPLETED, **fields)
    session.sealed_digest = f"{next(_serial):064x}"
    db.session.add_all(
        [
            SupplyUse(session=session, lot=pigment, used_by=technician, patch_test=patch_test),
            SupplyUse(session=session, lot=needle, used_by=technician),
        ]
    )
    for item in make_checklist(clinic, texts=(f"Hands washed {next(_serial)}",)):
        db.session.add(
            ChecklistAnswer(
                session_id=session.id, item_id=item.id, item_text=item.text, answered_by=technician
            )
        )
    db.session.flush()
    return session


def make_use(
    session: TreatmentSession,
    lot: SupplyLot,
    *,
    diluent_lot: SupplyLot | None = None,
    used_at: datetime | None = None,
    **fields,
):
    """One scan of `lot` in `session` (optionally a pigment diluted with `diluent_lot`)."""

    use = SupplyUse(
        session=session,
        lot=lot,
        diluent_lot=diluent_lot,
        used_at=used_at or session.started_at,
        used_by=session.technician,
        **fields,
    )
    db.session.add(use)
    db.session.flush()
    return use


def make_refusal(user: User, reason: str = "UnsafeSupply", at: datetime | None = None, **fields):

    fields.setdefault("message", "This lot was recalled: do not use it.")
    refusal = Refusal(
        clinic_id=user.clinic_id, user_id=user.id, reason=reason, at=at or utcnow(), **fields
    )
    db.session.add(refusal)
    db.session.flush()
    return refusal


def make_recall(lots: list[SupplyLot] | None = None, actor: User | None = None, **fields):
    """A recall opened through the service, of `lots` (one product) or of a fresh lot."""

    lots = lots or [make_lot()]
    actor = actor or make_user(Role.AUDITOR, clinic=lots[0].product.clinic)
    fields.setdefault("reason", "Contains a restricted aromatic amine")
    fields.setdefault("source_reference", "A12/0097/17")
    return operations.open_recall(
        actor,
        lots[0].product,
        RecallScope.LOT_LIST,
        [lot.lot_number for lot in lots],
        **fields,
    )


# --- sterilisation (reprocessed instruments) ---


def make_steriliser(clinic: Clinic | None = None, **fields):

    fields.setdefault("name", f"Autoclave {next(_serial)}")
    fields.setdefault("serial", f"SN-{next(_serial):06d}")
    fields.setdefault("type", SteriliserType.PREVAC)
    fields.setdefault("installed_at", utcnow() - timedelta(days=365))
    steriliser = Steriliser(clinic_id=_clinic(clinic).id, **fields)
    db.session.add(steriliser)
    db.session.flush()
    return steriliser


def make_cycle(steriliser=None, packs: int = 1, **fields):
    """A passing prevac 134 °C load (printout values in range); status RECORDED unless given."""

    steriliser = steriliser or make_steriliser()
    operator = fields.pop("operator", None) or _staff(steriliser.clinic)
    fields.setdefault("cycle_number", next(_serial))
    fields.setdefault("started_at", utcnow() - timedelta(hours=2))
    fields.setdefault("program", SteriliserProgram.PREVAC_134)
    fields.setdefault("temperature_c", 134.5)
    fields.setdefault("exposure_minutes", 3.5)
    fields.setdefault("pressure_kpa", 310.0)
    fields.setdefault("ci_class", 5)
    fields.setdefault("ci_result", IndicatorResult.PASS)
    fields.setdefault("status", CycleStatus.RECORDED)
    if fields["status"] is CycleStatus.RELEASED:
        fields.setdefault("released_at", fields["started_at"] + timedelta(minutes=30))
        fields.setdefault("released_by", operator)
    cycle = SteriliserCycle(
        steriliser=steriliser, operator=operator, recorded_by=operator, **fields
    )
    cycle.packs = [
        InstrumentPack(
            code=f"P-T{next(_serial):07d}",
            contents="Grip and tube",
            packed_at=cycle.started_at,
            status=PackStatus.AVAILABLE,
        )
        for _ in range(packs)
    ]
    db.session.add(cycle)
    db.session.flush()
    return cycle


def make_spore_test(cycle, **fields):
    """A valid, negative spore test of `cycle`, read a day after it ran."""

    fields.setdefault("bi_lot", "BI-2026-11")
    fields.setdefault("result", SporeResult.NEGATIVE)
    fields.setdefault("control_result", SporeResult.POSITIVE)
    fields.setdefault("read_at", cycle.started_at + timedelta(days=1))
    fields.setdefault("recorded_by", cycle.operator)
    test = BiologicalIndicatorTest(steriliser=cycle.steriliser, cycle=cycle, **fields)
    db.session.add(test)
    db.session.flush()
    return test


def make_bowie_dick(steriliser, tested_at: datetime, **fields):

    fields.setdefault("result", IndicatorResult.PASS)
    fields.setdefault("recorded_by", _staff(steriliser.clinic))
    test = BowieDickTest(steriliser=steriliser, tested_at=tested_at, **fields)
    db.session.add(test)
    db.session.flush()
    return test


def _admin(clinic: Clinic) -> User:
    """An admin of the clinic: the first one, or a new one."""
    found = db.session.query(User).filter_by(clinic_id=clinic.id, role=Role.ADMIN).first()
    return found or make_user(Role.ADMIN, clinic=clinic)


def _staff(clinic: Clinic) -> User:
    """Any user of the clinic (password hashing is slow; sterilisation data needs many)."""
    found = db.session.query(User).filter_by(clinic_id=clinic.id).first()
    return found or make_user(clinic=clinic)


def make_completed_session(
    client: Client | None = None,
    technician: User | None = None,
    lots: tuple[SupplyLot, ...] = (),
    started_at: datetime | None = None,
    checklist: bool = True,
) -> TreatmentSession:
    """A session with its lots used and, unless told otherwise, every active item ticked."""
    session = make_session(client, technician, started_at)
    for lot in lots:
        make_use(session, lot)
    if checklist:
        items = db.session.scalars(
            select(ChecklistItem).where(
                ChecklistItem.clinic_id == session.clinic_id, ChecklistItem.is_active
            )
        )
        for item in items:
            db.session.add(
                ChecklistAnswer(
                    session_id=session.id,
                    item_id=item.id,
                    item_text=item.text,
                    answered_by=session.technician,
                    answered_at=session.started_at,
                )
            )
    session.status = SessionStatus.COMPLETED
    session.completed_at = session.started_at + timedelta(hours=2)
    db.session.flush()
    return session


def make_reaction(
    session: TreatmentSession | None = None,
    reported_by: User | None = None,
    severity: ReactionSeverity = ReactionSeverity.MODERATE,
    **fields,
) -> AdverseReaction:
    session = session or make_completed_session(started_at=utcnow() - timedelta(days=3))
    fields.setdefault("onset_at", session.started_at + timedelta(days=1))
    fields.setdefault("reported_at", fields["onset_at"] + timedelta(hours=3))
    fields.setdefault("signs", "Redness and swelling along the hairline")
    reaction = AdverseReaction(
        clinic_id=session.clinic_id,
        session=session,
        reported_by=reported_by or session.technician,
        severity=severity,
        **fields,
    )
    db.session.add(reaction)
    db.session.flush()
    return reaction


def make_device(clinic: Clinic | None = None, name: str = "Chair tablet"):
    """A shared tablet trusted by the clinic's admin: (device, the cookie's token)."""
    return devices.trust_device(_admin(_clinic(clinic)), name)


def give_pin(user: User, pin: str = "482916") -> User:
    pins.set_pin(user, PASSWORD, pin)
    return user


def make_booking(
    client: Client | None = None,
    technician: User | None = None,
    starts_at: datetime | None = None,
    pigments: tuple[Product, ...] = (),
    **fields,
) -> Booking:
    """A booked appointment, built directly (operations.book judges the inputs)."""
    client = client or make_consenting_client()
    technician = technician or make_user(clinic=client.clinic)
    booking = Booking(
        clinic_id=client.clinic_id,
        client=client,
        technician=technician,
        starts_at=starts_at or utcnow(),
        pigments=list(pigments),
        created_by=technician,
        **fields,
    )
    db.session.add(booking)
    db.session.flush()
    return booking


def gps_jpeg(size: tuple[int, int] = (64, 48)) -> bytes:
    """A phone photo: JPEG with camera EXIF and a GPS position (Brussels)."""
    image = Image.new("RGB", size, (200, 120, 110))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0131] = "Camera app"  # Software
    exif[0x8825] = {1: "N", 2: (50.0, 50.0, 0.0), 3: "E", 4: (4.0, 21.0, 0.0)}  # GPSInfo
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def exif_of(jpeg: bytes) -> dict:
    """Every EXIF tag of an image, GPS included; {} when it has none."""
    with Image.open(io.BytesIO(jpeg)) as image:
        exif = image.getexif()
        tags = dict(exif)
        tags.update({f"gps:{k}": v for k, v in exif.get_ifd(0x8825).items()})
        return tags | ({"info:exif": True} if "exif" in image.info else {})


def make_follow_up(session: TreatmentSession, day: int = 3, flagged: bool = False, **fields):
    """A check-in of `session`; `flagged`: answered with a fever, waiting for a call."""
    start = session.completed_at or session.started_at
    follow_up = FollowUp(clinic_id=session.clinic_id, session_id=session.id, day=day,
                         due_at=start + timedelta(days=day), **fields)  # fmt: skip
    if flagged:
        follow_up.status, follow_up.answered_at = FollowUpStatus.ANSWERED, utcnow()
        follow_up.has_fever, follow_up.flag_reasons = True, "Fever: possible infection."
    db.session.add(follow_up)
    db.session.flush()
    return follow_up


def make_problem_report(session: TreatmentSession, **fields) -> ProblemReport:
    """A problem the client reported from the card, waiting in the inbox, with one photo."""
    fields.setdefault("description", "Itchy bumps along the hairline")
    report = ProblemReport(clinic_id=session.clinic_id, session_id=session.id,
                           started_on=session.started_at.date(),
                           form_nonce=f"nonce-{next(_serial)}", **fields)  # fmt: skip
    db.session.add(report)
    db.session.flush()
    make_photo(session.clinic_id, report_id=report.id)
    return report


def make_photo(clinic_id: int, **fields) -> ClientPhoto:
    jpeg = io.BytesIO()
    Image.new("RGB", (40, 30), (210, 120, 110)).save(jpeg, "JPEG")
    photo = ClientPhoto(clinic_id=clinic_id, jpeg=jpeg.getvalue(), width=40, height=30,
                        sha256="0" * 64, **fields)  # fmt: skip
    db.session.add(photo)
    db.session.flush()
    return photo


def make_signal(reactions: list[AdverseReaction], lot: SupplyLot) -> ReactionSignal:
    """An open early-warning signal on `lot`, naming `reactions`."""
    signal = ReactionSignal(clinic_id=lot.product.clinic_id, scope=SignalScope.LOT, lot=lot,
                            product=lot.product, threshold=2, window_days=30,
                            reactions=reactions)  # fmt: skip
    db.session.add(signal)
    db.session.flush()
    return signal
