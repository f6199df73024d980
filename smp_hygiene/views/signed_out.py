"""What a chair script hears when its login has gone: a 401 in JSON it can read and explain,
not the login page's HTML (which it could only call "no proper answer").

Three ways lead here: the idle timeout in `auth.register_login`, a cookie whose login was ended
elsewhere (flask-login's unauthorized handler), and a cookie the browser itself dropped when it
expired, which CSRFProtect notices before any login check (its token lived in that cookie).
"""

from __future__ import annotations

from flask import Flask, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_url
from flask_wtf.csrf import CSRFError

from smp_hygiene.extensions import login_manager
from smp_hygiene.views.writes import back, wants_json

IDLE = "You were signed out after a period of inactivity."
ENDED = "You were signed out."


def signed_out_json(message: str = IDLE):
    """401 with what to say and where to sign in; the login page repeats why."""
    flash(message, "info")
    target = url_for("auth.login", next=back("home.index"))
    body = {"ok": False, "error": "signed_out", "message": message, "login_url": target}
    return jsonify(body), 401


def _unauthorized():
    # flask-login's own answer, kept for pages: say why, then the login with `next`.
    if wants_json():
        return signed_out_json(ENDED)
    flash(login_manager.login_message, login_manager.login_message_category)
    return redirect(login_url(login_manager.login_view, next_url=request.url))


def _csrf_failed(error: CSRFError):
    # Signed out, the cookie (and the token in it) expired in the browser: say so to a script.
    if wants_json() and not current_user.is_authenticated:
        return signed_out_json(IDLE)
    return render_template("errors/http.html", error=error), error.code


def register(app: Flask) -> None:
    """Install the JSON-aware unauthorized and CSRF answers."""
    login_manager.unauthorized_handler(_unauthorized)
    app.register_error_handler(CSRFError, _csrf_failed)
