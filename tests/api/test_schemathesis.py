"""The API against its own OpenAPI document: schemathesis generates requests from
/api/v1/openapi.json and sends them in-process to the app, as a technician and as an auditor.
No answer may be a server error, and every answer must match the schema it is documented with.
A small clinic's records are there, so some generated ids name real rows."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from smp_hygiene.app import create_app
from smp_hygiene.extensions import db
from smp_hygiene.models import Clinic, ProductKind, Role
from tests import factories
from tests.api.conftest import issue_token
from tests.seeds import seeded

CHECKS = [not_a_server_error, response_schema_conformance]


def _clinic_with_records() -> int:
    """Records of every kind in one clinic (ids 1, 2...); the clinic's id."""
    clinic = factories.make_clinic()
    tech = factories.make_user(Role.TECHNICIAN, clinic=clinic)
    lot = factories.make_lot(factories.make_product(ProductKind.NEEDLE_CARTRIDGE, clinic))
    client = factories.make_consenting_client(clinic)
    factories.make_checklist(clinic)
    session = factories.make_completed_session(client, tech, (lot,))
    factories.make_ready_session(tech, client=factories.make_consenting_client(clinic))
    factories.make_patch_test(client, [factories.make_product(ProductKind.PIGMENT, clinic)])
    factories.make_reaction(session)
    factories.make_recall([lot])
    factories.make_spore_test(factories.make_cycle(factories.make_steriliser(clinic)))
    return clinic.id


clinic_with_records = seeded(_clinic_with_records, "clinic_with_records")


def _operations() -> list[tuple[str, str]]:
    """Every (method, path) the document names, read once from an app with no database."""
    spec = create_app({"SECRET_KEY": "spec only", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    paths = spec.test_client().get("/api/v1/openapi.json").get_json()["paths"]
    return [(m.upper(), p) for p, item in paths.items() for m in item if m != "parameters"]


@pytest.fixture(scope="module")
def schema(worker_app):
    """The document as schemathesis reads it from the app the tests share (a second a read)."""
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", worker_app)


# schemathesis's pytest fixture loader does not run under pytest 9 yet, so each operation is a
# parametrized test that builds its own hypothesis run against the app of that test.
@pytest.mark.parametrize("role", [Role.TECHNICIAN, Role.AUDITOR], ids=["technician", "auditor"])
@pytest.mark.parametrize(("method", "path"), _operations())
def test_the_api_keeps_to_its_openapi_document(
    app, schema, clinic_with_records, role, method, path
):
    app.config["API_RATE_LIMIT"] = "100000 per minute"
    with app.app_context():
        _, secret = issue_token(role, db.session.get(Clinic, clinic_with_records))
        db.session.commit()
    headers = {"Authorization": f"Bearer {secret}"}
    operation = schema[path][method]

    @given(case=operation.as_strategy())
    @settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
    def conforms(case):
        case.call_and_validate(headers=headers, checks=CHECKS)

    conforms()
