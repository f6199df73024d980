"""Consent forms: publish a new version of the clinic's form from a file."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import with_appcontext

from smp_hygiene.commands.lookup import find_actor, get_clinic
from smp_hygiene.errors import DomainError
from smp_hygiene.extensions import db
from smp_hygiene.models import Clinic, User
from smp_hygiene.services.consent import consents
from smp_hygiene.services.people import permissions

FIELDS = ("title", "risk_text", "medical_questions", "guardian_consent_from_age", "valid_days")


def read_form_file(path: Path) -> dict:
    """A .json file names any of FIELDS; any other file is text: a title line, then the wording."""
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise click.ClickException(f"{path} is not valid JSON: {error}") from error
        if not isinstance(data, dict):
            raise click.ClickException(f"{path} must hold one JSON object.")
        unknown = sorted(set(data) - set(FIELDS))
        if unknown:
            raise click.ClickException(f"{path}: unknown field(s) {', '.join(unknown)}.")
        _check_types(path, data)
        return data
    title, _, body = text.strip().partition("\n")
    return {"title": title.strip().lstrip("#").strip(), "risk_text": body.strip()}


def _check_types(path: Path, data: dict) -> None:
    for name in ("guardian_consent_from_age", "valid_days"):
        value = data.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise click.ClickException(f"{path}: {name} must be a whole number.")
    questions = data.get("medical_questions", [])
    if not isinstance(questions, list) or not all(isinstance(q, dict) for q in questions):
        raise click.ClickException(f"{path}: medical_questions must be a list of objects.")


def _publisher(clinic: Clinic, email: str | None) -> User:
    user = find_actor(email, clinic)
    if user is None or user.clinic_id != clinic.id or not permissions.can_administer(user):
        raise click.ClickException("No admin of this clinic to publish as: pass --user EMAIL.")
    return user


@click.command("publish-consent-form")
@click.option(
    "--file",
    "path",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Text (first line the title) or JSON with title, risk_text, medical_questions...",
)
@click.option("--clinic-id", type=int, default=None, help="Defaults to the first clinic.")
@click.option("--user", "email", help="Who publishes it (defaults to the clinic's first admin).")
@with_appcontext
def publish_consent_form_command(path: Path, clinic_id: int | None, email: str | None) -> None:
    """Publish the next version of the clinic's consent form; what the file omits carries over."""
    clinic = get_clinic(clinic_id)
    fields = {**consents.next_version_defaults(clinic), **read_form_file(path)}
    try:
        template = consents.create_template(clinic, _publisher(clinic, email), **fields)
    except DomainError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(
        f"{clinic.name}: consent form version {template.version} ({template.title}) published; "
        "new consents are signed against it."
    )


COMMANDS = (publish_consent_form_command,)
