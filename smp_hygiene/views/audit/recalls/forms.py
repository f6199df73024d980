"""Forms of the recall pages: they read the shape of what was typed; the services judge it."""

from __future__ import annotations

from datetime import date, datetime

from flask_login import current_user
from wtforms import StringField, TextAreaField
from wtforms.validators import Optional

from smp_hygiene.errors import InvalidInput
from smp_hygiene.extensions import db
from smp_hygiene.models import NotificationChannel, Product, RecallScope, TreatmentSession
from smp_hygiene.views.clock import from_clinic_time
from smp_hygiene.views.forms import BaseForm, IdField
from smp_hygiene.views.loading import own_or_404


class OpenRecallForm(BaseForm):
    """A recall of one lot, a range or list of lots, or a whole product."""

    product_id = IdField(validators=[Optional()])
    scope = StringField(default="")
    lots = TextAreaField(default="")
    range_first = StringField(default="")
    range_last = StringField(default="")
    reason = TextAreaField(default="")
    source_reference = StringField(default="")
    lookback_from = StringField(default="")

    def parsed_scope(self) -> RecallScope:
        try:
            return RecallScope(self.scope.data)
        except ValueError:
            raise InvalidInput("Choose what the recall covers.") from None

    def product(self) -> Product:
        """The chosen product, only ever one of the auditor's clinic."""
        product = db.session.get(Product, self.product_id.data or 0)
        if product is None or product.clinic_id != current_user.clinic_id:
            raise InvalidInput("Choose the recalled product.")
        return product

    def lot_numbers(self, scope: RecallScope) -> list[str]:
        """First and last of a range, or the notice's batch text, one lot per line."""
        if scope is RecallScope.LOT_RANGE:
            return [self.range_first.data, self.range_last.data]
        # Commas stay inside a line: "lot code RB0624, Best Before June 28, 2027" is one lot.
        return [line for line in self.lots.data.splitlines() if line.strip()]

    def parsed_lookback_from(self) -> date | None:
        return parse_lookback(self.lookback_from.data)


def parse_lookback(text: str | None) -> date | None:
    """The look-back's first day as typed (YYYY-MM-DD); empty means the default."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput("The look-back start is not a date (YYYY-MM-DD).") from None


class NotifyForm(BaseForm):
    """How and when an affected client was told."""

    client_id = IdField(validators=[Optional()])
    session_id = IdField(validators=[Optional()])
    channel = StringField(default="")
    notified_at = StringField(default="")
    note = StringField(default="")

    def parsed_channel(self) -> NotificationChannel:
        try:
            return NotificationChannel(self.channel.data)
        except ValueError:
            raise InvalidInput("Choose how the client was told.") from None

    def parsed_notified_at(self) -> datetime | None:
        """The time typed on the clinic's clock; empty means now."""
        text = self.notified_at.data.strip()
        if not text:
            return None
        try:
            return from_clinic_time(datetime.fromisoformat(text))
        except ValueError:
            raise InvalidInput("The notification time is not a date and time.") from None

    def session(self) -> TreatmentSession | None:
        """The session named, resolved in the auditor's clinic like the client (404 otherwise)."""
        if self.session_id.data is None:
            return None
        return own_or_404(TreatmentSession, self.session_id.data)


class LookbackForm(BaseForm):
    """An earlier first day for the look-back."""

    lookback_from = StringField(default="")

    def parsed_lookback_from(self) -> date:
        start = parse_lookback(self.lookback_from.data)
        if start is None:
            raise InvalidInput("Give the day the look-back should start.")
        return start


class CloseRecallForm(BaseForm):
    """Why the look-back ends."""

    close_reason = TextAreaField(default="")
