"""The auditor's workspace: one blueprint (blueprint.py), its routes grouped by feature.

Each feature module attaches its routes to `bp` when imported; importing them here is what
registers them.
"""

from __future__ import annotations

from smp_hygiene.views.audit import (  # noqa: F401  imported for their routes
    chair_refusals,
    dashboard,
    log,
    reaction_inbox,
    reactions,
    recalls,
    sessions,
    signals,
    sterilisation,
    traceability,
)
from smp_hygiene.views.audit.blueprint import bp

__all__ = ["bp"]
