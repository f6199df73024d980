"""Clients of a clinic: registration and look-up at the chair."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Select, select

from smp_hygiene.errors import InvalidInput
from smp_hygiene.extensions import db
from smp_hygiene.models import Client, User
from smp_hygiene.services.audit import chain
from smp_hygiene.timeutil import utcnow


def register_client(actor: User, full_name: str, date_of_birth: date, **contact: str) -> Client:
    """Add a client to the actor's clinic; a name and a plausible birth date are required."""
    full_name = " ".join(full_name.split())
    if len(full_name) < 2:
        raise InvalidInput("Enter the client's full legal name.")
    today = utcnow().date()
    if date_of_birth > today or date_of_birth.year < today.year - 120:
        raise InvalidInput("The date of birth is not plausible: check it against the photo ID.")
    client = Client(
        clinic_id=actor.clinic_id,
        full_name=full_name,
        date_of_birth=date_of_birth,
        **{k: v.strip() for k, v in contact.items() if k in ("phone", "email", "address")},
    )
    db.session.add(client)
    chain.record(actor, "client.registered", client)
    return client


def clients_query(clinic_id: int, search: str = "") -> Select:
    """Clients of the clinic, optionally those whose name contains `search`."""
    query = select(Client).where(Client.clinic_id == clinic_id)
    if search.strip():
        query = query.where(Client.full_name.ilike(f"%{search.strip()}%"))
    return query


def list_clients(clinic_id: int, search: str = "", limit: int = 50) -> list[Client]:
    """Clients of the clinic, by name, optionally filtered by part of the name."""
    query = clients_query(clinic_id, search).order_by(Client.full_name)
    return list(db.session.scalars(query.limit(limit)))
