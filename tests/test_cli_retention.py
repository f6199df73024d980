"""Retention commands: report, then erase only with --yes."""

from __future__ import annotations

from datetime import timedelta

from smp_hygiene.extensions import db
from smp_hygiene.models import Client, Role, SessionStatus
from smp_hygiene.timeutil import utcnow
from tests.factories import make_session, make_user


def _old_client(app) -> int:
    with app.app_context():
        session = make_session(
            started_at=utcnow() - timedelta(days=365 * 6), status=SessionStatus.COMPLETED
        )
        make_user(Role.ADMIN, clinic=session.client.clinic)
        db.session.commit()
        return session.client.id


def test_retention_report_lists_clients_past_the_period(app):
    client_id = _old_client(app)

    result = app.test_cli_runner().invoke(args=["retention-report"])

    assert "1 client(s) due" in result.output
    assert f"#{client_id}" in result.output


def test_erasing_needs_yes_and_then_erases(app):
    client_id = _old_client(app)
    runner = app.test_cli_runner()

    dry = runner.invoke(args=["erase-due-clients"])
    with app.app_context():
        assert db.session.get(Client, client_id).anonymised_at is None
    done = runner.invoke(args=["erase-due-clients", "--yes"])

    assert "would be erased" in dry.output
    assert "Erased the personal data of 1 client(s)." in done.output
    with app.app_context():
        assert db.session.get(Client, client_id).anonymised_at is not None
