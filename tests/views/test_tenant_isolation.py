"""Another clinic's ids answer exactly as ids that do not exist: in URLs, form fields and query
strings, on every route. A new route parameter, form field or query argument carrying an id fails
here until it is listed below with the record it names."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from flask import url_for
from sqlalchemy import select

import smp_hygiene.views
from smp_hygiene.extensions import db
from smp_hygiene.models import AuditEntry, ProductKind, Role, User
from smp_hygiene.services.people import api_tokens, clinics
from smp_hygiene.timeutil import utcnow
from smp_hygiene.views.forms import BaseForm
from tests import factories as f
from tests.seeds import seeded

MISSING = 987_654  # no record has this id; within 32 bits, so PostgreSQL reads it as any id
ROLE_OF_PREFIX = {"chair.": Role.TECHNICIAN, "audit.": Role.AUDITOR, "admin.": Role.ADMIN}
ROLE_OF_PREFIX["reactions."] = Role.TECHNICIAN

# The record each URL parameter names; (endpoint, parameter) where one name means two things.
URL_PARAMS = {
    "item_id": "item",
    "product_id": "product",
    "session_id": "session",
    "user_id": "user",
    "reaction_id": "reaction",
    "recall_id": "recall",
    "steriliser_id": "steriliser",
    "cycle_id": "cycle",
    "pack_id": "pack",
    "test_id": "spore_test",
    "client_id": "client",
    "consent_id": "consent",
    "lot_id": "lot",
    "device_id": "device",
    "token_id": "api_token",
    "booking_id": "booking",
    "follow_up_id": "follow_up",
    "report_id": "problem_report",
    "signal_id": "signal",
    "photo_id": "photo",
}
URL_PARAM_OVERRIDES = {("chair.read_patch_test", "test_id"): "patch_test"}
# Public routes: opaque tokens, static files and a check-in's day number, not records.
NOT_IDS = {"token", "filename", "day"}

# A time a booking can be made for, so a booking form is refused only for the id under test.
TOMORROW = (utcnow() + timedelta(days=1)).strftime("%Y-%m-%dT10:00")
# Form fields carrying an id (by the models' naming rule, `<thing>_id` / `<thing>_ids`): the
# endpoint that reads it, the record of clinic A tried, the route's own ids and the rest of the
# form from clinic B's records.
FIELD_CASES = [
    ("audit.recall_notify", "NotifyForm", "client_id", "client",
     {"recall_id": "recall"}, lambda b: {"channel": "phone"}),
    ("audit.recall_notify", "NotifyForm", "session_id", "treated_session",
     {"recall_id": "recall"}, lambda b: {"channel": "phone", "client_id": b["client"]}),
    ("audit.recall_preview", "OpenRecallForm", "product_id", "product",
     {}, lambda b: {"scope": "lot_list", "lots": "L1"}),
    ("audit.recall_open", "OpenRecallForm", "product_id", "product",
     {}, lambda b: {"scope": "lot_list", "lots": "L1", "reason": "Amine"}),
    ("audit.record_cycle", "CycleForm", "operator_id", "user",
     {"steriliser_id": "steriliser"}, lambda b: {"cycle_number": "7"}),
    ("audit.record_spore_test", "SporeTestForm", "cycle_id", "cycle",
     {"steriliser_id": "steriliser"}, lambda b: {"bi_lot": "BI-1"}),
    ("chair.start", "StartForm", "client_id", "client", {}, lambda b: {"treated_area": "Brows"}),
    ("chair.apply_patch_test", "ApplyForm", "client_id", "client", {}, lambda b: {}),
    ("chair.apply_patch_test", "ApplyForm", "product_ids", "product",
     {}, lambda b: {"client_id": b["client"]}),
    ("chair.apply_patch_test", "ApplyForm", "lot_ids", "lot",
     {}, lambda b: {"client_id": b["client"]}),
    ("chair.receive", "ReceiveForm", "product_id", "product",
     {}, lambda b: {"barcode": "(01)09501101530003(17)291231(10)NEW1", "step": "product"}),
    ("admin.issue_api_token", "TokenForm", "user_id", "technician",
     {}, lambda b: {"name": "Booking system"}),
    ("chair.create_booking", "BookingForm", "client_id", "client",
     {}, lambda b: {"technician_id": b["technician"], "starts_at": TOMORROW}),
    ("chair.create_booking", "BookingForm", "technician_id", "technician",
     {}, lambda b: {"client_id": b["client"], "starts_at": TOMORROW}),
    ("chair.create_booking", "BookingForm", "product_ids", "product",
     {}, lambda b: {"client_id": b["client"], "technician_id": b["technician"],
                    "starts_at": TOMORROW}),
]  # fmt: skip

# Query arguments carrying an id, with the other arguments the page needs.
QUERY_CASES = [
    ("audit.trace_technician", "technician_id", "technician", {}),
    ("audit.trace_technician_csv", "technician_id", "technician", {}),
    ("audit.trace_lot", "product_id", "product", {}),
    ("audit.trace_lot_csv", "product_id", "product", {}),
    # The session a page continues after: clinic B's trace of its own product.
    ("audit.trace_lot", "after", "treated_session", lambda b: {"product_id": b["product"]}),
    ("audit.log", "actor", "user", {}),
    ("audit.log_csv", "actor", "user", {}),
    ("audit.log", "entity_id", "client", {"entity_type": "Client"}),
    ("audit.log_csv", "entity_id", "client", {"entity_type": "Client"}),
    ("reactions.new", "session", "treated_session", {}),
    ("chair.new_booking", "client", "client", {}),
]
# Query arguments that name no record: paging, sorting, periods, free text, display choices.
NOT_ID_QUERY_ARGS = {"dir", "entity_type", "format", "from", "gtin", "lot", "next", "page"}
NOT_ID_QUERY_ARGS |= {"panel", "q", "reason", "rpage", "sort", "state", "table", "to"}
VIEWS = Path(smp_hygiene.views.__file__).parent
# The JSON API reads its query arguments through marshmallow schemas, and answers for another
# clinic's ids are tested resource by resource in tests/api/test_resources.py.
API_VIEWS = VIEWS / "api"


def _world(clinic) -> dict[str, int]:
    """One of every record a route, field or query argument can name, at `clinic`."""
    technician = f.make_user(Role.TECHNICIAN, clinic=clinic)
    items = f.make_checklist(clinic)
    product = f.make_product(ProductKind.PIGMENT, clinic=clinic)
    lot = f.make_lot(product, received_by=technician)
    client = f.make_client(clinic, full_name=f"Jordan Mensah {clinic.id}")
    consent = f.make_consent(client, technician)
    treated = f.make_completed_session(
        client, technician, lots=(lot,), started_at=utcnow() - timedelta(days=3)
    )
    open_session = f.make_ready_session(
        client=client, technician=technician, started_at=utcnow() - timedelta(minutes=5)
    )
    cycle = f.make_cycle(f.make_steriliser(clinic))
    reaction = f.make_reaction(treated)
    report = f.make_problem_report(treated)
    return {
        "follow_up": f.make_follow_up(treated, flagged=True).id,
        "problem_report": report.id,
        "photo": report.photos[0].id if report.photos else f.make_photo(clinic.id).id,
        "signal": f.make_signal([reaction], lot).id,
        "clinic": clinic.id,
        "technician": technician.id,
        "user": f.make_user(Role.AUDITOR, clinic=clinic).id,
        "item": items[0].id,
        "product": product.id,
        "lot": lot.id,
        "client": client.id,
        "consent": consent.id,
        "session": open_session.id,
        "treated_session": treated.id,
        "reaction": reaction.id,
        "recall": f.make_recall([lot]).id,
        "steriliser": cycle.steriliser_id,
        "cycle": cycle.id,
        "pack": cycle.packs[0].id,
        "spore_test": f.make_spore_test(cycle).id,
        "lot_label": f"SMPH-LOT:{lot.label_code}",
        "pack_label": f"SMPH-PACK:{cycle.packs[0].code}",
        "patch_test": f.make_patch_test(client, [product], reader=technician).id,
        "device": f.make_device(clinic)[0].id,
        "api_token": api_tokens.create_token(
            f.make_user(Role.ADMIN, clinic=clinic), technician, "Booking system"
        )[0].id,
        "booking": f.make_booking(client, technician, pigments=(product,)).id,
    }


def _worlds():
    """Clinic A, whose ids are tried, and clinic B, whose staff try them; B's own records fill
    the other parameters of a route, so only the id under test is foreign."""
    # Through the service, as `create-clinic` does: its system entries are in the chains too.
    here, there = clinics.create_clinic("Clinic A"), clinics.create_clinic("Clinic B")
    a, b = _world(here), _world(there)
    b["emails"] = {}
    for role in (Role.TECHNICIAN, Role.AUDITOR, Role.ADMIN):
        b["emails"][role] = f.make_user(role, clinic=there).email
    return a, b


worlds = seeded(_worlds, "worlds")


def _signed_in(app, email):
    client = app.test_client()
    response = client.post("/auth/login", data={"email": email, "password": f.PASSWORD})
    assert response.status_code == 302, response.data
    return client


def _role(endpoint: str) -> Role:
    return next(role for prefix, role in ROLE_OF_PREFIX.items() if endpoint.startswith(prefix))


def _answer(client, response, url: str, tried, field: str = "") -> tuple:
    """Status, where it leads and the body (of the page it leads to, with what was flashed),
    with nonces, CSRF tokens and the echoes of what was asked (the address, the field's own
    value, links keeping the filter) blanked."""
    location = response.headers.get("Location", "")
    shown = client.get(location) if response.status_code in (302, 303) else response
    body = shown.get_data(as_text=True).replace(url, "<URL>")
    body = re.sub(r'name="(nonce|csrf_token)"[^>]*value="[^"]*"', "TOKEN", body)
    body = re.sub(r'value="[^"]*"([^>]*name="(nonce|csrf_token)")', "TOKEN", body)
    body = re.sub(
        r'name="csrf-token" content="[^"]*"', "TOKEN", body
    )  # timed: differs by the second
    if isinstance(tried, str):  # a scanned label: the refusal quotes its code
        body = body.replace(tried.partition(":")[2], "<CODE>")
    if field:
        body = re.sub(rf'(name="{field}"[^>]*value="){tried}"', r'\1<ID>"', body)
        body = re.sub(rf'value="{tried}"([^>]*name="{field}")', r'value="<ID>"\1', body)
        body = re.sub(rf"\b{field}={tried}\b", f"{field}=<ID>", body)
    return response.status_code, location.replace(url, "<URL>"), body


def _record(endpoint: str, param: str) -> str | None:
    return URL_PARAM_OVERRIDES.get((endpoint, param)) or URL_PARAMS.get(param)


def _url_cases(app):
    for rule in app.url_map.iter_rules():
        if not rule.arguments or rule.arguments <= NOT_IDS:
            continue
        if rule.endpoint.startswith("api."):  # token sign-in: tests/api/test_resources.py
            continue
        method = "GET" if "GET" in rule.methods else "POST"
        for param in sorted(rule.arguments):
            yield rule, method, param, _record(rule.endpoint, param)


def test_every_url_parameter_names_a_listed_record(app):
    unlisted = [(r.endpoint, p) for r, _, p, record in _url_cases(app) if record is None]

    assert unlisted == []


def test_another_clinics_url_ids_answer_as_missing_ones(app, worlds):
    a, b = worlds
    clients = {role: _signed_in(app, email) for role, email in b["emails"].items()}
    differences = []
    for rule, method, param, record in _url_cases(app):
        client = clients[_role(rule.endpoint)]
        own = {name: b[_record(rule.endpoint, name)] for name in rule.arguments if name != param}
        answers = []
        for tried in (MISSING, a[record]):
            url = rule.build({**own, param: tried}, append_unknown=False)[1]
            answers.append(_answer(client, client.open(url, method=method), url, tried))
        if answers[0] != answers[1]:
            differences.append((rule.endpoint, param, answers[0][:2], answers[1][:2]))

    assert differences == []


def _form_classes(cls=BaseForm):
    for sub in cls.__subclasses__():
        yield sub
        yield from _form_classes(sub)


def test_every_form_field_carrying_an_id_is_listed(app):
    carrying = {
        (form.__name__, name)
        for form in _form_classes()
        for name in dir(form)
        if name.endswith(("_id", "_ids")) or name in URL_PARAMS
    }

    assert carrying == {(form, field) for _, form, field, *_ in FIELD_CASES}


def test_every_query_argument_is_listed_as_an_id_or_not(app):
    source = "\n".join(
        path.read_text() for path in VIEWS.rglob("*.py") if API_VIEWS not in path.parents
    )
    read = set(re.findall(r"(?<!view_)args(?:\.get\(|\[)\"(\w+)\"", source))

    assert read == NOT_ID_QUERY_ARGS | {arg for _, arg, _, _ in QUERY_CASES}


def _same_answer(client, method, url, tried_field, a_id, data, missing=MISSING) -> list:
    answers = []
    for tried in (missing, a_id):
        payload = {**data, tried_field: tried}
        if method == "GET":
            response = client.get(url, query_string=payload)
        else:
            response = client.post(url, data=payload)
        answers.append(_answer(client, response, url, tried, tried_field))
    return [] if answers[0] == answers[1] else [(url, tried_field, answers[0][:2], answers[1][:2])]


@pytest.mark.parametrize(
    ("endpoint", "form", "field", "record", "route_ids", "data"),
    FIELD_CASES,
    ids=[f"{case[0]}-{case[2]}" for case in FIELD_CASES],
)
def test_another_clinics_ids_in_a_form_answer_as_missing_ones(
    app, worlds, endpoint, form, field, record, route_ids, data
):
    a, b = worlds
    client = _signed_in(app, b["emails"][_role(endpoint)])
    with app.test_request_context():
        url = url_for(endpoint, **{name: b[key] for name, key in route_ids.items()})

    assert _same_answer(client, "POST", url, field, a[record], data(b)) == []


@pytest.mark.parametrize(
    ("endpoint", "arg", "record", "extra"), QUERY_CASES, ids=[f"{c[0]}-{c[1]}" for c in QUERY_CASES]
)
def test_another_clinics_ids_in_a_query_answer_as_missing_ones(
    app, worlds, endpoint, arg, record, extra
):
    a, b = worlds
    client = _signed_in(app, b["emails"][_role(endpoint)])
    with app.test_request_context():
        url = url_for(endpoint)
    extra = extra(b) if callable(extra) else extra

    assert _same_answer(client, "GET", url, arg, a[record], extra) == []


def test_clinic_b_opens_its_own_records_on_the_same_routes(app, worlds):
    # The comparisons above mean something only if the same routes do open B's own records.
    _, b = worlds
    clients = {role: _signed_in(app, email) for role, email in b["emails"].items()}
    refused = []
    for rule, method, param, _ in _url_cases(app):
        if method == "GET" and param == sorted(rule.arguments)[0]:
            url = rule.build({name: b[_record(rule.endpoint, name)] for name in rule.arguments})[1]
            status = clients[_role(rule.endpoint)].get(url).status_code
            if status == 404 or status >= 500:
                refused.append(rule.endpoint)

    assert refused == []


@pytest.mark.parametrize("url", ["/audit/log", "/audit/log.csv"])
def test_auditor_sees_none_of_another_clinics_entries_not_even_system_ones(app, worlds, url):
    a, b = worlds
    with app.app_context():
        theirs = db.session.scalars(select(AuditEntry).where(AuditEntry.clinic_id == a["clinic"]))
        actions = {entry.action for entry in theirs}
        emails = list(db.session.scalars(select(User.email).where(User.clinic_id == a["clinic"])))

    shown = _signed_in(app, b["emails"][Role.AUDITOR]).get(url).get_data(as_text=True)

    assert {"clinic.created", "user.created"} <= actions
    assert [email for email in emails if email in shown] == []
    assert "Clinic A" not in shown


@pytest.mark.parametrize(
    ("record", "missing"),
    [("lot_label", "SMPH-LOT:LBL99999999"), ("pack_label", "SMPH-PACK:P-T9999999")],
)
def test_another_clinics_own_labels_scan_as_unknown_ones(app, worlds, record, missing):
    # Not ids, but codes naming a record: the scan box answers for them as for a code never made.
    a, b = worlds
    client = _signed_in(app, b["emails"][Role.TECHNICIAN])
    url = f"/chair/sessions/{b['session']}/scans"

    assert _same_answer(client, "POST", url, "barcode", a[record], {}, missing) == []
