"""A safety net over every route: nothing but the public pages answers a signed-out visitor,
and no technician reaches the auditor's or admin's workspace."""

from __future__ import annotations

import re

import pytest

from smp_hygiene.models import Role

PUBLIC_ENDPOINTS = {"static", "auth.login", "home.index", "health.healthz", "health.readyz"}
# Counts and timings, no clinical data; production hides it behind METRICS_TOKEN (test_metrics).
PUBLIC_ENDPOINTS.add("health.prometheus")
# api-docs.: the API's OpenAPI document and its documentation page name no clinic data.
PUBLIC_PREFIXES = ("verify.", "api-docs.")


def _routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC_ENDPOINTS or rule.endpoint.startswith(PUBLIC_PREFIXES):
            continue
        url = re.sub(r"<(?:int:)?(\w+)>", "1", rule.rule)
        method = "GET" if "GET" in rule.methods else "POST"
        yield rule.endpoint, method, url


def test_every_route_is_covered_by_the_list(app):
    endpoints = {endpoint for endpoint, _, _ in _routes(app)}

    assert {"chair.today", "audit.dashboard", "admin.settings", "reactions.new"} <= endpoints


def test_no_private_route_answers_a_signed_out_visitor(app, client):
    leaks = []
    for endpoint, method, url in _routes(app):
        response = client.open(url, method=method)
        redirected_to_login = response.status_code == 302 and "/auth/login" in response.location
        if not (redirected_to_login or response.status_code in (401, 403, 404, 405)):
            leaks.append((endpoint, url, response.status_code))

    assert leaks == []


@pytest.mark.parametrize("prefix", ["/audit/", "/admin/"])
def test_technician_is_refused_everywhere_in_the_audit_and_admin_workspaces(
    app, client, login, prefix
):
    login(Role.TECHNICIAN)
    answered = []
    for endpoint, method, url in _routes(app):
        if url.startswith(prefix) and client.open(url, method=method).status_code not in (403, 405):
            answered.append(endpoint)

    assert answered == []


# Read-only chair pages that admins and auditors may open too (`open_to` in the chair blueprint).
CHAIR_PAGES_FOR_EVERY_ROLE = {"chair.stock"}


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.ADMIN])
def test_auditors_and_admins_are_refused_at_the_chair_but_for_the_stock_view(
    app, client, login, role
):
    login(role)
    answered = set()
    for endpoint, method, url in _routes(app):
        if url.startswith("/chair/") and client.open(url, method=method).status_code != 403:
            answered.add(endpoint)

    assert answered == CHAIR_PAGES_FOR_EVERY_ROLE
