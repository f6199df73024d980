"""Reprocessed instruments: sterilisers, their cycles and tests, and the packs they produce."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from smp_hygiene.models.base import Model, UTCDateTime, enum_type
from smp_hygiene.models.people import Clinic, User
from smp_hygiene.models.sessions import TreatmentSession
from smp_hygiene.timeutil import utcnow


class SteriliserType(enum.StrEnum):
    PREVAC = "prevac"  # dynamic air removal: needs a daily Bowie-Dick test (R18)
    GRAVITY = "gravity"

    @property
    def label(self) -> str:
        """How a page, export or PDF names it; the value is only for the database and forms."""
        return {"prevac": "pre-vacuum", "gravity": "gravity"}[self.value]


class SteriliserStatus(enum.StrEnum):
    IN_SERVICE = "in_service"
    OUT_OF_SERVICE = "out_of_service"


class SteriliserProgram(enum.StrEnum):
    GRAVITY_121 = "gravity_121"
    GRAVITY_134 = "gravity_134"
    PREVAC_121 = "prevac_121"
    PREVAC_134 = "prevac_134"

    @property
    def label(self) -> str:
        """How every page, export and PDF names the program ("pre-vacuum 134 °C")."""
        degrees = self.value.split("_")[1]
        return f"{self.air_removal.label} {degrees} °C"

    @property
    def air_removal(self) -> SteriliserType:
        return SteriliserType(self.value.split("_")[0])


class IndicatorResult(enum.StrEnum):
    PASS = "pass"  # noqa: S105  (a test result, not a password)  # nosec B105
    FAIL = "fail"


class SporeResult(enum.StrEnum):
    NEGATIVE = "negative"  # no growth: the spores were killed
    POSITIVE = "positive"  # growth


class CycleStatus(enum.StrEnum):
    RECORDED = "recorded"
    RELEASED = "released"
    FAILED = "failed"
    QUARANTINED = "quarantined"


class PackStatus(enum.StrEnum):
    AVAILABLE = "available"
    QUARANTINED = "quarantined"
    USED = "used"
    DISCARDED = "discarded"


class OverdueMode(enum.StrEnum):
    WARN = "warn"
    BLOCK = "block"


class SterilisationSettings(Model):
    """A clinic's sterilisation rules (R14–R18); a clinic without a row uses the defaults."""

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinic.id"), unique=True)
    # CDC advises weekly for dental settings; most body-art codes ask for monthly (R15).
    spore_test_interval_days: Mapped[int] = mapped_column(default=7)
    spore_test_overdue_mode: Mapped[OverdueMode] = mapped_column(
        enum_type(OverdueMode), default=OverdueMode.WARN
    )
    # Montana: notify the health authority within one business day of a positive BI (R16).
    reports_positive_bi: Mapped[bool] = mapped_column(default=False)
    # None means event-related storage: no date, packs are judged by their condition (R17).
    pack_shelf_life_days: Mapped[int | None]
    # AAMI ST79 practice, unverified: hence a setting (R18).
    requires_daily_bowie_dick: Mapped[bool] = mapped_column(default=True)
    # California asks for a Type 5 integrator per load (R14).
    min_chemical_indicator_class: Mapped[int] = mapped_column(default=5)

    clinic: Mapped[Clinic] = relationship()


