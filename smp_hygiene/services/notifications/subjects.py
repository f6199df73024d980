"""What a notice is about, and which of each client's sessions it concerns."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select

from smp_hygiene.extensions import db
from smp_hygiene.models import (
    BiologicalIndicatorTest,
    FollowUp,
    Notification,
    NotificationKind,
    Recall,
    TreatmentSession,
)
from smp_hygiene.services.recalls.queries import affected_session_ids
from smp_hygiene.services.sterilisation.positive_spore_tests import sessions_using_suspect_packs

SessionsByClient = dict[int, list[TreatmentSession]]


def recall_sessions(recall: Recall, client_id: int | None = None) -> SessionsByClient:
    """Sessions within the look-back that used a recalled lot (supply or diluent), by client."""
    query = select(TreatmentSession).where(
        TreatmentSession.id.in_(affected_session_ids(recall, windowed=True))
    )
    if client_id is not None:
        query = query.where(TreatmentSession.client_id == client_id)
    sessions = db.session.scalars(query.order_by(TreatmentSession.started_at, TreatmentSession.id))
    grouped: SessionsByClient = defaultdict(list)
    for session in sessions:
        grouped[session.client_id].append(session)
    return grouped


def spore_test_sessions(test: BiologicalIndicatorTest) -> SessionsByClient:
    """Sessions that opened a pack this positive spore test made suspect, by client."""
    grouped: SessionsByClient = defaultdict(list)
    for use in sessions_using_suspect_packs(test):
        if use.session not in grouped[use.session.client_id]:
            grouped[use.session.client_id].append(use.session)
    return grouped


Subject = Recall | BiologicalIndicatorTest | FollowUp


def subject_of(notification: Notification) -> Subject:
    """The recall, spore test or aftercare check-in a notice is about."""
    found: Subject | None
    if notification.kind is NotificationKind.RECALL:
        found = db.session.get(Recall, notification.subject_id)
    elif notification.kind is NotificationKind.FOLLOW_UP:
        found = db.session.get(FollowUp, notification.subject_id)
    else:
        found = db.session.get(BiologicalIndicatorTest, notification.subject_id)
    if found is None:  # subjects are never deleted; a missing one is a broken database
        raise LookupError(f"notification {notification.id}: its subject is missing")
    return found


def client_sessions(notification: Notification) -> list[TreatmentSession]:
    """This notice's client's sessions that the event touched, and no one else's."""
    subject = subject_of(notification)
    if isinstance(subject, Recall):
        return recall_sessions(subject, notification.client_id).get(notification.client_id, [])
    if isinstance(subject, FollowUp):
        return [subject.session] if subject.session.client_id == notification.client_id else []
    return spore_test_sessions(subject).get(notification.client_id, [])
