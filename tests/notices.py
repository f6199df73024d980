"""Test data for notification tests: a recall whose lot some clients were treated with."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from smp_hygiene.extensions import db
from smp_hygiene.models import (
    BiologicalIndicatorTest,
    Client,
    CycleStatus,
    PackUse,
    Recall,
    Role,
    SessionStatus,
    SporeResult,
    TreatmentSession,
    User,
)
from smp_hygiene.services.sterilisation import spore_tests
from smp_hygiene.services.verification import tokens
from smp_hygiene.timeutil import utcnow
from tests.factories import (
    make_client,
    make_clinic,
    make_cycle,
    make_lot,
    make_recall,
    make_session,
    make_steriliser,
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


def positive_spore_test(
    result: SporeResult = SporeResult.POSITIVE,
) -> tuple[BiologicalIndicatorTest, User, Client, TreatmentSession]:
    """A released load whose pack was opened in a client's sealed session, then its spore
    test, read a day later (positive unless told)."""
    clinic = make_clinic(name="Southside SMP", phone="+44 161 496 0000")
    client = make_client(clinic, full_name="Sam Sterile", email="sam@mail.test")
    session = sealed_session(client, make_lot(received_by=make_user(clinic=clinic)))
    steriliser = make_steriliser(clinic, name="Autoclave A")
    started = utcnow() - timedelta(days=3)
    cycle = make_cycle(steriliser, status=CycleStatus.RELEASED, started_at=started)
    use = PackUse(session=session, pack=cycle.packs[0], used_by=session.technician)
    use.used_at = cycle.released_at + timedelta(hours=1)
    db.session.add(use)
    auditor = make_user(Role.AUDITOR, clinic=clinic)
    test = spore_tests.record_spore_test(
        cycle, auditor, bi_lot="BI-77", result=result, control_result=SporeResult.POSITIVE,
        read_at=started + timedelta(days=1),
    )  # fmt: skip
    return test, auditor, client, session
