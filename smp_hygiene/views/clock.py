"""The clinic's clock at the edges: people type and read the clinic's time; we store UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo
from zoneinfo import ZoneInfo

from flask import Flask, g, has_request_context
from flask_login import current_user
from wtforms import DateTimeLocalField

from smp_hygiene.timeutil import from_local, local_time


def clinic_zone() -> str:
    """The zone of the page's record (public pages set it), else the signed-in user's clinic."""
    if not has_request_context():
        return "UTC"
    zone = g.get("clinic_zone")
    if zone:
        return zone
    # A table asks once per date it prints: the user's clinic is looked up once per request
    # (its zone is still read each time, so a clinic whose zone just changed shows the new one).
    clinic = g.get("user_clinic")
    if clinic is None and current_user.is_authenticated:
        clinic = g.user_clinic = current_user.clinic
    return clinic.timezone if clinic is not None else "UTC"


def use_clinic_zone(zone: str) -> None:
    """Public pages have no signed-in user: they show times in the record's clinic's zone."""
    g.clinic_zone = zone


def clinic_tzinfo() -> tzinfo:
    return ZoneInfo(clinic_zone())


def clinic_time(moment: datetime | None, fmt: str = "%Y-%m-%d %H:%M", zone: str = "") -> str:
    """A stored UTC moment as the clinic's wall clock shows it; empty for none."""
    if moment is None:
        return ""
    return local_time(moment, zone or clinic_zone()).strftime(fmt)


def clinic_date(moment: datetime | date | None, zone: str = "") -> str:
    """The clinic's calendar day of `moment` (a plain date is already one)."""
    if moment is None:
        return ""
    if not isinstance(moment, datetime):
        return moment.isoformat()
    return clinic_time(moment, "%Y-%m-%d", zone)


def from_clinic_time(wall_clock: datetime) -> datetime:
    """A time typed on the clinic's clock, as the aware UTC moment we store."""
    return from_local(wall_clock, clinic_zone())


class ClinicTimeField(DateTimeLocalField):
    """A datetime-local input read on the clinic's clock; `data` is aware UTC."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("tz", clinic_tzinfo)
        kwargs.setdefault("format", ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"])
        super().__init__(*args, **kwargs)

    def process_formdata(self, valuelist) -> None:
        super().process_formdata(valuelist)
        if self.data is not None:
            self.data = self.data.astimezone(UTC)


def register(app: Flask) -> None:
    """Templates print times with `clinic_time` and days with `clinic_date`, never raw UTC."""
    app.add_template_filter(clinic_time)
    app.add_template_filter(clinic_date)
    app.add_template_global(clinic_zone)
