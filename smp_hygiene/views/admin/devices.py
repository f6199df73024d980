"""Shared tablets: trust the device you are on for the clinic's PIN switch-user, or revoke one."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, render_template, url_for
from flask_login import current_user
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from smp_hygiene.models import SharedDevice
from smp_hygiene.services.people import devices
from smp_hygiene.views.admin.blueprint import bp
from smp_hygiene.views.admin.forms import submitted
from smp_hygiene.views.forms import BaseForm
from smp_hygiene.views.loading import own_or_404
from smp_hygiene.views.tablet import this_device
from smp_hygiene.views.writes import done, once


class DeviceForm(BaseForm):
    """The name staff will know the tablet by."""

    name = StringField("Tablet name", validators=[DataRequired(), Length(max=100)])


@bp.get("/devices")
def devices_page():
    """The clinic's shared tablets, and whether this browser is one of them."""
    return render_template(
        "admin/devices.html",
        devices=devices.list_devices(current_user),
        here=this_device(),
        form=DeviceForm(formdata=None),
    )


@bp.post("/devices")
@once
def trust_device():
    """Trust the device you are on: technicians can then switch in on it with their PIN."""
    form = submitted(DeviceForm())
    device, token = devices.trust_device(current_user, form.name.data)
    response = done(url_for("admin.devices_page"), f"{device.name} is now a shared tablet.")
    config = current_app.config
    response.set_cookie(
        config["DEVICE_COOKIE_NAME"],
        token,
        max_age=timedelta(days=config["DEVICE_COOKIE_DAYS"]),
        secure=config.get("SESSION_COOKIE_SECURE", False),
        httponly=True,
        samesite="Lax",
    )
    return response


@bp.post("/devices/<int:device_id>/revoke")
@once
def revoke_device(device_id: int):
    """Stop a lost or replaced tablet offering PIN sign-in; its PIN sessions end at once."""
    device = own_or_404(SharedDevice, device_id)
    devices.revoke_device(current_user, device)
    return done(url_for("admin.devices_page"), f"{device.name} is no longer trusted.")
