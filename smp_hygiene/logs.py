"""Structured logs: one JSON object per line in production, readable lines in development.

Every line made during a request carries its request id (taken from a sane `X-Request-ID`, or
made here, and sent back in the response), and the clinic and user ids once the login is known.
Never a path, a query string, a name or a token: `/v/<token>` is a patient's key to their record,
and searches carry client names. Requests are logged by endpoint name instead of path.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime

from flask import Flask, Response, g, has_request_context, request

LOGGER = logging.getLogger("smp_hygiene")
REQUESTS = LOGGER.getChild("requests")  # looked up once: getLogger takes a lock on every call
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
# What every LogRecord has; anything else on a record was passed as `extra=` and is logged.
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "taskName"}
_CONTEXT = ("request_id", "clinic_id", "user_id")
LOGIN_IDS = "login_ids"  # (clinic id, user id) of the signed-in user, set by the user loader


class RequestContext(logging.Filter):
    """Adds the request id and who is signed in, without loading the login just to log it."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id, record.clinic_id, record.user_id = "-", None, None
        if has_request_context():
            record.request_id = g.get("request_id", "-")
            known = g.get(LOGIN_IDS)  # kept at load: after a commit the user would be read again
            user = g.get("_login_user")  # set by Flask-Login only once something asked for it
            if known is not None:
                record.clinic_id, record.user_id = known
            elif user is not None and getattr(user, "is_authenticated", False):
                record.clinic_id, record.user_id = user.clinic_id, user.id
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line, with the `extra=` fields beside the message."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update({key: getattr(record, key, None) for key in _CONTEXT})
        line.update(
            {k: v for k, v in record.__dict__.items() if k not in _STANDARD and k not in line}
        )
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


class TextFormatter(logging.Formatter):
    """`time level [request id] logger: message key=value ...` for a developer's terminal."""

    def format(self, record: logging.LogRecord) -> str:
        extra = " ".join(
            f"{k}={v}"
            for k, v in record.__dict__.items()
            if k not in _STANDARD and k not in _CONTEXT
        )
        record.extra_text = f" {extra}" if extra else ""
        return super().format(record)


def configure(app: Flask) -> None:
    """Send the app's logs to stderr once per process, in the format the environment asks for."""
    if any(getattr(h, "smp_hygiene", False) for h in LOGGER.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.smp_hygiene = True  # type: ignore[attr-defined]
    handler.addFilter(RequestContext())
    if app.config["LOG_FORMAT"] == "json":
        handler.setFormatter(JsonFormatter())
    else:
        text = "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s%(extra_text)s"
        handler.setFormatter(TextFormatter(text))
    LOGGER.addHandler(handler)
    LOGGER.setLevel(app.config["LOG_LEVEL"])
    LOGGER.propagate = False


def register(app: Flask) -> None:
    """A request id for every request, and one line per request: endpoint, status, time."""
    configure(app)

    @app.before_request
    def start() -> None:
        offered = request.headers.get("X-Request-ID", "")
        g.request_id = offered if _REQUEST_ID.fullmatch(offered) else uuid.uuid4().hex
        g.started = time.perf_counter()

    @app.after_request
    def finish(response: Response) -> Response:
        response.headers["X-Request-ID"] = g.get("request_id", "-")
        took = (time.perf_counter() - g.get("started", time.perf_counter())) * 1000
        REQUESTS.info(
            "request",
            extra={
                "method": request.method,
                "endpoint": request.endpoint or "(no route)",
                "status": response.status_code,
                "duration_ms": round(took, 1),
            },
        )
        return response


def log_exception(exc_info) -> None:
    """A 5xx: the traceback and the endpoint, never the path (Flask's own line names it)."""
    endpoint = request.endpoint if has_request_context() else None
    LOGGER.error("unhandled error", exc_info=exc_info, extra={"endpoint": endpoint})


def log_refusal(error: Exception) -> None:
    """A rule refused something: which rule, where; the message may name a client, so not it."""
    LOGGER.getChild("refusals").info(
        "refusal", extra={"rule": type(error).__name__, "endpoint": request.endpoint}
    )
