"""Patch tests: apply one, read it, see which are due (DOMAIN R25)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from smp_hygiene.extensions import db
from smp_hygiene.models import PatchTest, PatchTestResult, Product, ProductKind
from smp_hygiene.services.consent import patch_tests
from smp_hygiene.services.people import clients
from smp_hygiene.timeutil import utcnow
from smp_hygiene.views.chair import bp
from smp_hygiene.views.chair.consent import load_client
from smp_hygiene.views.chair.support import submit_or_back


def clinic_pigments() -> list[Product]:
    return list(
        db.session.scalars(
            select(Product)
            .where(Product.clinic_id == current_user.clinic_id, Product.kind == ProductKind.PIGMENT)
            .order_by(Product.manufacturer, Product.name)
        )
    )


@bp.get("/patch-tests")
def patch_test_list():
    """Tests waiting to be read, and the form to apply a new one."""
    return render_template(
        "chair/patch_tests.html",
        due=patch_tests.list_due_for_reading(current_user.clinic),
        clients=clients.list_clients(current_user.clinic_id, limit=500),
        pigments=clinic_pigments(),
        results=list(PatchTestResult),
        min_hours=current_user.clinic.patch_test_min_hours,
    )


@bp.post("/patch-tests")
def apply_patch_test():
    """Record a test applied now with the chosen pigments."""
    client = load_client(request.form.get("client_id", type=int) or 0)
    wanted = {int(v) for v in request.form.getlist("product_ids") if v.isdigit()}
    chosen = [p for p in clinic_pigments() if p.id in wanted]
    site = request.form.get("site", "")
    return submit_or_back(
        lambda: (
            patch_tests.apply_patch_test(client, chosen, current_user, utcnow(), site)
            and url_for("chair.patch_test_list")
        ),
        url_for("chair.patch_test_list"),
        success=f"Patch test applied for {client.full_name}.",
    )


@bp.post("/patch-tests/<int:test_id>/reading")
def read_patch_test(test_id: int):
    """Record the reading now: negative, positive or inconclusive, with the signs seen."""
    test = db.get_or_404(PatchTest, test_id)
    if test.client.clinic_id != current_user.clinic_id:
        abort(404)
    try:
        result = PatchTestResult(request.form.get("result", ""))
    except ValueError:
        flash("Choose the result: negative, positive or inconclusive.", "error")
        return redirect(url_for("chair.patch_test_list"))
    signs = request.form.get("signs", "")
    return submit_or_back(
        lambda: (
            patch_tests.read_patch_test(test, result, current_user, utcnow(), signs)
            and url_for("chair.patch_test_list")
        ),
        url_for("chair.patch_test_list"),
        success=f"Reading recorded: {result.value}.",
    )
