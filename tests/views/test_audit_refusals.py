"""Refusals at the chair, for the auditor: named in words, each kind listed on its own page."""

from __future__ import annotations

import inspect
import re
from datetime import timedelta

import pytest

from smp_hygiene import errors
from smp_hygiene.extensions import db
from smp_hygiene.models import Role
from smp_hygiene.timeutil import utcnow
from tests import factories as f

CLASS_NAMES = ["MalformedBarcode", "UnsafeSupply", "LabelInfoNotShown"]


def _visible(html: str) -> str:
    """The page's text without its tags and attributes (links may carry the code)."""
    return re.sub(r"<[^>]+>", " ", html)


@pytest.fixture
def refused(app):
    with app.app_context():
        clinic = f.make_clinic(name="Crown Clinic")
        tess = f.make_user(Role.TECHNICIAN, clinic=clinic, email="tess@example.test")
        f.make_refusal(tess, "MalformedBarcode", message="This barcode could not be read.")
        f.make_refusal(tess, "UnsafeSupply", message="Lot L1 is recalled: do not use it.")
        f.make_refusal(tess, "UnsafeSupply", message="Lot L2 expired on 2026-01-01.")
        f.make_refusal(tess, "LabelInfoNotShown", message="Show the client the label first.")
        f.make_refusal(tess, "UnsafeSupply", at=utcnow() - timedelta(days=90), message="Old one.")
        other = f.make_user(Role.TECHNICIAN, clinic=f.make_clinic(name="Elsewhere"))
        f.make_refusal(other, "UnsafeSupply", message="Another clinic's refusal.")
        db.session.commit()
        return tess.id


def test_every_rule_in_errors_names_itself_in_words():
    rules = [
        c for _, c in inspect.getmembers(errors, inspect.isclass) if c.__module__ == errors.__name__
    ]

    unnamed = [rule.__name__ for rule in rules if "label" not in vars(rule)]

    assert len(rules) > 20
    assert unnamed == []


def test_a_refusal_kind_no_rule_has_any_more_is_still_shown_in_words():
    assert errors.refusal_label("CartridgeTooBlunt") == "Cartridge too blunt"
    assert errors.refusal_label("UnsafeSupply") == errors.UnsafeSupply.label


def test_dashboard_names_refusals_in_words_and_links_each_kind(client, login, refused):
    login(Role.AUDITOR)
    start, end = utcnow().date() - timedelta(days=6), utcnow().date()

    page = client.get(f"/audit/?from={start}&to={end}").text

    assert [name for name in CLASS_NAMES if name in _visible(page)] == []
    assert errors.UnsafeSupply.label in page
    assert f"/audit/refusals?reason=UnsafeSupply&amp;from={start}&amp;to={end}" in page


def test_auditor_lists_the_refusals_of_one_kind(client, login, refused):
    login(Role.AUDITOR)

    page = client.get("/audit/refusals?reason=UnsafeSupply").text

    assert "Lot L1 is recalled" in page
    assert "Lot L2 expired" in page
    assert "This barcode could not be read." not in page
    assert "Old one." not in page  # outside the dashboard's default 30 days
    assert "Another clinic&#39;s refusal." not in page
    assert [name for name in CLASS_NAMES if name in _visible(page)] == []


def test_refusals_page_keeps_the_dashboards_period(client, login, refused):
    login(Role.AUDITOR)
    start = (utcnow() - timedelta(days=91)).date()

    page = client.get(f"/audit/refusals?reason=UnsafeSupply&from={start}").text

    assert "Old one." in page


@pytest.mark.parametrize("query", ["reason=NoSuchRule", "reason=", "from=2026-02-30"])
def test_refusals_page_answers_any_filter_with_a_page(client, login, refused, query):
    login(Role.AUDITOR)

    assert client.get(f"/audit/refusals?{query}").status_code == 200


def test_technician_cannot_list_refusals(client, login, refused):
    login(Role.TECHNICIAN)

    assert client.get("/audit/refusals").status_code == 403


def test_technician_activity_names_refusals_in_words(client, login, refused):
    login(Role.AUDITOR)

    page = client.get(f"/audit/trace/technician?technician_id={refused}").text
    exported = client.get(f"/audit/trace/technician.csv?technician_id={refused}&table=refusals")

    assert [name for name in CLASS_NAMES if name in _visible(page)] == []
    assert errors.LabelInfoNotShown.label in page
    assert f"{errors.MalformedBarcode.label},This barcode" in exported.text
