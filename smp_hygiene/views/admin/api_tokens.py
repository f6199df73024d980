"""API tokens: issue one to a login of the clinic (shown once), or revoke one."""

from __future__ import annotations

from flask import make_response, render_template, url_for
from flask_login import current_user
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from smp_hygiene.extensions import db
from smp_hygiene.models import ApiToken, User
from smp_hygiene.services.people import api_tokens, users
from smp_hygiene.views.admin.blueprint import bp
from smp_hygiene.views.admin.forms import submitted
from smp_hygiene.views.forms import BaseForm, IdField
from smp_hygiene.views.loading import own_or_404
from smp_hygiene.views.writes import committed, done, once


class TokenForm(BaseForm):
    """Whose token it is, and what will use it."""

    user_id = IdField("Acts as")
    name = StringField("Used by", validators=[DataRequired(), Length(max=100)])


def _page(secret: str | None = None, created: ApiToken | None = None, status: int = 200):
    response = make_response(
        render_template(
            "admin/api_tokens.html",
            tokens=api_tokens.list_tokens(current_user),
            staff=[user for user in users.list_users(current_user.clinic) if user.is_active_user],
            form=TokenForm(formdata=None),
            secret=secret,
            created=created,
        ),
        status,
    )
    if secret:  # shown once: no browser or proxy keeps a copy of this page
        response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/api-tokens")
def api_tokens_page():
    """The clinic's API tokens, and a form to issue one."""
    return _page()


@bp.post("/api-tokens")
@once
def issue_api_token():
    """Issue a token acting as one login; its secret is on this page once, then never again."""
    form = submitted(TokenForm())
    owner = own_or_404(User, form.user_id.data or 0)
    token, secret = api_tokens.create_token(current_user, owner, form.name.data)
    committed(url_for("admin.api_tokens_page"))
    return _page(secret, token, 201)


@bp.post("/api-tokens/<int:token_id>/revoke")
@once
def revoke_api_token(token_id: int):
    """Stop a token at once: a leaked one, or an integration taken out of use."""
    token = db.get_or_404(ApiToken, token_id)
    own_or_404(User, token.user_id)  # a token is of the clinic of the login it acts as
    api_tokens.revoke_token(current_user, token)
    return done(url_for("admin.api_tokens_page"), f"The token “{token.name}” is revoked.")
