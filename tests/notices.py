"""Test data for notification tests: a recall whose lot some clients were treated with."""

from __future__ import annotations

from dataclasses import dataclass

from smp_hygiene.models import Client, Recall, Role, SessionStatus, TreatmentSession, User
from smp_hygiene.services.verification import tokens
from smp_hygiene.timeutil import utcnow
from tests.factories import (
    make_client,
    make_clinic,
    make_lot,
    make_recall,
    make_session,
    make_use,
    make_user,
)

MAIL_CONFIG = {
    "MAIL_FROM": "notices@clinic.test",
    "PUBLIC_BASE_URL": "https://verify.clinic.test",
    "SMTP_HOST": "127.0.0.1",
    "SMTP_TIMEOUT_SECONDS": 10,
}


@dataclass
class RecallCase:
    recall: Recall
    auditor: User
    affected: list[Client]
    unaffected: Client
    no_email: Client
    sessions: dict[int, list[TreatmentSession]]


def sealed_session(client: Client, lot) -> TreatmentSession:
    """A completed session of `client` that used `lot`, with its public record token."""
    session = make_session(client, status=SessionStatus.COMPLETED, completed_at=utcnow())
    session.sealed_digest = "ab" * 32
    session.verify_token = tokens.new_token()
    make_use(session, lot)
    return session


def recall_case(affected: int = 2) -> RecallCase:
    """`affected` clients treated with the recalled lot (the first twice), one treated with
    another lot, one affected client without an email address."""
    clinic = make_clinic(name="Northside SMP", phone="+44 20 7946 0000", email="desk@clinic.test")
    lot = make_lot(lot_number="RB0624", product=None, received_by=make_user(clinic=clinic))
    safe = make_lot(product=lot.product, lot_number="RB0700")
    clients = [
        make_client(clinic, full_name=f"Client {n} Affected", email=f"client{n}@mail.test")
        for n in range(affected)
    ]
    sessions = {c.id: [sealed_session(c, lot)] for c in clients}
    sessions[clients[0].id].append(sealed_session(clients[0], lot))
    unaffected = make_client(clinic, full_name="Una Unaffected", email="una@mail.test")
    sealed_session(unaffected, safe)
    no_email = make_client(clinic, full_name="Nobby Noemail", phone="+44 7700 900999")
    sealed_session(no_email, lot)
    auditor = make_user(Role.AUDITOR, clinic=clinic)
    recall = make_recall([lot], actor=auditor, reason="Contains a banned aromatic amine")
    return RecallCase(recall, auditor, clients, unaffected, no_email, sessions)
