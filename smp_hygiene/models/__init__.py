"""All tables; import names from here."""

from smp_hygiene.models.audit import AuditEntry, ChainCheckpoint
from smp_hygiene.models.bookings import Booking, BookingStatus, booking_pigment
from smp_hygiene.models.consent import Consent, ConsentTemplate
from smp_hygiene.models.enums import (
    LotStatus,
    PatchTestMode,
    PatchTestResult,
    ProductKind,
    Role,
    SessionStatus,
    SterilisationMethod,
)
from smp_hygiene.models.patch_tests import PatchTest, patch_test_lot, patch_test_product
from smp_hygiene.models.people import Client, Clinic, LoginThrottle, SharedDevice, User
from smp_hygiene.models.reactions import AdverseReaction, ReactionSeverity, ReactionStatus
from smp_hygiene.models.recalls import (
    ClientNotification,
    NotificationChannel,
    Recall,
    RecallLot,
    RecallScope,
)
from smp_hygiene.models.sessions import (
    Addendum,
    ChecklistAnswer,
    ChecklistItem,
    Refusal,
    SafetyOverride,
    SupplyUse,
    TreatmentSession,
)
from smp_hygiene.models.sterilisation import (
    BiologicalIndicatorTest,
    BowieDickTest,
    CycleStatus,
    IndicatorResult,
    InstrumentPack,
    OverdueMode,
    PackStatus,
    PackUse,
    SporeResult,
    SterilisationSettings,
    Steriliser,
    SteriliserCycle,
    SteriliserProgram,
    SteriliserStatus,
    SteriliserType,
)
from smp_hygiene.models.submissions import FormSubmission
from smp_hygiene.models.supplies import Product, SupplyLot
from smp_hygiene.models.verification import PublicRecordRender, SigningKey, VerifyCard

__all__ = [
    "Addendum",
    "AdverseReaction",
    "AuditEntry",
    "BiologicalIndicatorTest",
    "Booking",
    "booking_pigment",
    "BookingStatus",
    "BowieDickTest",
    "ChainCheckpoint",
    "ChecklistAnswer",
    "ChecklistItem",
    "Client",
    "ClientNotification",
    "Clinic",
    "Consent",
    "ConsentTemplate",
    "CycleStatus",
    "FormSubmission",
    "IndicatorResult",
    "InstrumentPack",
    "LoginThrottle",
    "LotStatus",
    "NotificationChannel",
    "OverdueMode",
    "PackStatus",
    "PublicRecordRender",
    "PackUse",
    "patch_test_lot",
    "patch_test_product",
    "PatchTest",
    "PatchTestMode",
    "PatchTestResult",
    "Product",
    "ProductKind",
    "ReactionSeverity",
    "ReactionStatus",
    "Recall",
    "RecallLot",
    "RecallScope",
    "Refusal",
    "Role",
    "SafetyOverride",
    "SessionStatus",
    "SigningKey",
    "SporeResult",
    "SterilisationMethod",
    "SterilisationSettings",
    "Steriliser",
    "SteriliserCycle",
    "SteriliserProgram",
    "SteriliserStatus",
    "SteriliserType",
    "SupplyLot",
    "SupplyUse",
    "TreatmentSession",
    "SharedDevice",
    "User",
    "VerifyCard",
]
