"""Probes for orchestrators: /healthz (the process answers) and /readyz (it can serve).

Both are public, say nothing about any clinic, and are exempt from rate limits, since a load
balancer polls them every few seconds.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, current_app

from smp_hygiene.extensions import limiter
from smp_hygiene.services.operations import readiness

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@limiter.exempt
def healthz():
    """Liveness: the process is up and answering; restart it if this fails."""
    return {"status": "ok"}


@bp.get("/readyz")
@limiter.exempt
def readyz():
    """Readiness: database and Redis reachable and the schema at the newest migration."""
    migrations = Path(current_app.extensions["migrate"].directory)
    checks = readiness.readiness(current_app.config["RATELIMIT_STORAGE_URI"], migrations)
    ready = readiness.is_ready(checks)
    return {"status": "ready" if ready else "not ready", "checks": checks}, 200 if ready else 503
