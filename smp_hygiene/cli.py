"""`flask --app wsgi ...` commands: thin wrappers that call services and commit once.

The commands live in `smp_hygiene.commands`, one module per subject; this adds them all.
"""

from __future__ import annotations

from flask import Flask

from smp_hygiene.commands import (
    audit,
    backup,
    consents,
    notifications,
    retention,
    setup,
    supplies,
    verification,
    verify_qr,
)

MODULES = (setup, consents, supplies, audit, verification, verify_qr, retention, backup)
MODULES += (notifications,)


def register(app: Flask) -> None:
    for module in MODULES:
        for command in module.COMMANDS:
            app.cli.add_command(command)
