"""The shared tablet: technicians switch in with a personal PIN on a device an admin trusted.

A tablet idles out after IDLE_TIMEOUT_MINUTES like any login, but coming back costs a tap on
your name and a PIN, not a full password mid-treatment; what is recorded next is signed by
whoever switched in. A PIN session lives only as long as the tablet's trust: revoking the
device, or clearing its cookie, ends it at the next request.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, RadioField
from wtforms.validators import DataRequired, EqualTo, InputRequired

from smp_hygiene.errors import DomainError, InvalidCredentials
from smp_hygiene.extensions import db
from smp_hygiene.models import Role, SharedDevice
from smp_hygiene.services.people import devices, pins
from smp_hygiene.views.auth import failed_sign_in_limit, role_required, safe_next
from smp_hygiene.views.ids import record_id
from smp_hygiene.views.writes import done, handle_refusals, refusal_page

bp = Blueprint("tablet", __name__, url_prefix="/tablet")


class SwitchForm(FlaskForm):
    """Whose PIN this is, and the PIN; no nonce, since switching in twice does no harm."""

    # validate_choice off: an id not on the list gets the service's answer, the same as a wrong PIN.
    user = RadioField(
        "Who are you?",
        coerce=record_id,
        validators=[InputRequired()],
        choices=[],
        validate_choice=False,
    )
    pin = PasswordField("PIN", validators=[DataRequired()])


class PinForm(FlaskForm):
    """Your password, to prove it is you, and the new PIN twice."""

    password = PasswordField("Your password", validators=[DataRequired()])
    pin = PasswordField("New PIN (6 to 8 digits)", validators=[DataRequired()])
    confirm = PasswordField(
        "New PIN again", validators=[DataRequired(), EqualTo("pin", "The two PINs differ.")]
    )


def this_device() -> SharedDevice | None:
    """The trusted tablet this browser is, from its cookie, or None."""
    return devices.find_device(request.cookies.get(current_app.config["DEVICE_COOKIE_NAME"]))


def _count_wrong_pin(error: DomainError) -> None:
    device, chosen = this_device(), SwitchForm().user.data
    if isinstance(error, InvalidCredentials) and device and isinstance(chosen, int):
        pins.record_wrong_pin(device, chosen)


handle_refusals(bp, "tablet.switch", record=_count_wrong_pin)


def _switch_form(device: SharedDevice) -> SwitchForm:
    form = SwitchForm()
    form.user.choices = [(user.id, user.name) for user in pins.list_pin_users(device)]
    return form


def _pin_refused(error: DomainError):
    # The page again with 401, so the per-address limit counts it; the PIN box comes back empty.
    flash(str(error), "error")
    device = this_device()
    if device is None:
        return render_template("tablet/untrusted.html"), 403
    return render_template("tablet/switch.html", form=_switch_form(device), device=device), (
        error.http_status
    )


@bp.route("/", methods=["GET", "POST"])
@failed_sign_in_limit("pin-address")
@refusal_page(_pin_refused)
def switch():
    """Tap your name, type your PIN, carry on where the tablet was."""
    device = this_device()
    if device is None:
        return render_template("tablet/untrusted.html"), 403
    form = _switch_form(device)
    if not form.validate_on_submit():
        return render_template("tablet/switch.html", form=form, device=device)
    user = pins.sign_in_with_pin(device, form.user.data, form.pin.data)
    db.session.commit()
    _sign_in(user, device)
    return redirect(safe_next(request.args.get("next")) or url_for("home.index"))


def _sign_in(user, device: SharedDevice) -> None:
    logout_user()
    session.clear()
    login_user(user)
    session.permanent = True
    session["device_id"] = device.id


@bp.post("/out")
@login_required
def switch_out():
    """Hand the tablet over: this login's session here ends; its others stay open."""
    logout_user()
    session.clear()
    return redirect(url_for("tablet.switch"))


@bp.route("/pin", methods=["GET", "POST"])
@role_required(Role.TECHNICIAN)
def pin():
    """Set or change your own PIN for the clinic's shared tablets."""
    form = PinForm()
    if not form.validate_on_submit():
        return render_template("tablet/pin.html", form=form, has_pin=current_user.pin_hash)
    pins.set_pin(current_user, form.password.data, form.pin.data)
    return done(url_for("home.index"), "PIN set: use it to switch in on the clinic's tablets.")


@bp.post("/pin/remove")
@role_required(Role.TECHNICIAN)
def remove_pin():
    """Switch PIN sign-in off for your login."""
    pins.remove_pin(current_user)
    return done(url_for("tablet.pin"), "PIN removed: sign in with your password from now on.")


def register(app: Flask) -> None:
    """On a trusted tablet the sign-in page is the PIN switch (a password stays one link away);
    a PIN session holds only while its tablet is still trusted and still this browser."""
    app.register_blueprint(bp)
    # A function, not `session` in templates: chair pages name their treatment session `session`.
    app.add_template_global(lambda: "device_id" in session, "on_shared_tablet")

    @app.before_request
    def offer_pin_on_a_tablet() -> Response | None:
        if request.endpoint != "auth.login" or request.method != "GET":
            return None
        if "password" in request.args or this_device() is None:
            return None
        return redirect(url_for("tablet.switch", next=safe_next(request.args.get("next"))))

    @app.before_request
    def end_pin_session_off_its_tablet() -> Response | None:
        device_id = session.get("device_id")
        if device_id is None or not current_user.is_authenticated:
            return None
        device = this_device()
        if device is not None and device.id == device_id:
            return None
        logout_user()
        session.clear()
        flash("This tablet is no longer trusted: sign in with your password.", "info")
        return redirect(url_for("auth.login"))