class Steriliser(Model):
    """One autoclave in a clinic's registry."""

    __table_args__ = (UniqueConstraint("clinic_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinic.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    serial: Mapped[str] = mapped_column(String(100))
    type: Mapped[SteriliserType] = mapped_column(enum_type(SteriliserType))
    status: Mapped[SteriliserStatus] = mapped_column(
        enum_type(SteriliserStatus), default=SteriliserStatus.IN_SERVICE
    )
    status_reason: Mapped[str] = mapped_column(Text, default="")
    # After a positive BI: 1 negative retest; after a positive retest: 3 in a row (R16.3).
    negative_retests_needed: Mapped[int] = mapped_column(default=0)
    installed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    clinic: Mapped[Clinic] = relationship()


class SteriliserCycle(Model):
    """One load through a steriliser, as its printout shows it (R13, R19)."""

    __table_args__ = (
        UniqueConstraint("steriliser_id", "cycle_number"),
        CheckConstraint("ci_class BETWEEN 1 AND 6", name="ci_class_iso_11140"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    steriliser_id: Mapped[int] = mapped_column(ForeignKey("steriliser.id"), index=True)
    cycle_number: Mapped[int]
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    program: Mapped[SteriliserProgram] = mapped_column(enum_type(SteriliserProgram))
    temperature_c: Mapped[float]
    exposure_minutes: Mapped[float]
    pressure_kpa: Mapped[float]  # absolute, as the printout shows it
    ci_class: Mapped[int]  # ISO 11140-1 type 1–6
    ci_result: Mapped[IndicatorResult] = mapped_column(enum_type(IndicatorResult))
    operator_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    printout_ref: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[CycleStatus] = mapped_column(
        enum_type(CycleStatus), default=CycleStatus.RECORDED
    )
    status_reason: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    released_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    steriliser: Mapped[Steriliser] = relationship()
    operator: Mapped[User] = relationship(foreign_keys=[operator_id])
    recorded_by: Mapped[User] = relationship(foreign_keys=[recorded_by_id])
    released_by: Mapped[User | None] = relationship(foreign_keys=[released_by_id])
    packs: Mapped[list[InstrumentPack]] = relationship(
        back_populates="cycle", order_by="InstrumentPack.id"
    )


class BowieDickTest(Model):
    """The daily air-removal test of a pre-vacuum steriliser, run in an empty chamber (R18)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    steriliser_id: Mapped[int] = mapped_column(ForeignKey("steriliser.id"), index=True)
    tested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    result: Mapped[IndicatorResult] = mapped_column(enum_type(IndicatorResult))
    test_pack_lot: Mapped[str] = mapped_column(String(100), default="")
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    steriliser: Mapped[Steriliser] = relationship()
    recorded_by: Mapped[User] = relationship()


class BiologicalIndicatorTest(Model):
    """A spore test processed in one cycle and read after incubation, with its control (R15)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    steriliser_id: Mapped[int] = mapped_column(ForeignKey("steriliser.id"), index=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("steriliser_cycle.id"), index=True)
    bi_lot: Mapped[str] = mapped_column(String(100))
    result: Mapped[SporeResult] = mapped_column(enum_type(SporeResult))
    control_result: Mapped[SporeResult] = mapped_column(enum_type(SporeResult))
    read_at: Mapped[datetime] = mapped_column(UTCDateTime)
    lab_report_ref: Mapped[str] = mapped_column(String(200), default="")
    is_retest: Mapped[bool] = mapped_column(default=False)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set when the clinic must report a positive result to its health authority (R16.5).
    authority_report_due_on: Mapped[date | None]
    authority_reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    authority_report_ref: Mapped[str] = mapped_column(String(200), default="")

    steriliser: Mapped[Steriliser] = relationship()
    cycle: Mapped[SteriliserCycle] = relationship()
    recorded_by: Mapped[User] = relationship()

    @property
    def authority_report_pending(self) -> bool:
        return self.authority_report_due_on is not None and self.authority_reported_at is None


# Event-related storage (R17) in the words a technician or auditor reads.
UNTIL_OPENED = "good until opened, wet or torn"


class InstrumentPack(Model):
    """One wrapped pack of reprocessed instruments, labelled SMPH-PACK:<code> (R17)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("steriliser_cycle.id"), index=True)
    contents: Mapped[str] = mapped_column(String(300))
    packed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_on: Mapped[date | None]  # None: event-related storage
    status: Mapped[PackStatus] = mapped_column(enum_type(PackStatus), default=PackStatus.AVAILABLE)
    status_reason: Mapped[str] = mapped_column(Text, default="")
    status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The positive spore test that made this pack suspect, even if it was already used.
    quarantined_by_test_id: Mapped[int | None] = mapped_column(
        ForeignKey("biological_indicator_test.id"), index=True
    )

    cycle: Mapped[SteriliserCycle] = relationship(back_populates="packs")
    quarantined_by_test: Mapped[BiologicalIndicatorTest | None] = relationship()
    use: Mapped[PackUse | None] = relationship(back_populates="pack")

    @property
    def keeps_until(self) -> str:
        """How long the pack stays usable, in plain words: a date, or (event-related storage,
        R17) until the pack is opened or damaged."""
        if self.expires_on is None:
            return UNTIL_OPENED
        return f"use by {self.expires_on.isoformat()}"


class PackUse(Model):
    """A pack opened for one session; the unique pack_id makes a second use impossible."""

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("treatment_session.id"), index=True)
    pack_id: Mapped[int] = mapped_column(ForeignKey("instrument_pack.id"), unique=True)
    used_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    used_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    raw_barcode: Mapped[str] = mapped_column(Text, default="")

    session: Mapped[TreatmentSession] = relationship()
    pack: Mapped[InstrumentPack] = relationship(back_populates="use")
    used_by: Mapped[User] = relationship()
