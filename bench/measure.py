"""Request timings and query counts, in process through the WSGI app (no network in between)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

from flask import Flask
from sqlalchemy import event, select

from smp_hygiene.extensions import db
from smp_hygiene.models import Client, Clinic, ProductKind, Role, TreatmentSession, User
from smp_hygiene.services.people import users
from smp_hygiene.services.sessions import checklists, lifecycle
from tests import factories

PASSWORD = "bench-password-1"  # noqa: S105  a throwaway database on 127.0.0.1


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def at(share: float) -> float:
        return ordered[min(len(ordered) - 1, int(len(ordered) * share))]

    return {
        "p50": round(statistics.median(ordered), 2),
        "p95": round(at(0.95), 2),
        "p99": round(at(0.99), 2),
        "n": len(ordered),
    }


class Counter:
    def __init__(self, app: Flask) -> None:
        self.count = 0
        with app.app_context():
            self.engine = db.engine
        event.listen(self.engine, "before_cursor_execute", self._seen)

    def _seen(self, conn, cursor, statement, *args) -> None:
        if not statement.lstrip().upper().startswith(("BEGIN", "SAVEPOINT", "RELEASE")):
            self.count += 1


def timed(counter: Counter, request: Callable[[int], Any], repeat: int) -> dict[str, Any]:
    """p50/p95/p99 in ms of `request(n)`, and the queries of the last one."""
    samples, queries = [], 0
    for n in range(repeat):
        before = counter.count
        start = time.perf_counter()
        response = request(n)
        samples.append((time.perf_counter() - start) * 1000)
        queries = counter.count - before
        assert response.status_code in (200, 302), (response.status_code, response.data[:300])
    return percentiles(samples) | {"queries": queries}


def _login(app: Flask, email: str):
    client = app.test_client()
    response = client.post("/auth/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302, response.data[:300]
    return client


def patient_pages(app: Flask, counter: Counter, tokens: list[str]) -> dict[str, Any]:
    """The patient page and its QR images and PDF: the first view of each, then kept ones."""
    browser, results = app.test_client(), {}
    for name, suffix, repeat in (
        ("page", "", 200),
        ("qr_png", "/qr.png", 50),
        ("qr_svg", "/qr.svg", 50),
        ("pdf", "/record.pdf", 10),
    ):
        first = timed(counter, lambda n, s=suffix: browser.get(f"/v/{tokens[n]}{s}"), repeat)
        kept = timed(counter, lambda n, s=suffix: browser.get(f"/v/{tokens[n]}{s}"), repeat)
        results[name] = {"first": first, "kept": kept}
    return results


def trace_pages(app: Flask, counter: Counter, world: dict[str, Any]) -> dict[str, Any]:
    auditor = _login(app, world["auditor"])
    with app.app_context():
        client_id = db.session.scalar(
            select(TreatmentSession.client_id)
            .where(TreatmentSession.clinic_id == world["clinic_id"])
            .limit(1)
        )
    lot = world["hot_lot"]
    return {
        "trace_lot_worst_first_page": timed(
            counter, lambda n: auditor.get(f"/audit/trace/lot?lot={lot}"), 30
        ),
        "trace_lot_worst_page_5": timed(
            counter, lambda n: auditor.get(f"/audit/trace/lot?lot={lot}&page=5"), 10
        ),
        "trace_client": timed(
            counter, lambda n: auditor.get(f"/audit/trace/clients/{client_id}"), 50
        ),
    }


def _technician(app: Flask, clinic_id: int) -> tuple[str, int]:
    with app.app_context():
        clinic = db.session.get(Clinic, clinic_id)
        tech = users.create_user(clinic, "chair@bench.test", Role.TECHNICIAN, PASSWORD)
        factories.make_checklist(clinic)
        db.session.commit()
        return tech.email, tech.id


def _open_sessions(app: Flask, tech_id: int, count: int) -> tuple[list[int], list[str]]:
    """`count` sessions at the chair of the flagship clinic, and cartridges to scan into them."""
    with app.app_context():
        tech = db.session.get(User, tech_id)
        product = factories.make_product(ProductKind.NEEDLE_CARTRIDGE, tech.clinic)
        cartridge = factories.make_lot(product, received_by=tech)
        ids = []
        for _ in range(count):
            client = factories.make_consenting_client(tech.clinic)
            ids.append(lifecycle.start_session(db.session.get(Client, client.id), tech).id)
        db.session.commit()
        raws = [factories.gs1_for(cartridge, serial=f"BENCH{n}") for n in range(count * 3)]
        return ids, raws


def chair_requests(app: Flask, counter: Counter, clinic_id: int) -> dict[str, Any]:
    """A scan, the session page and a completion, as the technician at the chair does them."""
    email, tech_id = _technician(app, clinic_id)
    chair = _login(app, email)
    ids, raws = _open_sessions(app, tech_id, 40)
    headers = {"Accept": "application/json"}
    scan = timed(
        counter,
        lambda n: chair.post(
            f"/chair/sessions/{ids[n % 40]}/scans", data={"barcode": raws[n]}, headers=headers
        ),
        80,
    )
    page = timed(counter, lambda n: chair.get(f"/chair/sessions/{ids[n]}"), 40)
    with app.app_context():
        for session_id in ids:
            session = db.session.get(TreatmentSession, session_id)
            for item in checklists.active_items(session.clinic):
                lifecycle.answer_item(session, item, session.technician)
        db.session.commit()
    complete = timed(
        counter,
        lambda n: chair.post(f"/chair/sessions/{ids[n]}/complete", data={"nonce": f"c{n}"}),
        40,
    )
    return {"scan": scan, "chair_session_page": page, "complete": complete}
