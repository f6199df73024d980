"""The catalogue's per-product settings: whether the chair may take a lot typed by hand, and
the low-stock level below which the stock view flags the product."""

from __future__ import annotations

from flask import flash, render_template, url_for
from flask_login import current_user
from wtforms import BooleanField

from smp_hygiene.errors import DomainError
from smp_hygiene.models import Product
from smp_hygiene.services.supplies import catalogue
from smp_hygiene.views.admin.blueprint import bp
from smp_hygiene.views.admin.forms import submitted
from smp_hygiene.views.forms import BaseForm, OptionalWholeNumberField
from smp_hygiene.views.loading import own_or_404
from smp_hygiene.views.writes import done, once, refusal_page


class ManualLotForm(BaseForm):
    """One product's hand-entry switch."""

    allows_manual_lot = BooleanField()


class LowStockForm(BaseForm):
    """One product's low-stock level; empty turns the alert off."""

    low_stock_level = OptionalWholeNumberField(
        "Low-stock level", low=1, high=catalogue.MAX_LOW_STOCK_LEVEL
    )


def _page(status: int = 200):
    return render_template(
        "admin/products.html",
        products=catalogue.list_products(current_user.clinic),
        form=ManualLotForm(formdata=None),
    ), status


def _refused(error: DomainError):
    flash(str(error), "error")
    return _page(error.http_status)


@bp.get("/products")
def products():
    """Every product in the catalogue, with its hand-entry setting and low-stock level."""
    return _page()


@bp.post("/products/<int:product_id>/manual-lot")
@once
def manual_lot(product_id: int):
    """Allow or stop lot entry by hand for one product's retail barcode."""
    product, form = own_or_404(Product, product_id), ManualLotForm()
    allowed = bool(form.allows_manual_lot.data)
    catalogue.set_manual_lot_entry(product, allowed, current_user)
    state = "may now be typed by hand" if allowed else "must come from a barcode again"
    return done(url_for("admin.products"), f"{product.title}: the lot {state}.")


@bp.post("/products/<int:product_id>/low-stock")
@refusal_page(_refused)
@once
def low_stock(product_id: int):
    """Set or clear the level below which the stock view, Today and the dashboard flag it."""
    product = own_or_404(Product, product_id)
    level = submitted(LowStockForm()).low_stock_level.data
    catalogue.set_low_stock_level(product, level, current_user)
    said = f"flagged when fewer than {level} are in stock" if level else "no low-stock alert"
    return done(url_for("admin.products"), f"{product.title}: {said}.")
