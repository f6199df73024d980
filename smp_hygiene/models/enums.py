"""Every status and kind in the domain, as string enums."""

from __future__ import annotations

import enum


class Role(enum.StrEnum):
    TECHNICIAN = "technician"
    AUDITOR = "auditor"
    ADMIN = "admin"


class ProductKind(enum.StrEnum):
    NEEDLE_CARTRIDGE = "needle_cartridge"
    PIGMENT = "pigment"
    OTHER = "other"  # diluents, barrier film, antiseptics...

    @property
    def label(self) -> str:
        return {"needle_cartridge": "Needle cartridge", "pigment": "Pigment"}.get(
            self.value, "Other consumable"
        )


class LotStatus(enum.StrEnum):
    AVAILABLE = "available"
    QUARANTINED = "quarantined"
    RECALLED = "recalled"
    USED_UP = "used_up"
    NON_COMPLIANT_LABEL = "non_compliant_label"


class SterilisationMethod(enum.StrEnum):
    ETHYLENE_OXIDE = "EO"
    GAMMA = "gamma"
    STEAM = "steam"
    ELECTRON_BEAM = "e-beam"


class PatchTestResult(enum.StrEnum):
    NEGATIVE = "negative"
    POSITIVE = "positive"
    INCONCLUSIVE = "inconclusive"


class PatchTestMode(enum.StrEnum):
    """BLOCK is the default; WARN only where the clinic's jurisdiction allows it."""

    BLOCK = "block"
    WARN = "warn"


class SessionStatus(enum.StrEnum):
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    VOIDED = "voided"
