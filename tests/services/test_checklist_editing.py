"""Editing the clinic's hygiene checklist: add and retire, never delete (sealed records keep it)."""

from __future__ import annotations

import pytest

from smp_hygiene.errors import InvalidInput, NotAllowed
from smp_hygiene.extensions import db
from smp_hygiene.models import ChecklistItem, Role
from smp_hygiene.services.sessions import checklists
from tests import factories as f


def test_admin_can_add_an_item_at_the_end_of_the_checklist(ctx):
    admin = f.make_user(Role.ADMIN)
    checklists.ensure_default_checklist(admin.clinic)

    item = checklists.add_item(admin.clinic, "  Needle depth checked  ", admin)

    assert checklists.active_items(admin.clinic)[-1] is item
    assert item.text == "Needle depth checked"


def test_an_item_over_300_characters_is_refused(ctx):
    admin = f.make_user(Role.ADMIN)

    with pytest.raises(InvalidInput, match="under 300 characters"):
        checklists.add_item(admin.clinic, "x" * 301, admin)


def test_a_retired_item_leaves_the_checklist_but_stays_listed_as_retired(ctx):
    admin = f.make_user(Role.ADMIN)
    first, second = f.make_checklist(admin.clinic)

    checklists.retire_item(first, admin)

    assert checklists.active_items(admin.clinic) == [second]
    assert checklists.retired_items(admin.clinic) == [first]


def test_a_sealed_record_keeps_the_retired_item_as_ticked(ctx):
    session = f.make_sealed_session()
    answer = session.answers[0]
    admin = f.make_user(Role.ADMIN, clinic=session.clinic)

    checklists.retire_item(db.session.get(ChecklistItem, answer.item_id), admin)

    assert [a.item_text for a in session.answers] == [answer.item_text]


def test_an_item_cannot_be_retired_twice(ctx):
    admin = f.make_user(Role.ADMIN)
    item = f.make_checklist(admin.clinic)[0]
    checklists.retire_item(item, admin)

    with pytest.raises(InvalidInput, match="is already retired"):
        checklists.retire_item(item, admin)


def test_admin_cannot_retire_another_clinics_item(ctx):
    admin = f.make_user(Role.ADMIN)
    item = f.make_checklist(f.make_clinic())[0]

    with pytest.raises(NotAllowed, match="belongs to another clinic"):
        checklists.retire_item(item, admin)


def test_auditor_cannot_retire_an_item(ctx):
    auditor = f.make_user(Role.AUDITOR)

    with pytest.raises(NotAllowed, match="Only an admin"):
        checklists.retire_item(f.make_checklist(auditor.clinic)[0], auditor)
