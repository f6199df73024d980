"""Retention: after the clinic's retention period a client's personal data is erased.

The treatment record stays (lots, dates, seal): a Safety Gate look-back years later still finds
that a lot was used, only no longer on whom. A client is never erased while a recall or an
adverse reaction that concerns them is still open.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select

from smp_hygiene.errors import InvalidInput
from smp_hygiene.extensions import db
from smp_hygiene.models import (
    AdverseReaction,
    Booking,
    BookingStatus,
    Client,
    Clinic,
    Consent,
    ReactionStatus,
    Recall,
    RecallLot,
    SupplyUse,
    TreatmentSession,
    User,
)
from smp_hygiene.services.audit import chain
from smp_hygiene.services.people import permissions
from smp_hygiene.services.supplies.usability import add_months
from smp_hygiene.services.verification import stored_records
from smp_hygiene.timeutil import utcnow

ERASED_BIRTH_DATE = date(1900, 1, 1)  # the column is required; this date means "erased"


@dataclass(frozen=True)
class RetentionDue:
    client: Client
    last_activity: datetime
    kept_until: date


def kept_until(clinic: Clinic, last_activity: datetime) -> date:
    return add_months(last_activity.date(), 12 * clinic.retention_years)


def list_due(clinic: Clinic, today: date | None = None) -> list[RetentionDue]:
    """Clients whose last treatment (or registration) is older than the retention period."""
    today = today or utcnow().date()
    last_session = (
        select(TreatmentSession.client_id, func.max(TreatmentSession.started_at).label("last"))
        .group_by(TreatmentSession.client_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Client, func.coalesce(last_session.c.last, Client.created_at))
        .outerjoin(last_session, last_session.c.client_id == Client.id)
        .where(Client.clinic_id == clinic.id, Client.anonymised_at.is_(None))
        .order_by(Client.id)
    ).all()
    due = [RetentionDue(client, last, kept_until(clinic, last)) for client, last in rows]
    return [d for d in due if d.kept_until < today and not _still_needed(d.client)]


def _still_needed(client: Client) -> bool:
    """An open recall or an open reaction still needs to reach this person; a booking still
    booked means they are coming back."""
    sessions = select(TreatmentSession.id).where(TreatmentSession.client_id == client.id)
    open_recall = db.session.scalar(
        select(func.count())
        .select_from(SupplyUse)
        .join(RecallLot, RecallLot.lot_id == SupplyUse.lot_id)
        .join(Recall, Recall.id == RecallLot.recall_id)
        .where(SupplyUse.session_id.in_(sessions), Recall.closed_at.is_(None))
    )
    open_reaction = db.session.scalar(
        select(func.count())
        .select_from(AdverseReaction)
        .where(
            AdverseReaction.session_id.in_(sessions), AdverseReaction.status == ReactionStatus.OPEN
        )
    )
    booked = db.session.scalar(
        select(func.count())
        .select_from(Booking)
        .where(Booking.client_id == client.id, Booking.status == BookingStatus.BOOKED)
    )
    return bool(open_recall or open_reaction or booked)


def anonymise_client(client: Client, admin: User, today: date | None = None) -> None:
    """Erase name, birth date, contact, notes and consent identity data of a client past
    retention; the audit entry names only the client id, so it keeps nothing personal."""
    permissions.require(
        permissions.can_administer(admin) and admin.clinic_id == client.clinic_id,
        "Only an admin of this clinic can erase a client's personal data.",
    )
    due = {d.client.id: d for d in list_due(client.clinic, today)}
    if client.id not in due:
        raise InvalidInput(
            f"Client #{client.id} is not due for erasure: their records are still "
            "within the retention period, or a recall or reaction is open."
        )
    client.full_name, client.date_of_birth = f"Erased client #{client.id}", ERASED_BIRTH_DATE
    client.phone = client.email = client.address = client.medical_notes = ""
    client.anonymised_at = utcnow()
    for consent in db.session.scalars(select(Consent).where(Consent.client_id == client.id)):
        consent.signature_png = b""  # its SHA-256 stays on the consent as evidence it existed
        consent.id_document_ref = consent.guardian_name = ""
        consent.guardian_document_ref = consent.guardian_consent_ref = ""
    for booking in db.session.scalars(select(Booking).where(Booking.client_id == client.id)):
        booking.notes = booking.cancel_reason = ""  # free text about the person
    # The public pages kept for the client's records show their initials: make them again.
    stored_records.forget(
        select(TreatmentSession.id).where(TreatmentSession.client_id == client.id)
    )
    chain.record(
        admin,
        "client.anonymised",
        client,
        after={
            "client_id": client.id,
            "retention_years": client.clinic.retention_years,
            "kept_until": due[client.id].kept_until,
        },
    )
