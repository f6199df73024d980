"""Fixtures for the JSON API: users with tokens, and a client that sends them."""

from __future__ import annotations

import itertools
import uuid

import pytest

from smp_hygiene.extensions import db
from smp_hygiene.models import Clinic, Role
from smp_hygiene.services.people import api_tokens
from tests import factories

_keys = itertools.count(1)


class Api:
    """The test client, signed in by a token: `post` sends a fresh Idempotency-Key unless given
    one (or `key=None` to send none)."""

    def __init__(self, client, secret: str) -> None:
        self.client, self.secret = client, secret

    def headers(self, **extra) -> dict:
        return {"Authorization": f"Bearer {self.secret}", **extra}

    def get(self, path: str, **kwargs):
        return self.client.get("/api/v1" + path, headers=self.headers(), **kwargs)

    def post(self, path: str, json=None, key: str | None = "fresh", **kwargs):
        key = f"test-{next(_keys)}-{uuid.uuid4()}" if key == "fresh" else key
        headers = self.headers(**({"Idempotency-Key": key} if key is not None else {}))
        return self.client.post("/api/v1" + path, json=json, headers=headers, **kwargs)


def issue_token(role: Role, clinic: Clinic | None = None):
    """A user of `role` and a live token acting as them: (user, secret). Flushes, no commit."""
    user = factories.make_user(role, clinic=clinic)
    admin = factories.make_user(Role.ADMIN, clinic=user.clinic)
    _, secret = api_tokens.create_token(admin, user, f"{role.value} integration")
    return user, secret


def _clinic(clinic: Clinic | int | None) -> Clinic | None:
    if isinstance(clinic, int):
        return db.session.get(Clinic, clinic)
    return db.session.merge(clinic) if clinic else None


@pytest.fixture
def api_as(app, client):
    """`api_as(role, clinic=None)`: an Api client acting as a new user of `role` (in `clinic`, a
    Clinic or its id)."""

    def make(role: Role, clinic: Clinic | int | None = None) -> Api:
        with app.app_context():
            _, secret = issue_token(role, _clinic(clinic))
            db.session.commit()
        return Api(client, secret)

    return make
