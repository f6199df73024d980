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
    FollowUp,
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
WATCH_NOW = "do not wait for the check-in: see a doctor and call the clinic."
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
    links = _links(sessions, clinic, base_url)
    if isinstance(subject, Recall):
        title, body = _recall_text(subject, sessions, clinic)
    elif isinstance(subject, FollowUp):
        title, body = _follow_up_text(subject, clinic)
        links = [f"{base_url.rstrip('/')}/v/{s.verify_token}/check-in/{subject.day}"
                 for s in sessions if s.verify_token]  # fmt: skip
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
    heading = "Your check-in:" if isinstance(subject, FollowUp) else "Your treatment record:"
    message.set_content(_letter(client, clinic, body, links, heading))
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


def _follow_up_text(follow_up: FollowUp, clinic: Clinic) -> tuple[str, list[str]]:
    treated = local_date(follow_up.session.started_at, clinic.timezone).isoformat()
    body = [
        f"It is {follow_up.day} days since your treatment at {clinic.name} on {treated}.",
        "",
        "How is the treated area healing? Please answer six short questions (redness, swelling, "
        "itching, discharge or fever, pain, anything else) at the link below; a photo helps.",
        "It takes a minute, and the clinic will call you if anything needs a closer look.",
        "",
        f"If the area is hot, oozing or spreading, or you have a fever, {WATCH_NOW}",
        "",
        "You can stop these check-ins from the same page.",
    ]
    return f"How is your treatment healing? ({clinic.name})", body


def _links(sessions: list[TreatmentSession], clinic: Clinic, base_url: str) -> list[str]:
    """Each affected session's public record page: only sealed sessions have one."""
    base = base_url.rstrip("/")
    return [
        f"{local_date(s.started_at, clinic.timezone).isoformat()}: {base}/v/{s.verify_token}"
        for s in sessions
        if s.verify_token
    ]


def _letter(
    client: Client,
    clinic: Clinic,
    body: list[str],
    links: list[str],
    heading: str = "Your treatment record:",
) -> str:
    contact = " or ".join(part for part in (clinic.phone, clinic.email) if part)
    lines = [f"Dear {client.full_name},", "", *body, ""]
    lines.append(
        f"If you have any questions, contact {clinic.name}" + (f" ({contact})." if contact else ".")
    )
    if links:
        lines += ["", heading, *links]
    lines += ["", f"{clinic.name}", "", "This email was sent to you alone; please keep it."]
    return "\n".join(lines) + "\n"
