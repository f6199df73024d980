"""Sterilisation for auditors: the steriliser registry and settings, each steriliser's cycle log,
cycles and their release, spore tests and their fallout, pack labels and discarded packs."""

from smp_hygiene.views.audit.sterilisation import (  # noqa: F401  imported for their routes
    cycles,
    log,
    packs,
    registry,
    spore_tests,
)
