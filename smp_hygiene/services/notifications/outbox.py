"""Queue email notices for the clients an event touched, and show the auditor how they went.

Queuing is idempotent: a client already queued (or sent) for this event is skipped, so the
button can be pressed again after the look-back was widened and only new clients are added.
Clients without an email address are listed for the auditor to call instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from smp_hygiene.errors import InvalidInput, RecallClosed
from smp_hygiene.extensions import db
from smp_hygiene.models import (
    BiologicalIndicatorTest,
    Client,
    Notification,
    NotificationKind,
    Recall,
    SporeResult,
    User,
)
from smp_hygiene.services.audit import chain
from smp_hygiene.services.notifications import queueing, subjects
from smp_hygiene.services.people import permissions


@dataclass(frozen=True)
class QueueResult:
    """What pressing "notify by email" did."""

    queued: list[Notification] = field(default_factory=list)
    already: int = 0
    no_email: list[Client] = field(default_factory=list)

    @property
    def message(self) -> str:
        parts = [f"{len(self.queued)} email notice(s) queued"]
        if self.already:
            parts.append(f"{self.already} client(s) already had one")
        if self.no_email:
            parts.append(f"{len(self.no_email)} client(s) have no email address: call them")
        return "; ".join(parts) + "."


def has_address(client: Client) -> bool:
    return client.anonymised_at is None and "@" in (client.email or "")


def _require_auditor(actor: User, clinic_id: int) -> None:
    permissions.require(
        permissions.can_audit(actor) and actor.clinic_id == clinic_id,
        "Only the clinic's auditors and admins can send notices to clients.",
    )


def queue_recall_notices(actor: User, recall: Recall) -> QueueResult:
    """One email per affected client (within the look-back) of an open recall."""
    _require_auditor(actor, recall.clinic_id)
    if not recall.is_open:
        raise RecallClosed(f"Recall #{recall.id} is closed: it sends no more notices.")
    _lock(Recall, recall.id)
    sessions = subjects.recall_sessions(recall)
    return _queue(actor, recall.clinic_id, NotificationKind.RECALL, recall.id, list(sessions))


def queue_sterilisation_notices(actor: User, test: BiologicalIndicatorTest) -> QueueResult:
    """One email per client treated with a pack this positive spore test made suspect."""
    clinic_id = test.steriliser.clinic_id
    _require_auditor(actor, clinic_id)
    if test.result is not SporeResult.POSITIVE:
        raise InvalidInput("Only a positive spore test makes instruments suspect.")
    _lock(BiologicalIndicatorTest, test.id)
    kind, sessions = NotificationKind.STERILISATION_FAILURE, subjects.spore_test_sessions(test)
    return _queue(actor, clinic_id, kind, test.id, list(sessions))


def _lock(model: type[Recall] | type[BiologicalIndicatorTest], subject_id: int) -> None:
    """Two auditors pressing at once queue each client once (PostgreSQL row lock; SQLite's
    writes are already one at a time)."""
    db.session.execute(select(model.id).where(model.id == subject_id).with_for_update())


def _queue(
    actor: User, clinic_id: int, kind: NotificationKind, subject_id: int, client_ids: list[int]
) -> QueueResult:
    existing = set(notices_by_client(kind, subject_id))
    clients = db.session.scalars(
        select(Client).where(Client.id.in_(client_ids)).order_by(Client.full_name, Client.id)
    )
    queued, no_email = [], []
    for client in clients:
        if client.id in existing:
            continue
        if not has_address(client):
            no_email.append(client)
            continue
        notification = Notification(
            clinic_id=clinic_id, client_id=client.id, kind=kind, subject_id=subject_id,
            created_by_id=actor.id,
        )  # fmt: skip
        db.session.add(notification)
        chain.record(actor, "notification.queued", notification)
        queued.append(notification)
    queueing.enqueue_after_commit(n.id for n in queued)
    return QueueResult(queued, len(existing), no_email)


def notices_by_client(kind: NotificationKind, subject_id: int) -> dict[int, Notification]:
    """Each client's notice about this event, for the auditor's page."""
    found = db.session.scalars(
        select(Notification).where(Notification.kind == kind, Notification.subject_id == subject_id)
    )
    return {notification.client_id: notification for notification in found}
