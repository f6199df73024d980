"""Login, logout, idle timeout and the role guard every protected view uses."""

from __future__ import annotations

import functools
import math
import time
from datetime import timedelta
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_limiter import RateLimitExceeded
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, EqualTo

from smp_hygiene import logs
from smp_hygiene.errors import DomainError, InvalidCredentials
from smp_hygiene.extensions import db, limiter, login_manager
from smp_hygiene.models import Role, User
from smp_hygiene.services.people import users
from smp_hygiene.timeutil import utcnow
from smp_hygiene.views.signed_out import signed_out_json
from smp_hygiene.views.writes import done, handle_refusals, refusal_page, wants_json

bp = Blueprint("auth", __name__, url_prefix="/auth")


class LoginForm(FlaskForm):
    """Email and password; no nonce, since signing in twice does no harm."""

    email = EmailField("Email", validators=[DataRequired()])
    password = PasswordField("Password", validators=[DataRequired()])


class PasswordForm(FlaskForm):
    """The current password, and the new one twice; no nonce, a repeat is refused anyway."""

    current = PasswordField("Current password", validators=[DataRequired()])
    new = PasswordField("New password", validators=[DataRequired()])
    confirm = PasswordField(
        "New password again",
        validators=[DataRequired(), EqualTo("new", message="The two new passwords differ.")],
    )


def _count_failed_sign_in(error: DomainError) -> None:
    # The refusal rolled the request back; the failure itself must still be counted. A wrong
    # current password on the change page counts too, or a borrowed session could guess it.
    if not isinstance(error, InvalidCredentials):
        return
    if request.endpoint == "auth.login":
        users.record_failed_sign_in(LoginForm().email.data or "")
    elif current_user.is_authenticated:
        users.record_failed_sign_in(current_user.email)


handle_refusals(bp, "auth.login", record=_count_failed_sign_in)


def role_required(*roles: Role):
    """Let the view run only for a logged-in user holding one of `roles`; pass the sets that
    `services.people.permissions` names, e.g. `role_required(*AUDIT_ROLES)`."""
    allowed = frozenset(roles)

    def decorate(view):
        @functools.wraps(view)
        @login_required
        def guarded(**kwargs):
            if current_user.role not in allowed:
                abort(403)
            return view(**kwargs)

        return guarded

    return decorate


def safe_next(target: str | None) -> str | None:
    """Follow `next` only to a path on this site, never to another host."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target:  # browsers read a backslash as a slash: another host
        return None
    return target


def _login_refused(error: DomainError):
    # 401 (429 while paused) and the form again, whichever rule refused.
    flash(str(error), "error")
    return render_template("auth/login.html", form=LoginForm()), error.http_status


@bp.errorhandler(RateLimitExceeded)
def address_limited(error: RateLimitExceeded):
    """Too many failed sign-ins from this address: only this address waits, not the account."""
    limit = limiter.current_limit
    # reset_at is rounded up to the next whole second, hence the 1.
    seconds = limit.reset_at - 1 - time.time() if limit else error.limit.limit.get_expiry()
    minutes = max(1, math.ceil(seconds / 60))
    flash(
        f"Too many attempts: try again in {minutes} minute{'s' if minutes != 1 else ''}.", "error"
    )
    return render_template("auth/login.html", form=LoginForm()), 429


def failed_sign_in_limit(scope: str):
    """Per-address limit on failed sign-ins (LOGIN_ADDRESS_RATE_LIMIT): only answers of 401
    count, so a busy clinic behind one address is not slowed by its successful sign-ins."""
    return limiter.limit(
        lambda: current_app.config["LOGIN_ADDRESS_RATE_LIMIT"],
        methods=["POST"],
        scope=scope,
        deduct_when=lambda response: response.status_code == InvalidCredentials.http_status,
    )


@bp.route("/login", methods=["GET", "POST"])
@failed_sign_in_limit("login-address")
@refusal_page(_login_refused)
def login():
    """Sign in with email and password, then go where the user was headed."""
    form = LoginForm()
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form)
    user = users.authenticate(form.email.data, form.password.data)
    db.session.commit()  # a rehashed password, a cleared failure count
    login_user(user)
    session.permanent = True
    if user.must_change_password:
        return redirect(url_for("auth.password"))
    return redirect(safe_next(request.args.get("next")) or url_for("home.index"))


@bp.post("/logout")
@login_required
def logout():
    """Sign out everywhere: a copy of this cookie taken before now opens nothing."""
    users.sign_out(current_user)
    db.session.commit()
    logout_user()
    session.clear()
    flash("Signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password():
    """Choose a new password; other sessions of this login end, this one carries on."""
    form = PasswordForm()
    if not form.validate_on_submit():
        return render_template("auth/password.html", form=form, least=users.MIN_PASSWORD_LENGTH)
    users.change_password(current_user, form.current.data, form.new.data)
    login_user(current_user._get_current_object())  # re-issue the cookie at the new version
    return done(url_for("home.index"), "Password changed.")


def signed_in_cookie() -> bool:
    """Does this request's session cookie name a login at all? Checked before `current_user`, so
    anonymous requests (the patient page above all) never run the user loader's machinery; we
    issue no remember-me cookie, so the session cookie is the only way in."""
    return "_user_id" in session


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The cookie names a login and its session version: a deactivated login, or one signed out
    or re-passworded since the cookie was issued, is signed out at its next request."""
    ident, _, version = user_id.partition(":")
    if not all(part.isascii() and part.isdigit() and len(part) < 16 for part in (ident, version)):
        return None
    user = users.find_user_with_clinic(int(ident))
    if user is None or not user.is_active or user.session_version != int(version):
        return None
    g.setdefault(logs.LOGIN_IDS, (user.clinic_id, user.id))
    return user


def register_login(app: Flask) -> None:
    """Shared tablets: a login idles out after IDLE_TIMEOUT_MINUTES without a request."""
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in."
    app.permanent_session_lifetime = timedelta(minutes=app.config["IDLE_TIMEOUT_MINUTES"])
    app.before_request(_new_password_first)

    @app.before_request
    def expire_idle_login():
        if not signed_in_cookie() or not current_user.is_authenticated:
            return None
        last = session.get("last_seen")
        now = utcnow().timestamp()
        limit = current_app.config["IDLE_TIMEOUT_MINUTES"] * 60
        if last is not None and now - last > limit:
            logout_user()
            session.clear()
            if wants_json():  # the chair's scripts: a 401 they can explain (views/signed_out.py)
                return signed_out_json()
            flash("You were signed out after a period of inactivity.", "info")
            return redirect(url_for("auth.login", next=request.path))
        session["last_seen"] = now
        return None


OPEN_BEFORE_NEW_PASSWORD = ("auth.password", "auth.logout", "static")


def _new_password_first():
    """After an admin required a reset, nothing opens until the new password is chosen."""
    if not (signed_in_cookie() and current_user.is_authenticated):
        return None
    if not current_user.must_change_password or request.endpoint in OPEN_BEFORE_NEW_PASSWORD:
        return None
    flash("Your admin asked you to choose a new password before going on.", "info")
    return redirect(url_for("auth.password"))
