"""Retention: after the clinic's retention period a client's personal data is erased.

The treatment record stays (lots, dates, seal): a Safety Gate look-back years later still finds
that a lot was used, only no longer on whom. A client past the period is either due (nothing
holds them) or held, with the reasons: an open recall of a lot used on them (as the supply or as
a pigment's diluent, whatever the recall's look-back window, which can still be widened), an
adverse reaction of theirs that is still open, a problem they reported from their card still
waiting in the reaction inbox, or a booking still booked (they are coming back). The holds are
in `retention_holds`.
The CLI and the admin's page read the same review.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select

from smp_hygiene.errors import InvalidInput, RetentionHold
from smp_hygiene.extensions import db
from smp_hygiene.models import (
    Booking,
    Client,
    ClientPhoto,
    Clinic,
    Consent,
    FollowUp,
    ProblemReport,
    TreatmentSession,
    User,
)
from smp_hygiene.services.audit import chain
from smp_hygiene.services.people import permissions, retention_holds
from smp_hygiene.services.supplies.usability import add_months
from smp_hygiene.services.verification import stored_records
from smp_hygiene.timeutil import utcnow

ERASED_BIRTH_DATE = date(1900, 1, 1)  # the column is required; this date means "erased"


@dataclass(frozen=True)
class RetentionDue:
    """A client past the retention period; `holds` says why they must still be kept, if so."""

    client: Client
    last_activity: datetime
    kept_until: date
    holds: tuple[str, ...] = ()

    @property
    def is_held(self) -> bool:
        return bool(self.holds)


@dataclass(frozen=True)
class RetentionReview:
    due: list[RetentionDue]  # past the period, nothing holds them: may be erased
    held: list[RetentionDue]  # past the period, but something still needs them (retention_holds)


def kept_until(clinic: Clinic, last_activity: datetime) -> date:
    return add_months(last_activity.date(), 12 * clinic.retention_years)


def review_retention(clinic: Clinic, today: date | None = None) -> RetentionReview:
    """Every client of the clinic past the retention period, as due or as held with reasons."""
    past = _past_retention(clinic, today or utcnow().date())
    holds = retention_holds.holds_for(clinic, [item.client.id for item in past])
    reviewed = [
        RetentionDue(item.client, item.last_activity, item.kept_until, tuple(holds[item.client.id]))
        for item in past
    ]
    return RetentionReview(
        due=[item for item in reviewed if not item.is_held],
        held=[item for item in reviewed if item.is_held],
    )


def list_due(clinic: Clinic, today: date | None = None) -> list[RetentionDue]:
    """Clients past the retention period whom nothing holds: those erasure may act on."""
    return review_retention(clinic, today).due


def _past_retention(
    clinic: Clinic, today: date, client_ids: Sequence[int] | None = None
) -> list[RetentionDue]:
    """Clients whose last treatment (or registration) is older than the retention period."""
    last_session = (
        select(TreatmentSession.client_id, func.max(TreatmentSession.started_at).label("last"))
        .group_by(TreatmentSession.client_id)
        .subquery()
    )
    query = (
        select(Client, func.coalesce(last_session.c.last, Client.created_at))
        .outerjoin(last_session, last_session.c.client_id == Client.id)
        .where(Client.clinic_id == clinic.id, Client.anonymised_at.is_(None))
        .order_by(Client.id)
    )
    if client_ids is not None:
        query = query.where(Client.id.in_(client_ids))
    rows = db.session.execute(query).all()
    found = [RetentionDue(client, last, kept_until(clinic, last)) for client, last in rows]
    return [item for item in found if item.kept_until < today]


def retention_status(client: Client, today: date | None = None) -> RetentionDue | None:
    """This client's standing: None while within the retention period (or already erased)."""
    past = _past_retention(client.clinic, today or utcnow().date(), [client.id])
    if not past:
        return None
    holds = tuple(retention_holds.holds_for(client.clinic, [client.id])[client.id])
    return RetentionDue(client, past[0].last_activity, past[0].kept_until, holds)


def anonymise_client(client: Client, admin: User, today: date | None = None) -> None:
    """Erase name, birth date, contact, notes and consent identity data of a client past
    retention whom nothing holds; the audit entry names only the client id."""
    _require_admin(admin, client.clinic)
    if client.anonymised_at is not None:
        raise InvalidInput(f"Client #{client.id} was already erased.")
    status = retention_status(client, today)
    if status is None:
        raise InvalidInput(
            f"Client #{client.id} is not due for erasure: their records are still within the "
            f"retention period of {client.clinic.retention_years} years."
        )
    if status.is_held:
        raise RetentionHold(
            f"Client #{client.id} cannot be erased yet: {'; '.join(status.holds)}. "
            "Close what holds them first."
        )
    _erase(status, admin)


def erase_due_clients(
    clinic: Clinic, admin: User, expected: int | None = None, today: date | None = None
) -> int:
    """Erase every client due, never a held one; `expected` is how many the admin saw listed,
    so a list that changed in between is refused rather than acted on unseen."""
    _require_admin(admin, clinic)
    due = list_due(clinic, today)
    if expected is not None and expected != len(due):
        raise InvalidInput(
            f"{len(due)} client(s) are due now, not {expected}: check the list again."
        )
    for item in due:
        _erase(item, admin)
    return len(due)


def _require_admin(admin: User, clinic: Clinic) -> None:
    permissions.require(
        permissions.can_administer(admin) and admin.clinic_id == clinic.id,
        "Only an admin of this clinic can erase a client's personal data.",
    )


def _erase(status: RetentionDue, admin: User) -> None:
    client = status.client
    client.full_name, client.date_of_birth = f"Erased client #{client.id}", ERASED_BIRTH_DATE
    client.phone = client.email = client.address = client.medical_notes = ""
    client.anonymised_at = utcnow()
    for consent in db.session.scalars(select(Consent).where(Consent.client_id == client.id)):
        consent.signature_png = b""  # its SHA-256 stays on the consent as evidence it existed
        consent.id_document_ref = consent.guardian_name = ""
        consent.guardian_document_ref = consent.guardian_consent_ref = ""
    for booking in db.session.scalars(select(Booking).where(Booking.client_id == client.id)):
        booking.notes = booking.cancel_reason = ""  # free text about the person
    _erase_aftercare(client)
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
            "kept_until": status.kept_until,
        },
    )


def _erase_aftercare(client: Client) -> None:
    """The client's own words and photos after the chair; the rows (and hashes) stay."""
    sessions = select(TreatmentSession.id).where(TreatmentSession.client_id == client.id)
    reports = list(
        db.session.scalars(select(ProblemReport).where(ProblemReport.session_id.in_(sessions)))
    )
    follow_ups = list(db.session.scalars(select(FollowUp).where(FollowUp.session_id.in_(sessions))))
    for item in reports:
        item.description = ""
    for follow_up in follow_ups:
        follow_up.other = ""
    photos = select(ClientPhoto).where(
        ClientPhoto.report_id.in_([r.id for r in reports])
        | ClientPhoto.follow_up_id.in_([f.id for f in follow_ups])
    )
    for photo in db.session.scalars(photos):
        photo.jpeg = b""  # its SHA-256 stays as evidence it existed
