"""create-user records a technician's licence and who issued it, as the admin form does."""

from __future__ import annotations

import pytest

from smp_hygiene.extensions import db
from smp_hygiene.models import Role, User
from tests.factories import make_clinic

PASSWORD_TWICE = "a long passphrase\na long passphrase\n"


@pytest.fixture
def runner(app):
    with app.app_context():
        make_clinic()
        db.session.commit()
    return app.test_cli_runner()


def test_create_user_records_a_technicians_name_licence_and_issuer(app, runner):
    args = ["create-user", "tess@example.test", "--name", "Tess Tech"]
    args += ["--licence-number", "BP-2231", "--licence-issuer", "Brussels Health"]

    result = runner.invoke(args=args, input=PASSWORD_TWICE)

    assert result.exit_code == 0, result.output
    with app.app_context():
        user = User.query.filter_by(email="tess@example.test").one()
        assert (user.role, user.display_name) == (Role.TECHNICIAN, "Tess Tech")
        assert user.licence == "licence BP-2231, issued by Brussels Health"


@pytest.mark.parametrize(
    ("licence", "message"),
    [
        ([], "A technician needs a licence number"),
        (["--licence-number", "BP-2231"], "Give the body that issued the technician's licence"),
        (["--licence-issuer", "Brussels Health"], "A technician needs a licence number"),
    ],
)
def test_create_user_refuses_a_technician_without_a_full_licence(app, runner, licence, message):
    result = runner.invoke(args=["create-user", "tess@example.test", *licence])

    assert result.exit_code == 1
    assert message in result.output
    with app.app_context():
        assert User.query.filter_by(email="tess@example.test").first() is None


@pytest.mark.parametrize("role", ["auditor", "admin"])
def test_create_user_needs_no_licence_for_other_roles(app, runner, role):
    result = runner.invoke(
        args=["create-user", "a@example.test", "--role", role], input=PASSWORD_TWICE
    )

    assert result.exit_code == 0, result.output
