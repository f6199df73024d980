"""Notifications: emails that tell affected clients about a recall or a sterilisation failure.

outbox.py creates one row per client per event (auditors only) and lists them; subjects.py knows
which clients and sessions each event touched; messages.py writes the email; mailer.py speaks
SMTP; delivery.py claims a row, records what the mail server said and when to try again;
queueing.py hands row ids to RQ once the caller's transaction has committed. Sending itself
happens outside any web request: in the RQ worker, or inline from `flask notifications send`
(smp_hygiene/commands/notifications.py), which commit around each step.
"""
