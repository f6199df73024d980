"""The technician's chair: one blueprint (in `blueprint`), its routes split by subject into
sibling modules, which attach themselves to `bp` when imported here."""

from __future__ import annotations

from smp_hygiene.views.chair import (
    bookings,
    check_ins,
    clients,
    consent,
    patch_tests,
    receiving,
    sessions,
    stock,
    today,
)
from smp_hygiene.views.chair.blueprint import bp

__all__ = [
    "bookings",
    "bp",
    "check_ins",
    "clients",
    "consent",
    "patch_tests",
    "receiving",
    "sessions",
    "stock",
    "today",
]
