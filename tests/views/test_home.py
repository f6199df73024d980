"""The landing page sends each role straight to its workspace."""

from __future__ import annotations

import pytest

from smp_hygiene.models import Role


@pytest.mark.parametrize(
    ("role", "workspace"),
    [(Role.TECHNICIAN, "/chair/"), (Role.AUDITOR, "/audit/"), (Role.ADMIN, "/admin/")],
)
def test_each_role_lands_in_its_own_workspace(client, login, role, workspace):
    login(role)

    assert client.get("/").headers["Location"] == workspace


def test_the_placeholder_welcome_page_is_gone(client, login):
    login(Role.ADMIN)

    assert client.get("/welcome").status_code == 404
