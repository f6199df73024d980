"""A real SMTP server (aiosmtpd) on a free local port, and the inbox of what it accepted.

`refuse` answers RCPT for an address with a code (a bounce, a busy server); `hold_after` makes
the server sit on every message after the first N before accepting it, so a test can kill the
sender while a message is in flight (the server then drops it, as a real one would).
"""

from __future__ import annotations

import asyncio
import contextlib
import email
import socket
import threading
from collections.abc import Iterator
from email import policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Inbox:
    """What the server accepted, in order; safe to read from the test's thread."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.refuse: dict[str, str] = {}
        self.hold_after: int | None = None
        self.holding = threading.Event()
        self._lock = threading.Lock()

    def to(self, address: str) -> list[EmailMessage]:
        with self._lock:
            return [m for m in self.messages if m["To"] == address]

    def count(self) -> int:
        with self._lock:
            return len(self.messages)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        if self.hold_after is not None and self.count() >= self.hold_after:
            self.holding.set()
            await asyncio.sleep(60)  # cancelled when the sender's connection drops
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        with self._lock:
            self.messages.append(message)  # type: ignore[arg-type]
        return "250 Message accepted for delivery"


@contextlib.contextmanager
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    """Start the server; yield its inbox and port; stop it."""
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()
