"""Prometheus metrics: request latency by endpoint, refusals by rule, scans, and, read at scrape
time, the age of each clinic's last verified audit-chain checkpoint and the notification backlog.

Counters live in this process, or, under gunicorn with PROMETHEUS_MULTIPROC_DIR set, in files
that every worker shares (prometheus_client's multiprocess mode; gunicorn.conf.py cleans up after
a worker exits). Labels are endpoint and rule names and clinic ids: never a path, a token or a
person, since a metrics store keeps them for a long time.
"""

from __future__ import annotations

import hmac
import os
import time
from collections.abc import Callable, Iterable

from flask import Flask, Response, current_app, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from smp_hygiene.extensions import db
from smp_hygiene.models import ChainCheckpoint, Notification, NotificationStatus
from smp_hygiene.timeutil import as_utc, utcnow

REQUEST_SECONDS = Histogram(
    "smp_request_seconds",
    "Time to answer a request, by endpoint.",
    ["endpoint", "method", "status"],
    buckets=(0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5),
)
REFUSALS = Counter("smp_refusals", "Writes a clinical or input rule refused, by rule.", ["rule"])
SCANS = Counter("smp_scans", "Scans at the chair, by outcome.", ["outcome"])
# Endpoints that record a scan; their status says whether it was recorded or refused.
SCAN_ENDPOINTS = {"chair.scan", "api.scan"}
# Scrape-time figures other packages add (name, help, a function returning the value).
_LIVE: list[tuple[str, str, Callable[[], float]]] = []


def add_live_gauge(name: str, documentation: str, read: Callable[[], float]) -> None:
    """A gauge computed when Prometheus scrapes, e.g. the notification queue's depth."""
    _LIVE.append((name, documentation, read))


class LiveFigures(Collector):
    """What is true now rather than counted: read from the database at each scrape."""

    def collect(self) -> Iterable[GaugeMetricFamily]:
        ages = GaugeMetricFamily(
            "smp_audit_checkpoint_age_seconds",
            "Seconds since each clinic's audit chain was last walked and found intact.",
            labels=["clinic_id"],
        )
        now = utcnow()
        for clinic_id, verified_at in db.session.execute(
            select(ChainCheckpoint.clinic_id, ChainCheckpoint.verified_at)
        ):
            ages.add_metric([str(clinic_id)], (now - as_utc(verified_at)).total_seconds())
        yield ages
        backlog = GaugeMetricFamily(
            "smp_notifications_pending",
            "Client e-mail notices not yet sent: queued, or claimed by a worker (sending).",
            labels=["status"],
        )
        counts = dict(
            db.session.execute(
                select(Notification.status, func.count())
                .where(
                    Notification.status.in_([NotificationStatus.QUEUED, NotificationStatus.SENDING])
                )
                .group_by(Notification.status)
            ).all()
        )
        for status in (NotificationStatus.QUEUED, NotificationStatus.SENDING):
            backlog.add_metric([status.value], counts.get(status, 0))
        yield backlog
        for name, documentation, read in _LIVE:
            yield GaugeMetricFamily(name, documentation, value=read())


def count_refusal(error: Exception) -> None:
    REFUSALS.labels(rule=type(error).__name__).inc()


def exposition() -> bytes:
    """The text format, from this process or from every gunicorn worker's shared files."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
    else:
        for metric in (REQUEST_SECONDS, REFUSALS, SCANS):
            registry.register(metric)
    registry.register(LiveFigures())
    return generate_latest(registry)


def allowed_to_scrape() -> bool:
    """With METRICS_TOKEN set, a bearer token is needed; production without one shows nothing."""
    token = current_app.config["METRICS_TOKEN"]
    if not token:
        return current_app.config["APP_ENV"] != "production"
    offered = request.headers.get("Authorization", "").removeprefix("Bearer ")
    return hmac.compare_digest(offered.encode(), token.encode())


def metrics_response() -> Response:
    return Response(exposition(), mimetype=CONTENT_TYPE_LATEST)


def register(app: Flask) -> None:
    """Time every request by endpoint, and count the chair's scans by outcome."""

    @app.before_request
    def start_clock() -> None:
        g.metrics_started = time.perf_counter()

    @app.after_request
    def observe(response: Response) -> Response:
        endpoint = request.endpoint or "(no route)"
        took = time.perf_counter() - g.get("metrics_started", time.perf_counter())
        status = f"{response.status_code // 100}xx"
        REQUEST_SECONDS.labels(endpoint, request.method, status).observe(took)
        if endpoint in SCAN_ENDPOINTS and request.method == "POST":
            SCANS.labels("recorded" if response.status_code < 400 else "refused").inc()
        return response
