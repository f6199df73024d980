"""The clinic, the people who work in it, and the clients they treat."""

from __future__ import annotations

from datetime import date, datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from smp_hygiene.models.base import Model, UTCDateTime, enum_type
from smp_hygiene.models.enums import PatchTestMode, Role
from smp_hygiene.timeutil import utcnow


class Clinic(Model):
    """A practice with its own settings; where jurisdictions differ, the rule is a setting here."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(Text, default="")
    phone: Mapped[str] = mapped_column(String(50), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    jurisdiction: Mapped[str] = mapped_column(String(50), default="EU")
    # IANA zone: "expired on the day of the session" means the clinic's day, not UTC's.
    timezone: Mapped[str] = mapped_column(String(64), default="UTC", server_default="UTC")
    # Patch tests (DOMAIN R25): industry practice, so every figure is a setting. A test is
    # applied at least `wait_hours` before the session and read no earlier than `wait_hours`
    # after it was applied; it clears for `valid_days` from its application.
    patch_test_wait_hours: Mapped[int] = mapped_column(default=48)
    patch_test_valid_days: Mapped[int] = mapped_column(default=180)
    # False: a test clears the pigment product; True: only the lots tested.
    is_patch_test_per_lot: Mapped[bool] = mapped_column(default=False, server_default=false())
    patch_test_mode: Mapped[PatchTestMode] = mapped_column(
        enum_type(PatchTestMode), default=PatchTestMode.BLOCK
    )
    # SMP scalps need at least five days to heal between sessions (DOMAIN R26).
    healing_gap_days: Mapped[int] = mapped_column(default=5)
    # EU REACH Annex XVII entry 75 label data (DOMAIN R1) is law in the EU, not everywhere.
    requires_eu_ink_label: Mapped[bool] = mapped_column(default=True)
    # Never below 3 years, so that a Safety Gate look-back still finds the client.
    retention_years: Mapped[int] = mapped_column(default=5)
    # Hours to notify the health department of a reaction (R24: 24 h in several US county
    # codes); None where the jurisdiction asks for no notice.
    reaction_notice_hours: Mapped[int | None] = mapped_column(default=24)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class User(UserMixin, Model):
    """A login: technician, auditor or admin of one clinic."""

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinic.id"), index=True)
    email: Mapped[str] = mapped_column(String(200), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    licence_number: Mapped[str] = mapped_column(String(100), default="")
    # Who issued the licence or registration: a number means little to an inspector without it.
    licence_issuer: Mapped[str] = mapped_column(String(200), default="", server_default="")
    role: Mapped[Role] = mapped_column(enum_type(Role), default=Role.TECHNICIAN)
    password_hash: Mapped[str] = mapped_column(String(255), default="")
    is_active_user: Mapped[bool] = mapped_column(default=True)
    # Part of the id the session cookie carries: bumping it signs out every copy of the cookie
    # (logout, password change, deactivation, an admin's reset).
    session_version: Mapped[int] = mapped_column(default=1, server_default="1")
    # Set by an admin: the next sign-in must choose a new password before anything else.
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=false())
    # A personal PIN for switching user on the clinic's shared tablet (services/people/pins.py):
    # argon2 like the password, and wiped after PIN_TRIES wrong PINs in a row.
    pin_hash: Mapped[str | None] = mapped_column(String(255))
    pin_failures: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    clinic: Mapped[Clinic] = relationship()

    def get_id(self) -> str:
        """What Flask-Login keeps in the cookie: the id and the session version it was issued at."""
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users at login
        return self.is_active_user

    @property
    def name(self) -> str:
        return self.display_name or self.email

    @property
    def licence(self) -> str:
        """The licence as records print it, e.g. "licence BP-2231, issued by Brussels Health"."""
        return licence_words(self.licence_number, self.licence_issuer)


def licence_words(number: str, issuer: str) -> str:
    """A licence number and its issuer as records print them (also from plain rows)."""
    if not number:
        return ""
    issued = f", issued by {issuer}" if issuer else ""
    return f"licence {number}{issued}"


class LoginThrottle(Model):
    """Failed sign-ins for one typed email, known or not, so a lockout reveals no account."""

    email: Mapped[str] = mapped_column(String(200), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SharedDevice(Model):
    """A tablet an admin trusted for the clinic: its cookie lets technicians switch in by PIN.

    The cookie alone signs nobody in; only its hash is stored, so a database copy cannot be
    turned into a trusted tablet.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinic.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    trusted_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    clinic: Mapped[Clinic] = relationship()
    trusted_by: Mapped[User] = relationship()


class Client(Model):
    """The person treated. Contact data stays inside the clinic; public pages show initials."""

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinic.id"), index=True)
    full_name: Mapped[str] = mapped_column(String(200))
    date_of_birth: Mapped[date]
    phone: Mapped[str] = mapped_column(String(50), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(Text, default="")
    medical_notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set when the retention period ended and the personal data was erased (services/retention).
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    clinic: Mapped[Clinic] = relationship()

    @property
    def initials(self) -> str:
        if self.anonymised_at is not None:
            return "(anonymised)"
        return "".join(f"{part[0].upper()}." for part in self.full_name.split() if part)
