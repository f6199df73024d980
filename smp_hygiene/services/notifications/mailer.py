"""SMTP, configured from the environment, and what each kind of refusal means for a notice.

A 5xx refusal of the address is a bounce; any other 5xx is a failure. A 4xx, a refused or
dropped connection, a timeout or a refused login (our settings, not the client) are worth
trying again. What we keep of an error names the kind and the server's code, never the
address or the server's own words, which often quote it.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from smp_hygiene.errors import DomainError


class MailNotConfigured(DomainError):
    """The instance has no sender address or public address to put in a notice."""

    http_status = 503


@dataclass(frozen=True)
class MailSettings:
    host: str
    port: int
    username: str
    password: str
    starttls: bool
    timeout: int
    sender: str

    @classmethod
    def from_config(cls, config: Any) -> MailSettings:
        """The SMTP_* and MAIL_FROM settings; refuses to send without a sender address."""
        if "@" not in config.get("MAIL_FROM", ""):
            raise MailNotConfigured("Set MAIL_FROM (the address notices are sent from).")
        if not config.get("PUBLIC_BASE_URL", ""):
            raise MailNotConfigured("Set PUBLIC_BASE_URL: each notice links to the record.")
        return cls(
            host=config["SMTP_HOST"],
            port=int(config["SMTP_PORT"]),
            username=config.get("SMTP_USERNAME", ""),
            password=config.get("SMTP_PASSWORD", ""),
            starttls=bool(config.get("SMTP_STARTTLS")),
            timeout=int(config.get("SMTP_TIMEOUT_SECONDS", 30)),
            sender=config["MAIL_FROM"],
        )


class DeliveryError(Exception):
    """The notice did not go: `summary` is safe to store; `bounced`/`permanent` say if it may
    go later."""

    def __init__(self, summary: str, *, permanent: bool = False, bounced: bool = False):
        super().__init__(summary)
        self.summary = summary[:200]
        self.permanent = permanent or bounced
        self.bounced = bounced


def send(message: EmailMessage, settings: MailSettings) -> None:
    """Hand one message to the mail server; raise DeliveryError unless it accepted it."""
    try:
        _send(message, settings)
    except smtplib.SMTPRecipientsRefused as error:
        code = min(code for code, _ in error.recipients.values())
        raise DeliveryError(
            f"address refused (SMTP {code})", bounced=code >= 500, permanent=code >= 500
        ) from None
    except smtplib.SMTPAuthenticationError as error:
        raise DeliveryError(f"login refused (SMTP {error.smtp_code}): check SMTP_*") from None
    except smtplib.SMTPResponseException as error:
        code = error.smtp_code
        what = "sender refused" if isinstance(error, smtplib.SMTPSenderRefused) else "refused"
        raise DeliveryError(f"{what} (SMTP {code})", permanent=code >= 500) from None
    except smtplib.SMTPServerDisconnected:
        raise DeliveryError("the mail server hung up") from None
    except (smtplib.SMTPException, OSError) as error:  # refused, unreachable, timed out, TLS
        raise DeliveryError(f"mail server unreachable ({type(error).__name__})") from None


def _send(message: EmailMessage, settings: MailSettings) -> None:
    with smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout) as smtp:
        if settings.starttls:
            smtp.starttls(context=ssl.create_default_context())
        if settings.username:
            smtp.login(settings.username, settings.password)
        smtp.send_message(message)
