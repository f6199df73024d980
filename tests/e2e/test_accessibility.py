"""axe-core over every HTML page of each audience, on the demo clinic at phone width: no serious or
critical violation anywhere. axe-core is vendored under tests/e2e/vendor/ (`make vendor-js`)."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest
from flask import url_for
from sqlalchemy import select

from smp_hygiene.demo import clinic
from smp_hygiene.extensions import db
from smp_hygiene.models import (
    AdverseReaction,
    BiologicalIndicatorTest,
    Booking,
    Client,
    InstrumentPack,
    ProblemReport,
    ReactionSignal,
    Recall,
    Steriliser,
    SteriliserCycle,
    SupplyLot,
    SupplyUse,
    TreatmentSession,
    User,
)
from smp_hygiene.services.sessions import lifecycle
from tests.e2e.conftest import sign_in
from tests.seeds import Seed

pytestmark = pytest.mark.e2e
AXE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text()
BLOCKING = ("serious", "critical")
TECH, AUDITOR, ADMIN = "tech@demo.test", "auditor@demo.test", "admin@demo.test"

# GET routes that answer with a file or a redirect, not an HTML page: axe has nothing to read.
NOT_PAGES = {
    "static",
    "home.index",  # redirects to the role's workspace, which is visited
    "verify.keys",
    "verify.checkpoints_document",
    "verify.revocations",
    "verify.qr_png",
    "verify.qr_svg",
    "verify.record_pdf",
    "chair.signature",
    "chair.lot_label_svg",
    "audit.pack_qr",
    "audit.client_photo",
    "audit.signal_report_csv",
    "audit.dashboard_csv",
    "audit.log_csv",
    "audit.reactions_csv",
    "audit.reaction_csv",
    "audit.reaction_pdf",
    "audit.recall_list_csv",
    "audit.recall_csv",
    "audit.recall_pdf",
    "audit.session_checklist_csv",
    "audit.session_packs_csv",
    "audit.session_supplies_csv",
    "audit.cycle_log_csv",
    "audit.cycle_packs_csv",
    "audit.spore_test_packs_csv",
    "audit.spore_test_sessions_csv",
    "audit.sterilisers_csv",
    "audit.trace_clients_csv",
    "audit.trace_client_csv",
    "audit.trace_client_pdf",
    "audit.trace_lot_csv",
    "audit.trace_lot_pdf",
    "audit.trace_technician_csv",
    "health.healthz",
    "health.readyz",
    "health.prometheus",
}


# The JSON API answers JSON; its Swagger UI page is third-party (checked under CSP in tests/api).
NOT_PAGE_PREFIXES = ("api.", "api-docs.")


def _pages(ids) -> dict[str | None, list[tuple]]:
    """Who visits what: (endpoint, url arguments[, status]) per sign-in; None is signed out."""
    return {
        None: [
            ("auth.login", {}),
            ("verify.show", {"token": ids["token"]}),
            ("verify.show", {"token": ids["recalled_token"]}),
            ("verify.offline", {}),
            ("verify.report", {"token": ids["token"]}),
            ("verify.check_in", {"token": ids["token"], "day": 3}),
            ("tablet.switch", {}, 403),  # this browser is not a trusted tablet: the page says so
        ],
        TECH: [
            ("chair.today", {}),
            ("chair.today", {"q": "Jordan"}),
            ("chair.show", {"session_id": ids["open_session"]}),
            ("chair.show", {"session_id": ids["session"]}),
            ("chair.aftercare", {"session_id": ids["session"]}),
            ("chair.new_client", {}),
            ("chair.consent", {"client_id": ids["client"]}),
            ("chair.patch_test_list", {}),
            ("chair.receiving", {}),
            ("chair.stock", {}),
            ("chair.new_booking", {}),
            ("chair.booking", {"booking_id": ids["booking"]}),
            ("tablet.pin", {}),
            ("chair.lot", {"lot_id": ids["lot"]}),
            ("chair.lot_label", {"lot_id": ids["lot"]}),
            ("reactions.new", {"session": ids["session"]}),
            ("auth.password", {}),
            ("chair.show", {"session_id": 2_000_000_000}, 404),
            ("audit.dashboard", {}, 403),
        ],
        AUDITOR: [
            ("audit.dashboard", {}),
            ("audit.trace_lot", {}),
            ("audit.trace_lot", {"lot": "NB24-0577"}),
            ("audit.trace_clients", {}),
            ("audit.trace_client", {"client_id": ids["client"]}),
            ("audit.trace_technician", {"technician_id": ids["technician"]}),
            ("audit.session_record", {"session_id": ids["session"]}),
            ("audit.recall_list", {}),
            ("audit.recall_new", {}),
            ("audit.recall_show", {"recall_id": ids["recall"]}),
            ("audit.reactions", {}),
            ("audit.reaction", {"reaction_id": ids["reaction"]}),
            ("audit.inbox_list", {}),
            ("audit.inbox_report", {"report_id": ids["report"]}),
            ("audit.signals", {}),
            ("audit.signal", {"signal_id": ids["signal"]}),
            ("audit.signal_report", {}),
            ("audit.log", {}),
            ("audit.sterilisers", {}),
            ("audit.steriliser", {"steriliser_id": ids["steriliser"]}),
            ("audit.cycle", {"cycle_id": ids["cycle"]}),
            ("audit.pack_label", {"pack_id": ids["pack"]}),
            ("audit.spore_test", {"test_id": ids["spore_test"]}),
            ("audit.sterilisation_settings", {}),
            ("audit.refusals", {"reason": "UnsafeSupply"}),
        ],
        ADMIN: [
            ("admin.settings", {}),
            ("admin.checklist", {}),
            ("admin.aftercare_page", {}),
            ("admin.products", {}),
            ("admin.consent_forms", {}),
            ("admin.staff", {}),
            ("admin.signing_keys", {}),
            ("admin.devices_page", {}),
            ("admin.api_tokens_page", {}),
            ("admin.retention", {}),
            ("admin.confirm_erase", {"client_id": ids["client"]}),
            ("admin.confirm_erase_due", {}),
            ("admin.card", {"session_id": ids["session"]}),
            ("audit.session_record", {"session_id": ids["session"]}),
        ],
    }


def _first(model, *where) -> int:
    return db.session.scalars(select(model.id).where(*where).order_by(model.id)).first()


def _last(model) -> int:
    return db.session.scalars(select(model.id).order_by(model.id.desc())).first()


def _demo_with_an_open_session() -> None:
    """The demo clinic, plus a session open at the chair (the newest session)."""
    clinic.load()
    tech = db.session.scalar(select(User).where(User.email == TECH))
    morgan = db.session.scalar(select(Client).where(Client.full_name == "Morgan Lee"))
    lifecycle.start_session(morgan, tech, treated_area="Crown")


@pytest.fixture(scope="module")
def seed():
    return Seed(_demo_with_an_open_session)


def _ids() -> dict[str, object]:
    """The ids of one record of each kind."""
    tech = db.session.scalar(select(User).where(User.email == TECH))
    morgan = db.session.scalar(select(Client).where(Client.full_name == "Morgan Lee"))
    sealed = db.session.scalars(
        select(TreatmentSession)
        .where(TreatmentSession.technician_id == tech.id, TreatmentSession.verify_token.isnot(None))
        .order_by(TreatmentSession.id)
    ).all()
    recalled = set(
        db.session.scalars(
            select(SupplyUse.session_id)
            .join(SupplyLot, SupplyUse.lot_id == SupplyLot.id)
            .where(SupplyLot.lot_number == "NB24-0577")
        )
    )
    return {
        "open_session": _last(TreatmentSession),
        "session": sealed[-1].id,
        "token": sealed[-1].verify_token,
        "recalled_token": next(s.verify_token for s in sealed if s.id in recalled),
        "client": morgan.id,
        "technician": tech.id,
        "lot": _first(SupplyLot),
        "recall": _first(Recall),
        "reaction": _first(AdverseReaction),
        "report": _first(ProblemReport),
        "signal": _first(ReactionSignal),
        "steriliser": _first(Steriliser),
        "cycle": _first(SteriliserCycle),
        "pack": _first(InstrumentPack),
        "spore_test": _first(BiologicalIndicatorTest),
        "booking": _first(Booking),
    }


def _serious_violations(page) -> list[str]:
    """axe's serious and critical findings on the open page, one line per failing element."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE)  # through DevTools, so the page's CSP (no inline script) still holds
    violations = page.evaluate("async () => (await axe.run(document)).violations")
    return [
        f"{v['impact']} {v['id']}: {v['help']} at {node['target']}: {node['html'][:160]}"
        for v in violations
        if v["impact"] in BLOCKING
        for node in v["nodes"]
    ]


