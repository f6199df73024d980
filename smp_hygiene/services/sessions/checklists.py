"""The clinic's hygiene checklist: its items, edited by an admin, never deleted once used."""

from __future__ import annotations

from sqlalchemy import func, select

from smp_hygiene.errors import InvalidInput, NotAllowed
from smp_hygiene.extensions import db
from smp_hygiene.models import ChecklistAnswer, ChecklistItem, Clinic, TreatmentSession, User
from smp_hygiene.services.audit import chain
from smp_hygiene.services.people import permissions

MAX_TEXT = 300  # ChecklistItem.text

# OAR 331-915-0070, Montana ARM 37.112.131(4) (R12), Florida event rules: DOMAIN.md "Checklist".
DEFAULT_ITEMS = (
    "Hands washed and sanitised before gloving",
    "Fresh single-use gloves put on",
    "Work surfaces disinfected (registered disinfectant, full contact time)",
    "Barrier film on machine, cord and bottles",
    "Sterile single-use cartridge opened in front of the client",
    "Client's skin cleaned with antiseptic",
    "Sharps disposed of in the sharps container",
)


def ensure_default_checklist(clinic: Clinic, actor: User | None = None) -> list[ChecklistItem]:
    """Give a clinic the default items the first time; later calls change nothing."""
    if active_items(clinic):
        return active_items(clinic)
    items = [ChecklistItem(clinic=clinic, position=i, text=t) for i, t in enumerate(DEFAULT_ITEMS)]
    db.session.add_all(items)
    for item in items:
        chain.record(actor, "checklist_item.added", item)
    return items


def active_items(clinic: Clinic) -> list[ChecklistItem]:
    return list(
        db.session.scalars(
            select(ChecklistItem)
            .where(ChecklistItem.clinic_id == clinic.id, ChecklistItem.is_active.is_(True))
            .order_by(ChecklistItem.position, ChecklistItem.id)
        )
    )


def unticked_items(session: TreatmentSession) -> list[ChecklistItem]:
    """The clinic's active items this session has not ticked yet, in one query."""
    ticked = select(ChecklistAnswer.item_id).where(ChecklistAnswer.session_id == session.id)
    return list(
        db.session.scalars(
            select(ChecklistItem)
            .where(ChecklistItem.clinic_id == session.clinic_id, ChecklistItem.is_active.is_(True))
            .where(ChecklistItem.id.not_in(ticked))
            .order_by(ChecklistItem.position, ChecklistItem.id)
        )
    )


def retired_items(clinic: Clinic) -> list[ChecklistItem]:
    """Items no longer asked; sealed records still show them as they were ticked."""
    return list(
        db.session.scalars(
            select(ChecklistItem)
            .where(ChecklistItem.clinic_id == clinic.id, ChecklistItem.is_active.is_(False))
            .order_by(ChecklistItem.position, ChecklistItem.id)
        )
    )


def add_item(clinic: Clinic, text: str, admin: User) -> ChecklistItem:
    """An admin adds an item at the end; sessions in progress must answer it too."""
    _require_admin(admin)
    text = text.strip()
    if not text:
        raise InvalidInput("A checklist item needs some text.")
    if len(text) > MAX_TEXT:
        raise InvalidInput(f"Keep a checklist item under {MAX_TEXT} characters.")
    last = db.session.scalar(
        select(func.max(ChecklistItem.position)).where(ChecklistItem.clinic_id == clinic.id)
    )
    item = ChecklistItem(clinic=clinic, text=text, position=(last or 0) + 1)
    db.session.add(item)
    chain.record(admin, "checklist_item.added", item)
    return item


def retire_item(item: ChecklistItem, admin: User) -> None:
    """Retire rather than delete, so sealed records keep pointing at what was ticked."""
    _require_admin(admin)
    if item.clinic_id != admin.clinic_id:
        raise NotAllowed("This checklist item belongs to another clinic.")
    if not item.is_active:
        raise InvalidInput(f'"{item.text}" is already retired.')
    before = chain.snapshot(item)
    item.is_active = False
    chain.record(admin, "checklist_item.retired", item, before=before)


def _require_admin(user: User) -> None:
    permissions.require(
        permissions.can_administer(user), "Only an admin can change the clinic's checklist."
    )
