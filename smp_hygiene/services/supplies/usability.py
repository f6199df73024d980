"""The rules that make a received lot unusable at the chair, and a pigment bottle's clock."""

from __future__ import annotations

import calendar
from datetime import date, datetime

from smp_hygiene.errors import UnsafeSupply
from smp_hygiene.models import LotStatus, SupplyLot, User
from smp_hygiene.services.audit import chain


def check_lot_usable(lot: SupplyLot, on: date) -> None:
    """Refuse expired, recalled, quarantined, non-compliant, used-up or unsterile lots: never
    overridable."""
    what = f"{lot.product.kind.label} lot {lot.lot_number}"
    if lot.status is LotStatus.RECALLED:
        raise UnsafeSupply(f"{what} was recalled{_why(lot)}. Do not use it; set it aside.")
    if lot.status is LotStatus.QUARANTINED:
        raise UnsafeSupply(f"{what} is quarantined{_why(lot)}. Do not use it.")
    if lot.status is LotStatus.NON_COMPLIANT_LABEL:
        raise UnsafeSupply(f"{what} has a non-compliant label{_why(lot)}. It cannot be used.")
    if lot.status is LotStatus.USED_UP:
        raise UnsafeSupply(f"{what} is marked as used up. Scan the lot you are actually using.")
    if lot.expiry_date and lot.expiry_date < on:
        raise UnsafeSupply(f"{what} expired on {lot.expiry_date.isoformat()}.")
    if lot.is_needle and (lot.sterility_expiry is None or lot.sterility_expiry < on):
        ended = lot.sterility_expiry.isoformat() if lot.sterility_expiry else "unknown"
        raise UnsafeSupply(f"{what} is no longer guaranteed sterile (sterility expiry {ended}).")
    _check_period_after_opening(lot, on)


def _check_period_after_opening(lot: SupplyLot, on: date) -> None:
    ends = period_after_opening_ends(lot)
    if ends is not None and lot.opened_at is not None and ends < on:
        raise UnsafeSupply(
            f"Pigment bottle lot {lot.lot_number} was opened on {lot.opened_at:%Y-%m-%d}; "
            f"its {lot.product.period_after_opening_months}-month period after opening ended "
            f"on {ends.isoformat()}."
        )


def period_after_opening_ends(lot: SupplyLot) -> date | None:
    """The last day an opened pigment bottle may be used (the chair and the stock view agree on
    it); None for a bottle not yet opened or a product without a period after opening."""
    months = lot.product.period_after_opening_months
    if not (lot.is_pigment and lot.opened_at and months):
        return None
    return add_months(lot.opened_at.date(), months)


def _why(lot: SupplyLot) -> str:
    parts = [p for p in (lot.status_reason.rstrip("."), lot.status_reference) if p]
    return f" ({'; '.join(parts)})" if parts else ""


def add_months(start: date, months: int) -> date:
    """Calendar months; the 31st of a short month becomes that month's last day."""
    year, month = divmod(start.month - 1 + months, 12)
    year, month = start.year + year, month + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def mark_opened(lot: SupplyLot, user: User, at: datetime) -> None:
    """The first use of a pigment bottle starts its period after opening."""
    if lot.opened_at is not None:
        return
    before = chain.snapshot(lot)
    lot.opened_at = at
    chain.record(user, "lot.opened", lot, before=before)
