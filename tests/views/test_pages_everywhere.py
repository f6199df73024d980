"""Every page every role can open, with CSRF switched on as in production: each POST form carries
exactly one CSRF token and one nonce, no two elements share an id, and no attribute reads
required="None" or "False" (a browser treats any value as required and refuses the empty field).
Every page of the auditor's workspace shows the same menu."""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta
from html.parser import HTMLParser

import pytest

from smp_hygiene.extensions import db
from smp_hygiene.models import ProductKind, Role
from smp_hygiene.timeutil import utcnow
from tests import factories as f
from tests.apps import app_on

ROLES = (Role.TECHNICIAN, Role.AUDITOR, Role.ADMIN)
PARAM_RECORDS = {"test_id": "spore_test", "steriliser_id": "steriliser", "cycle_id": "cycle"}
PARAM_RECORDS |= {"pack_id": "pack", "reaction_id": "reaction", "recall_id": "recall"}
PARAM_RECORDS |= {"session_id": "session", "client_id": "client", "product_id": "product"}
PARAM_RECORDS |= {"user_id": "user", "lot_id": "lot", "consent_id": "consent", "item_id": "item"}
PARAM_RECORDS |= {"report_id": "problem_report", "signal_id": "signal", "photo_id": "photo"}
PARAM_RECORDS |= {"follow_up_id": "follow_up"}
OVERRIDES = {("chair.read_patch_test", "test_id"): "patch_test"}
QUERIES = {"reactions.new": {"session": "treated"}, "audit.trace_technician": {}}


class _Forms(HTMLParser):
    """Each POST form's hidden field names, every id, and every `required` attribute value."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[list[str]] = []
        self.ids: list[str] = []
        self.required: list[str] = []
        self._open = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if "id" in attributes:
            self.ids.append(attributes["id"])
        if "required" in attributes and attributes["required"] is not None:
            self.required.append(attributes["required"])
        if tag == "form":
            self._open = (attributes.get("method") or "get").lower() == "post"
            if self._open:
                self.forms.append([])
        elif tag == "input" and self._open and attributes.get("type") == "hidden":
            self.forms[-1].append(attributes.get("name") or "")

    def handle_endtag(self, tag):
        if tag == "form":
            self._open = False


@pytest.fixture
def csrf_app(tmp_path, database_url):
    """The app with CSRF on, as production runs it: tokens are rendered and checked."""
    with app_on(database_url, tmp_path, TESTING=True, APP_ENV="test", WTF_CSRF_ENABLED=True) as a:
        yield a


def _world() -> dict[str, int]:
    technician = f.make_user(Role.TECHNICIAN)
    clinic = technician.clinic
    items = f.make_checklist(clinic)
    product = f.make_product(ProductKind.PIGMENT, clinic=clinic)
    lot = f.make_lot(product, received_by=technician)
    client = f.make_client(clinic)
    treated = f.make_completed_session(
        client, technician, lots=(lot,), started_at=utcnow() - timedelta(days=3)
    )
    cycle = f.make_cycle(f.make_steriliser(clinic))
    reaction, report = f.make_reaction(treated), f.make_problem_report(treated)
    return {
        "problem_report": report.id, "photo": report.photos[0].id,
        "signal": f.make_signal([reaction], lot).id,
        "follow_up": f.make_follow_up(treated, flagged=True).id,
        "technician": technician.id, "user": technician.id, "item": items[0].id,
        "product": product.id, "lot": lot.id, "client": client.id,
        "consent": f.make_consent(client, technician).id, "treated": treated.id,
        "session": f.make_ready_session(client=client, technician=technician).id,
        "reaction": reaction.id, "recall": f.make_recall([lot]).id,
        "steriliser": cycle.steriliser_id, "cycle": cycle.id, "pack": cycle.packs[0].id,
        "spore_test": f.make_spore_test(cycle).id,
        "patch_test": f.make_patch_test(client, [product], reader=technician).id,
    }  # fmt: skip


def _signed_in(app, role: Role):
    with app.app_context():
        email = f.make_user(role).email
        db.session.commit()
    client = app.test_client()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/auth/login").text)
    data = {"email": email, "password": f.PASSWORD, "csrf_token": token.group(1)}
    assert client.post("/auth/login", data=data).status_code == 302
    return client


def _pages(app, world):
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        records = {
            p: OVERRIDES.get((rule.endpoint, p)) or PARAM_RECORDS.get(p) for p in rule.arguments
        }
        if None in records.values():
            continue  # a public token or file name: no form of ours behind it
        query = {k: world[v] for k, v in QUERIES.get(rule.endpoint, {}).items()}
        yield rule.endpoint, rule.build({p: world[r] for p, r in records.items()})[1], query


def _problems(html: str) -> list[str]:
    found = _Forms()
    found.feed(html)
    problems = [
        f"required={value!r}" for value in found.required if value.lower() in ("none", "false")
    ]
    for hidden in found.forms:
        counts = Counter(hidden)
        if counts["csrf_token"] != 1 or counts["nonce"] > 1:
            problems.append(f"form with {counts['csrf_token']} csrf_token, {counts['nonce']} nonce")
    problems += [f"id {i!r} twice" for i, n in Counter(found.ids).items() if n > 1]
    return problems


@pytest.mark.parametrize("role", ROLES, ids=[r.value for r in ROLES])
def test_every_form_on_every_page_carries_one_token_and_no_false_required(csrf_app, role):
    with csrf_app.app_context():
        world = _world()
        db.session.commit()
    client = _signed_in(csrf_app, role)
    opened, problems = 0, {}

    for endpoint, url, query in _pages(csrf_app, world):
        response = client.get(url, query_string=query)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        opened += 1
        if found := _problems(response.text):
            problems[endpoint] = found

    assert opened > 10  # the scan reached the workspace's pages, not only refusals
    assert problems == {}


AUDIT_MENU = ["/audit/", "/audit/trace/lot", "/audit/recalls", "/audit/reactions"]
AUDIT_MENU += ["/audit/sterilisation/", "/audit/log"]


def _menu(html: str) -> list[str]:
    nav = re.search(r"<nav class=\"pages\"[^>]*>(.*?)</nav>", html, re.S)
    return re.findall(r'href="([^"]+)"', nav.group(1)) if nav else []


def test_every_audit_page_shows_the_one_audit_menu(csrf_app):
    with csrf_app.app_context():
        world = _world()
        db.session.commit()
    client = _signed_in(csrf_app, Role.AUDITOR)
    menus = {}

    for endpoint, url, query in _pages(csrf_app, world):
        response = client.get(url, query_string=query)
        if (
            endpoint.startswith("audit.")
            and response.status_code == 200
            and "html" in response.mimetype
        ):
            menus[endpoint] = _menu(response.text)

    assert "audit.steriliser" in menus
    assert "audit.sterilisation_settings" in menus
    assert {e: m for e, m in menus.items() if not set(AUDIT_MENU) <= set(m)} == {}
