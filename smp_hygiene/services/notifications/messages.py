"""The email a client receives: what happened, why, what to do, and a link to their own record.

Built from this client's sessions alone, so no other client's name, date or link can appear.
Plain text, British English, no jargon the client would have to look up.
"""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import format_datetime, formataddr

from smp_hygiene.models import (
    BiologicalIndicatorTest,
    Client,
    Clinic,
    Notification,
    Recall,
    TreatmentSession,
)
from smp_hygiene.services.notifications import subjects
from smp_hygiene.services.recalls.queries import recalled_lot_ids
from smp_hygiene.services.sterilisation.positive_spore_tests import sessions_using_suspect_packs
from smp_hygiene.services.traceability.lots import lots_of_sessions
from smp_hygiene.timeutil import local_date, utcnow

WATCH_FOR_RECALL = (
    "If the treated area has healed normally, you do not need to do anything. If you notice "
    "redness, swelling, itching, bumps or blisters there, see a doctor and show them this email."
)
WATCH_FOR_STERILISATION = (
    "This does not mean the instruments were contaminated. If the treated area becomes more "
    "red, warm, swollen or painful, oozes pus, or you get a fever, see a doctor and show them "
    "this email."
)


def compose(notification: Notification, sender: str, base_url: str) -> EmailMessage:
    """The whole message for one notice, addressed to its client's current email address."""
    client = notification.client
    clinic = client.clinic
    subject = subjects.subject_of(notification)
    sessions = subjects.client_sessions(notification)
    if isinstance(subject, Recall):
        title, body = _recall_text(subject, sessions, clinic)
    else:
        title, body = _sterilisation_text(subject, sessions, clinic)
    message = EmailMessage()
    message["Subject"] = title
    message["From"] = formataddr((clinic.name, sender))
    message["To"] = client.email
    if clinic.email:
        message["Reply-To"] = clinic.email
    message["Message-ID"] = notification.message_id or ""
    message["Date"] = format_datetime(utcnow())
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(_letter(client, clinic, body, _links(sessions, clinic, base_url)))
    return message


def _recall_text(
    recall: Recall, sessions: list[TreatmentSession], clinic: Clinic
) -> tuple[str, list[str]]:
    used = lots_of_sessions([s.id for s in sessions], recalled_lot_ids(recall))
    labels = list(dict.fromkeys(use.label for s in sessions for use in used.get(s.id, [])))
    body = [
        f"{clinic.name} is writing because a product used in your treatment has been recalled.",
        "",
        f"What was recalled: {', '.join(labels) or recall.product.title}.",
        f"Why: {recall.reason.strip()}",
        f"Recall reference: {recall.source_label}",
        "",
        f"What to do: {WATCH_FOR_RECALL}",
    ]
    return f"Recall of a product used in your treatment at {clinic.name}", body


def _sterilisation_text(
    test: BiologicalIndicatorTest, sessions: list[TreatmentSession], clinic: Clinic
) -> tuple[str, list[str]]:
    ids = {s.id for s in sessions}
    packs = [
        use.pack.contents for use in sessions_using_suspect_packs(test) if use.session_id in ids
    ]
    found = local_date(test.read_at, clinic.timezone).isoformat()
    body = [
        f"{clinic.name} is writing because a check of its steriliser failed on {found}.",
        "",
        f"What this concerns: the instruments used in your treatment ({packs}).",
        "Why: a spore test, which confirms that the steriliser works, failed afterwards, so the "
        "clinic can no longer confirm that these instruments were sterile.",
        "",
        f"What to do: {WATCH_FOR_STERILISATION}",
    ]
    return f"About the instruments used in your treatment at {clinic.name}", body


def _links(sessions: list[TreatmentSession], clinic: Clinic, base_url: str) -> list[str]:
    """Each affected session's public record page: only sealed sessions have one."""
    base = base_url.rstrip("/")
    return [
        f"{local_date(s.started_at, clinic.timezone).isoformat()}: {base}/v/{s.verify_token}"
        for s in sessions
        if s.verify_token
    ]


def _letter(client: Client, clinic: Clinic, body: list[str], links: list[str]) -> str:
    contact = " or ".join(part for part in (clinic.phone, clinic.email) if part)
    lines = [f"Dear {client.full_name},", "", *body, ""]
    lines.append(
        f"If you have any questions, contact {clinic.name}" + (f" ({contact})." if contact else ".")
    )
    if links:
        lines += ["", "Your treatment record:", *links]
    lines += ["", f"{clinic.name}", "", "This email was sent to you alone; please keep it."]
    return "\n".join(lines) + "\n"
