"""The by-technician search offers the people who treat, not every login of the clinic."""

from __future__ import annotations

import re

from smp_hygiene.extensions import db
from smp_hygiene.models import Role
from tests import factories as f


def _offered(page: str) -> list[str]:
    select = re.search(r'<select name="technician_id">(.*?)</select>', page, re.S).group(1)
    return [name.split(" (")[0].strip() for name in re.findall(r">([^<]+)</option>", select)]


def test_technicians_filter_lists_technicians_and_former_ones_with_sessions(app, client, login):
    with app.app_context():
        clinic = f.make_clinic()
        f.make_user(Role.TECHNICIAN, clinic=clinic, email="tess@example.test")
        former = f.make_user(Role.TECHNICIAN, clinic=clinic, email="fred@example.test")
        f.make_completed_session(technician=former)
        former.role = Role.AUDITOR  # moved to the back office; the sessions stay theirs
        f.make_user(Role.ADMIN, clinic=clinic, email="adam@example.test")
        f.make_user(Role.TECHNICIAN, clinic=f.make_clinic(), email="otto@example.test")
        db.session.commit()
    login(Role.AUDITOR, email="audrey@example.test")

    offered = _offered(client.get("/audit/trace/technician").text)

    assert sorted(offered) == ["fred@", "tess@"]
