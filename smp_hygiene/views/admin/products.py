"""The catalogue's per-product settings: whether the chair may take a lot typed by hand."""

from __future__ import annotations

from flask import render_template, url_for
from flask_login import current_user
from wtforms import BooleanField

from smp_hygiene.models import Product
from smp_hygiene.services.supplies import catalogue
from smp_hygiene.views.admin.blueprint import bp
from smp_hygiene.views.forms import BaseForm
from smp_hygiene.views.loading import own_or_404
from smp_hygiene.views.writes import done, once


class ManualLotForm(BaseForm):
    """One product's hand-entry switch."""

    allows_manual_lot = BooleanField()


@bp.get("/products")
def products():
    """Every product in the catalogue, with its hand-entry setting."""
    return render_template(
        "admin/products.html",
        products=catalogue.list_products(current_user.clinic),
        form=ManualLotForm(formdata=None),
    )


@bp.post("/products/<int:product_id>/manual-lot")
@once
def manual_lot(product_id: int):
    """Allow or stop lot entry by hand for one product's retail barcode."""
    product, form = own_or_404(Product, product_id), ManualLotForm()
    allowed = bool(form.allows_manual_lot.data)
    catalogue.set_manual_lot_entry(product, allowed, current_user)
    state = "may now be typed by hand" if allowed else "must come from a barcode again"
    return done(url_for("admin.products"), f"{product.title}: the lot {state}.")
