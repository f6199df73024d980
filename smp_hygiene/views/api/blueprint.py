"""The JSON API under /api/v1: flask-smorest's Api and the one blueprint every resource module
adds its routes to, who may call it, and how a refusal is answered.

flask-smorest rather than APIFlask: it is a plain Flask blueprint that sits inside this app
beside the HTML ones (same app factory, same extensions, same error pages), describes requests
and answers with marshmallow schemas from which it writes the OpenAPI 3 document, and has been
maintained since 2018.

Every answer that is not a success has one shape, `{"error", "message", "rule"}`: `error` a
short code, `message` plain words saying what to do, `rule` the rule that refused (the name of
the DomainError, as in the logs) or null when no clinical rule was involved.
"""

from __future__ import annotations

import re

import flask_smorest
from flask import Flask, current_app, g
from flask_login import current_user
from marshmallow import Schema, fields
from werkzeug.exceptions import HTTPException

from smp_hygiene import logs
from smp_hygiene.errors import DomainError
from smp_hygiene.extensions import csrf, db, limiter
from smp_hygiene.services.people.permissions import can_treat
from smp_hygiene.services.sessions import lifecycle
from smp_hygiene.views.api import tokens
from smp_hygiene.views.error_pages import retry_after

bp = flask_smorest.Blueprint(
    "api", __name__, url_prefix="/api/v1", description="The clinic's records as JSON."
)
bp.before_request(tokens.authenticate)
limiter.limit(lambda: current_app.config["API_RATE_LIMIT"], key_func=tokens.rate_key)(bp)

STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    415: "unsupported_media_type",
    422: "invalid_input",
    429: "too_many_requests",
    503: "unavailable",
}


class ErrorSchema(Schema):
    """Every refusal and error of the API."""

    error = fields.String(required=True, metadata={"description": "A short code."})
    message = fields.String(required=True, metadata={"description": "What is wrong, in words."})
    rule = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "The rule that refused (as the logs name it), or null."},
    )
    errors = fields.Dict(metadata={"description": "Per field, what is wrong with it."})
    acknowledge = fields.String(
        allow_none=True,
        metadata={"description": "A warning the caller may override with a reason: its code."},
    )


class Api(flask_smorest.Api):
    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self) -> None:
        """None app-wide: the HTML pages keep their own; the blueprint answers its errors."""


def snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def error_body(code: int, message: str, rule: str | None = None, **extra) -> dict:
    error = snake(rule) if rule else STATUS_CODES.get(code, snake_http(code))
    return {"error": error, "message": message, "rule": rule, **extra}


def snake_http(code: int) -> str:
    return "error" if code >= 500 else "client_error"


@bp.errorhandler(DomainError)
def refused(error: DomainError):
    """A rule said no: nothing is committed, and a technician's refused write is kept in the
    chair's refusal log, as at the chair, in a second transaction of its own."""
    db.session.rollback()
    logs.log_refusal(error)
    if "refused_input" in g and can_treat(current_user):
        lifecycle.record_refusal(
            current_user, error, g.get("refused_input", ""), g.get("refused_session")
        )
        db.session.commit()
    rule = type(error).__name__
    extra = {"acknowledge": error.code} if hasattr(error, "code") else {}
    return error_body(error.http_status, str(error), rule, **extra), error.http_status


@bp.errorhandler(HTTPException)
def http_error(error: HTTPException):
    """Not a rule: no token, a role that may not, a malformed body (with each field's problem)."""
    db.session.rollback()
    code = error.code or 500
    data = getattr(error, "data", None) or {}
    extra = {"errors": data["messages"]} if "messages" in data else {}
    headers = {"WWW-Authenticate": "Bearer"} if code == 401 else retry_after(error)
    return error_body(code, error.description or error.name, **extra), code, headers


def register(app: Flask) -> None:
    """The Api (its OpenAPI document at /api/v1/openapi.json, Swagger UI at /api/v1/docs),
    the blueprint, and the blueprint's exemption from CSRF: it takes no cookie login."""
    api = Api(app, spec_kwargs={"security": [{"bearer": []}]})
    api.spec.components.security_scheme(
        "bearer", {"type": "http", "scheme": "bearer", "description": tokens.SIGN_IN_HELP}
    )
    api.register_blueprint(bp)
    csrf.exempt(bp)
