"""Retention commands: report, then erase only with --yes."""

from __future__ import annotations

from datetime import timedelta

from smp_hygiene.extensions import db
from smp_hygiene.models import Client, Role, SessionStatus
from smp_hygiene.timeutil import utcnow
from tests.factories import make_lot, make_reaction, make_recall, make_session, make_use, make_user


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

    assert "1 client(s) due, 0 held" in result.output
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


def test_retention_report_lists_held_clients_with_the_reason(app):
    due_id = _old_client(app)
    with app.app_context():
        lot = make_lot()
        old = make_session(started_at=utcnow() - timedelta(days=365 * 6))
        make_use(old, lot)
        recall = make_recall([lot], source_reference="A12/0097/17")
        reaction = make_reaction(make_session(started_at=utcnow() - timedelta(days=365 * 7)))
        db.session.commit()
        held_id, recall_id, reaction_id = old.client_id, recall.id, reaction.id

    result = app.test_cli_runner().invoke(args=["retention-report"])

    assert "1 client(s) due, 2 held." in result.output
    assert f"#{due_id}  last treated" in result.output
    assert (
        f"#{held_id}  held: recall #{recall_id} (EU Safety Gate alert A12/0097/17) is open"
        in result.output
    )
    assert f"adverse reaction #{reaction_id} is still open" in result.output


def test_erasing_leaves_held_clients_alone(app):
    client_id = _old_client(app)
    with app.app_context():
        lot = make_lot()
        old = make_session(started_at=utcnow() - timedelta(days=365 * 6))
        make_use(old, lot)
        make_recall([lot])
        db.session.commit()
        held_id = old.client_id

    done = app.test_cli_runner().invoke(args=["erase-due-clients", "--yes"])

    assert "Erased the personal data of 1 client(s)." in done.output
    with app.app_context():
        assert db.session.get(Client, client_id).anonymised_at is not None
        assert db.session.get(Client, held_id).anonymised_at is None
