"""Refusals never name another clinic's records, nor confirm that another clinic's login exists."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from smp_hygiene.errors import AlreadyExists, AlreadyUsed, InvalidInput
from smp_hygiene.extensions import db
from smp_hygiene.models import AuditEntry, NotificationChannel, ProductKind, Role
from smp_hygiene.services.people import users
from smp_hygiene.services.recalls import operations
from smp_hygiene.services.sessions import lifecycle
from tests.factories import (
    gs1_for,
    make_client,
    make_clinic,
    make_lot,
    make_product,
    make_ready_session,
    make_recall,
    make_session,
    make_use,
    make_user,
)

TAKEN = (
    "^This email cannot be used for a new login: ask the person for another address, "
    "or contact support.$"
)


def _new_login(email: str) -> dict:
    return {
        "email": email,
        "display_name": "Nia Tech",
        "role": Role.TECHNICIAN,
        "password": "long enough pw",
        "licence_number": "BP-2231",
        "licence_issuer": "Brussels-Capital Health Inspectorate",
    }


@pytest.mark.parametrize("same_clinic", [True, False])
@pytest.mark.parametrize(
    "typed", ["taken@example.test", "TAKEN@example.test", " Taken@Example.Test "]
)
def test_admin_gets_one_answer_for_an_email_taken_here_or_elsewhere(ctx, same_clinic, typed):
    home, elsewhere = make_clinic(), make_clinic()
    admin = make_user(Role.ADMIN, clinic=home)
    make_user(
        Role.TECHNICIAN, email="taken@example.test", clinic=home if same_clinic else elsewhere
    )

    with pytest.raises(AlreadyExists, match=TAKEN):
        users.add_staff(admin, **_new_login(typed))


def test_user_created_records_the_clinic_of_the_new_login(ctx):
    clinic = make_clinic()

    user = make_user(Role.AUDITOR, clinic=clinic)

    entry = db.session.scalars(
        select(AuditEntry).where(
            AuditEntry.action == "user.created", AuditEntry.entity_id == str(user.id)
        )
    ).one()
    assert (entry.clinic_id, json.loads(entry.after)["clinic_id"]) == (clinic.id, clinic.id)


def _twin_cartridge_lots():
    """The same serialised cartridge product received at two clinics."""
    here = make_lot(kind=ProductKind.NEEDLE_CARTRIDGE)
    twin = make_product(ProductKind.NEEDLE_CARTRIDGE, clinic=make_clinic(), gtin=here.product.gtin)
    return here, make_lot(twin, lot_number=here.lot_number)


def _session_at(clinic):
    return make_ready_session(
        client=make_client(clinic), technician=make_user(Role.TECHNICIAN, clinic=clinic)
    )


@pytest.mark.parametrize("serial", ["SN42", "0001", "A-77/x"])
def test_a_cartridge_used_at_another_clinic_is_refused_without_its_session(ctx, serial):
    here, there = _twin_cartridge_lots()
    first = _session_at(there.product.clinic)
    lifecycle.record_scan(first, gs1_for(there, serial=serial), first.technician)
    second = _session_at(here.product.clinic)

    with pytest.raises(
        AlreadyUsed,
        match=rf"^Cartridge serial {serial} was already used elsewhere\. Needles are single-use: "
        r"open a new one\.$",
    ):
        lifecycle.record_scan(second, gs1_for(here, serial=serial), second.technician)


def test_a_cartridge_used_in_this_clinic_names_the_session_and_day(ctx):
    here, _ = _twin_cartridge_lots()
    first = _session_at(here.product.clinic)
    lifecycle.record_scan(first, gs1_for(here, serial="SN42"), first.technician)
    second = _session_at(here.product.clinic)

    with pytest.raises(
        AlreadyUsed,
        match=rf"^Cartridge serial SN42 was already used in session #{first.id} on "
        rf"{first.started_at:%Y-%m-%d}\. ",
    ):
        lifecycle.record_scan(second, gs1_for(here, serial="SN42"), second.technician)


def test_a_recall_notification_for_another_clinics_client_does_not_name_them(ctx):
    lot = make_lot()
    make_use(make_session(make_client()), lot)
    recall = make_recall([lot])
    elsewhere = make_clinic()
    stranger = make_client(elsewhere, full_name="Jordan Mensah")
    make_use(make_session(stranger), make_lot(make_product(clinic=elsewhere)))

    with pytest.raises(
        InvalidInput, match=r"^That client was not treated with a lot in this recall\.$"
    ):
        operations.mark_client_notified(
            make_user(Role.AUDITOR, clinic=lot.product.clinic),
            recall,
            stranger,
            NotificationChannel.PHONE,
        )