def _overflow(page, width: int) -> list[int]:
    """The page's width if it scrolls sideways (WCAG 1.4.10 Reflow); wide tables scroll inside."""
    scroll_width = page.evaluate("() => document.documentElement.scrollWidth")
    return [scroll_width] if scroll_width > width else []


def test_every_html_page_is_visited_or_listed_as_not_a_page(live_app):
    visited = {page[0] for pages in _pages(defaultdict(int)).values() for page in pages}
    get_routes = {
        r.endpoint
        for r in live_app.url_map.iter_rules()
        if "GET" in r.methods and not r.endpoint.startswith(NOT_PAGE_PREFIXES)
    }

    assert get_routes - visited - NOT_PAGES == set()
    assert visited <= get_routes
    assert visited.isdisjoint(NOT_PAGES)


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("email", [None, TECH, AUDITOR, ADMIN], ids=str)
def test_no_page_has_a_serious_axe_violation_or_scrolls_sideways(
    live_app, page, seed, email, width
):
    with live_app.app_context():
        seed.apply()
        ids = _ids()
    with live_app.test_request_context():
        visits = [(url_for(p[0], **p[1]), p[2] if len(p) > 2 else 200) for p in _pages(ids)[email]]
    page.set_viewport_size({"width": width, "height": 900})
    if email:
        sign_in(page, email, clinic.DEMO_PASSWORD)
    found = []

    for url, status in visits:
        assert page.goto(url).status == status, url
        found += [f"{url}: wider than the screen ({w} px)" for w in _overflow(page, width)]
        found += [f"{url}: {line}" for line in _serious_violations(page)]

    assert found == [], "\n".join(found)
