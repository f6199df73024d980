"""Who is calling: a bearer token an admin issued, never the session cookie.

The API takes no cookie login at all, so a page on another site cannot make a signed-in
browser write through it; that is why the API blueprint, alone, is exempt from CSRF. The token
acts as its user: the user's clinic, the user's role, the same checks as the HTML views.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable

from flask import g, request
from flask_login import current_user
from werkzeug.exceptions import Forbidden, Unauthorized

from smp_hygiene.extensions import db
from smp_hygiene.models import Role
from smp_hygiene.services.people import api_tokens

SIGN_IN_HELP = (
    "Send your API token as 'Authorization: Bearer <token>'. An admin issues tokens on the "
    "admin pages; a revoked token, or one of a deactivated login, no longer works."
)


def bearer() -> str | None:
    """The token of an `Authorization: Bearer <token>` header, if there is one."""
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    return secret.strip() if scheme.lower() == "bearer" else None


def authenticate() -> None:
    """Every API request names its user by token; the token's use is noted (reads at most every
    few minutes; writes are audited with the write itself)."""
    token = api_tokens.find_token(bearer())
    if token is None:
        raise Unauthorized(SIGN_IN_HELP)
    g._login_user = token.user  # current_user, for the views and the logs, is the token's user
    g.api_token = token
    if request.method == "GET" and api_tokens.is_due_a_touch(token):
        # End the read first: on SQLite the update then waits for the write lock, rather than
        # failing on a snapshot another writer has moved past.
        token_id = token.id
        db.session.commit()
        api_tokens.touch(token_id)
        db.session.commit()


def rate_key() -> str:
    """Limits count per token; a request without one counts against its address."""
    secret = bearer()
    if secret:
        return "api-token:" + hashlib.sha256(secret.encode()).hexdigest()
    return "api-address:" + (request.remote_addr or "")


def allow(roles: frozenset[Role]) -> Callable:
    """Let the view run only for a token whose user holds one of `roles` (the same sets the
    HTML blueprints use, from services/people/permissions.py)."""

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def guarded(*args, **kwargs):
            if current_user.role not in roles:
                raise Forbidden("Your role cannot do this: it is refused in the clinic too.")
            return view(*args, **kwargs)

        return guarded

    return decorate
