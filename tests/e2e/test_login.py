"""A technician signs in through the real login page in Chromium."""

from __future__ import annotations

import pytest

from smp_hygiene.extensions import db
from smp_hygiene.models import Role
from tests import factories
from tests.e2e.conftest import screenshot, sign_in

pytestmark = pytest.mark.e2e


def test_technician_can_sign_in_and_out(live_app, page):
    with live_app.app_context():
        factories.make_user(Role.TECHNICIAN, email="tech@example.test")
        db.session.commit()

    sign_in(page, "tech@example.test", factories.PASSWORD)

    assert "tech" in page.locator(".who").inner_text()
    screenshot(page, "after-login")


def test_wrong_password_is_refused_in_plain_words(live_app, page):
    with live_app.app_context():
        factories.make_user(Role.TECHNICIAN, email="tech@example.test")
        db.session.commit()

    sign_in(page, "tech@example.test", "wrong password!")

    assert page.get_by_role("alert").inner_text() == "Email or password is not right."
