"""Form submissions already handled, so a double tap on a chair form acts once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from smp_hygiene.models.base import Model, UTCDateTime
from smp_hygiene.timeutil import utcnow


class FormSubmission(Model):
    """One handled form, keyed by the random nonce the page put in it; unique, so two
    simultaneous posts of the same form cannot both commit."""

    id: Mapped[int] = mapped_column(primary_key=True)
    nonce: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    result_url: Mapped[str] = mapped_column(String(300))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
