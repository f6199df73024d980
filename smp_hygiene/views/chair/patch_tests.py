"""Patch tests: apply one, read it, see which are due (DOMAIN R25)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import RadioField, SelectMultipleField, StringField
from wtforms.validators import InputRequired, Optional

from smp_hygiene.extensions import db
from smp_hygiene.models import (
    Client,
    PatchTest,
    PatchTestResult,
    Product,
    ProductKind,
    SupplyLot,
)
from smp_hygiene.services.consent import patch_tests
from smp_hygiene.services.people import clients
from smp_hygiene.services.supplies import catalogue
from smp_hygiene.timeutil import utcnow
from smp_hygiene.views.chair.blueprint import bp
from smp_hygiene.views.clock import ClinicTimeField
from smp_hygiene.views.forms import BaseForm, IdField, choices
from smp_hygiene.views.ids import record_id
from smp_hygiene.views.loading import own_or_404
from smp_hygiene.views.writes import done, once


class ApplyForm(BaseForm):
    """Who, with which pigments (or lots), where and when; the service checks the rest."""

    client_id = IdField()
    # Ids not among the clinic's pigments are dropped, not refused: see chosen_pigments.
    product_ids = SelectMultipleField(coerce=record_id, validate_choice=False)
    lot_ids = SelectMultipleField(coerce=record_id, validate_choice=False)
    site = StringField()
    applied_at = ClinicTimeField("Applied at", validators=[Optional()])  # empty: now


class ReadingForm(BaseForm):
    """The result, one of PatchTestResult, and the signs seen."""

    result = RadioField(
        choices=choices((r.value, r.value) for r in PatchTestResult), validators=[InputRequired()]
    )
    signs = StringField()


def clinic_pigments() -> list[Product]:
    return catalogue.list_products(current_user.clinic, ProductKind.PIGMENT)


def chosen_pigments(form: ApplyForm) -> list[Product]:
    wanted = set(form.product_ids.data or [])
    return [p for p in clinic_pigments() if p.id in wanted]


def pigment_lots() -> list[SupplyLot]:
    """The clinic's pigment lots, for clinics that patch test per lot."""
    return catalogue.list_lots(current_user.clinic, ProductKind.PIGMENT)


def chosen_lots(form: ApplyForm) -> list[SupplyLot]:
    wanted = set(form.lot_ids.data or [])
    return [lot for lot in pigment_lots() if lot.id in wanted]


def load_test(test_id: int) -> PatchTest:
    """A test of a client of my clinic, or 404: a test belongs to the clinic of its client."""
    test = db.get_or_404(PatchTest, test_id)
    own_or_404(Client, test.client_id)
    return test


@bp.get("/patch-tests")
def patch_test_list():
    """Tests waiting to be read; find a client (as on Today) to apply a new one."""
    search = request.args.get("q", "").strip()
    return render_template(
        "chair/patch_tests.html",
        due=patch_tests.list_due_for_reading(current_user.clinic),
        search=search,
        found=clients.list_clients(current_user.clinic_id, search) if search else [],
        pigments=clinic_pigments(),
        lots=pigment_lots() if current_user.clinic.is_patch_test_per_lot else [],
        results=list(PatchTestResult),
        clinic=current_user.clinic,
        readable_at=patch_tests.readable_at,
        form=ApplyForm(formdata=None, applied_at=utcnow()),
    )


@bp.post("/patch-tests")
@once
def apply_patch_test():
    """Record a test applied at the time entered (empty: now) with the chosen pigments or lots."""
    form = ApplyForm()
    client = own_or_404(Client, form.client_id.data or 0)
    if not form.validate():
        flash("Enter when the test was applied as a date and time.", "error")
        return redirect(url_for("chair.patch_test_list"))
    applied_at, site = form.applied_at.data or utcnow(), form.site.data or ""
    patch_tests.apply_patch_test(
        client, chosen_pigments(form), current_user, applied_at, site, chosen_lots(form)
    )
    message = f"Patch test applied for {client.full_name}."
    return done(url_for("chair.patch_test_list"), message)


@bp.post("/patch-tests/<int:test_id>/reading")
@once
def read_patch_test(test_id: int):
    """Record the reading now: negative, positive or inconclusive, with the signs seen."""
    test, form = load_test(test_id), ReadingForm()
    if not form.validate():
        flash("Choose the result: negative, positive or inconclusive.", "error")
        return redirect(url_for("chair.patch_test_list"))
    result = PatchTestResult(form.result.data)
    patch_tests.read_patch_test(test, result, current_user, utcnow(), form.signs.data or "")
    return done(url_for("chair.patch_test_list"), f"Reading recorded: {result.value}.")
