"""Login, logout, idle timeout and the role guard every protected view uses."""

from __future__ import annotations

import functools
from datetime import timedelta
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    abort,
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
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired

from smp_hygiene.errors import DomainError
from smp_hygiene.extensions import db, login_manager
from smp_hygiene.models import Role, User
from smp_hygiene.services.people import users
from smp_hygiene.timeutil import utcnow
from smp_hygiene.views.writes import handle_refusals, refusal_page

bp = Blueprint("auth", __name__, url_prefix="/auth")
handle_refusals(bp, "auth.login")


class LoginForm(FlaskForm):
    """Email and password; no nonce, since signing in twice does no harm."""

    email = EmailField("Email", validators=[DataRequired()])
    password = PasswordField("Password", validators=[DataRequired()])


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
    return target


def _login_refused(error: DomainError):
    # 401 and the form again, whichever rule refused (wrong password, deactivated login).
    flash(str(error), "error")
    return render_template("auth/login.html", form=LoginForm()), 401


@bp.route("/login", methods=["GET", "POST"])
@refusal_page(_login_refused)
def login():
    """Sign in with email and password, then go where the user was headed."""
    form = LoginForm()
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form)
    user = users.authenticate(form.email.data, form.password.data)
    db.session.commit()  # a rehashed password
    login_user(user)
    session.permanent = True
    return redirect(safe_next(request.args.get("next")) or url_for("home.index"))


@bp.post("/logout")
@login_required
def logout():
    """Sign out; a POST, so a stray link cannot log a technician out mid-session."""
    logout_user()
    session.clear()
    flash("Signed out.", "info")
    return redirect(url_for("auth.login"))


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """A deactivated login is signed out at its next request, not only refused at login."""
    user = db.session.get(User, int(user_id))
    return user if user is not None and user.is_active else None


def register_login(app: Flask) -> None:
    """Shared tablets: a login idles out after IDLE_TIMEOUT_MINUTES without a request."""
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in."
    app.permanent_session_lifetime = timedelta(minutes=app.config["IDLE_TIMEOUT_MINUTES"])

    @app.before_request
    def expire_idle_login():
        if not current_user.is_authenticated:
            return None
        last = session.get("last_seen")
        now = utcnow().timestamp()
        limit = current_app.config["IDLE_TIMEOUT_MINUTES"] * 60
        if last is not None and now - last > limit:
            logout_user()
            session.clear()
            flash("You were signed out after a period of inactivity.", "info")
            return redirect(url_for("auth.login", next=request.path))
        session["last_seen"] = now
        return None
