"""The demo clinic's clients: each signed the consent form and was patch-tested."""

from __future__ import annotations

import io
from datetime import date, timedelta

from PIL import Image, ImageDraw

from smp_hygiene.extensions import db
from smp_hygiene.models import Client, Clinic, PatchTestResult, Product, User
from smp_hygiene.services.consent import consents, patch_tests
from smp_hygiene.timeutil import utcnow

CLIENTS = (
    ("Jordan Mensah", date(1984, 3, 2)),
    ("Chris Novak", date(1979, 11, 23)),
    ("Alexis Duarte", date(1991, 7, 9)),
    ("Morgan Lee", date(1988, 1, 30)),
    ("Robin Haas", date(1975, 5, 14)),
)


def load(clinic: Clinic, admin: User, tech: User, products: list[Product]) -> list[Client]:
    """Five clients with a signed consent; Morgan Lee reacted to the brow pigment."""
    clients = [_client(clinic, name, born) for name, born in CLIENTS]
    _consents(clinic, admin, clients, tech)
    _patch_tests(clients, products, tech)
    return clients


def _client(clinic: Clinic, name: str, born: date) -> Client:
    slug = name.lower().replace(" ", ".")
    client = Client(
        clinic=clinic,
        full_name=name,
        date_of_birth=born,
        email=f"{slug}@mail.example",
        phone="+32 470 00 00 00",
    )
    db.session.add(client)
    return client


def _consents(clinic: Clinic, admin: User, clients: list[Client], tech: User) -> None:
    """R20: every demo client signed the clinic's consent form before the first session."""
    consents.create_template(clinic, admin, title="Scalp micropigmentation: consent")
    questions = consents.DEFAULT_MEDICAL_QUESTIONS
    for client in clients:
        db.session.flush()
        form = consents.ConsentForm(
            contraindications={name: False for name in consents.CONTRAINDICATIONS},
            medical_answers={q["key"]: False for q in questions},
            id_document_type="national_id",
            id_document_ref=f"ends {client.date_of_birth:%d%m}",
            signature_png=_signature(client.full_name),
            explained_verbally=True,
            given_in_writing=True,
        )
        consents.record_consent(client, form, tech)


def _signature(name: str) -> bytes:
    """A scribble standing in for a signature drawn on the tablet."""
    image = Image.new("RGBA", (600, 200), (0, 0, 0, 0))
    points = [(40 + 520 * i / (len(name) - 1), 150 - (ord(c) % 7) * 15) for i, c in enumerate(name)]
    ImageDraw.Draw(image).line(points, fill="black", width=4)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def _patch_tests(clients, products, tech: User) -> None:
    black, ash, taupe = products[:3]
    applied = utcnow() - timedelta(days=80)
    for client in clients:
        test = patch_tests.apply_patch_test(client, [black, ash], tech, applied, "Behind left ear")
        patch_tests.read_patch_test(
            test, PatchTestResult.NEGATIVE, tech, applied + timedelta(hours=48)
        )
    # Morgan Lee reacted to the brow pigment: that pigment is blocked for Morgan.
    test = patch_tests.apply_patch_test(clients[3], [taupe], tech, applied, "Inner forearm")
    patch_tests.read_patch_test(
        test,
        PatchTestResult.POSITIVE,
        tech,
        applied + timedelta(hours=48),
        signs="Papules and itching at 48 h",
    )
