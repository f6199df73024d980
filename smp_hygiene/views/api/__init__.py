"""The JSON API under /api/v1: one flask-smorest blueprint (blueprint.py), token sign-in
(tokens.py), idempotent writes (writes.py), cursor pages (paging.py), and one module per
resource, each calling the same services as the HTML views."""

from __future__ import annotations

from smp_hygiene.views.api import (  # noqa: F401  importing a module registers its routes
    clients,
    lots,
    patch_tests,
    products,
    reactions,
    recalls,
    sessions,
    sterilisation,
    trace,
)
from smp_hygiene.views.api.blueprint import bp, register

__all__ = ["bp", "register"]
