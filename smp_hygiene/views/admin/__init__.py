"""The admin's workspace: clinic settings, checklist, consent forms, logins, keys, cards and
retention.

One blueprint (in `blueprint.py`); its routes are split by subject into sibling modules, which
attach themselves to it when imported here.
"""

from __future__ import annotations

from smp_hygiene.views.admin import (  # noqa: F401  importing a module registers its routes
    aftercare,
    api_tokens,
    cards,
    checklist,
    consent_forms,
    devices,
    products,
    retention,
    settings,
    signing_keys,
    staff,
)
from smp_hygiene.views.admin.blueprint import bp

__all__ = ["bp"]
