"""Receiving: scan a supplier barcode to create a lot, asking only for what it lacks."""

from __future__ import annotations

from flask import Response, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from smp_hygiene.errors import DomainError, UnknownProduct
from smp_hygiene.extensions import db
from smp_hygiene.models import Product, ProductKind, SterilisationMethod, SupplyLot
from smp_hygiene.services.barcodes.reader import own_label_text, parse_barcode
from smp_hygiene.services.supplies import receiving as supplies
from smp_hygiene.services.verification import qrcodes
from smp_hygiene.views.chair import bp
from smp_hygiene.views.chair.support import refuse, submit_once
from smp_hygiene.views.loading import own_or_404


def clinic_products() -> list[Product]:
    return list(
        db.session.scalars(
            select(Product)
            .where(Product.clinic_id == current_user.clinic_id)
            .order_by(Product.kind, Product.manufacturer, Product.name)
        )
    )


def chosen_product(form) -> Product | None:
    product = db.session.get(Product, form.get("product_id", type=int) or 0)
    return product if product and product.clinic_id == current_user.clinic_id else None


def parse_label(form) -> supplies.PigmentLabel:
    return supplies.PigmentLabel(
        has_tattoo_use_statement=form.get("has_tattoo_use_statement") == "on",
        ingredients=form.get("ingredients", ""),
        warnings=form.get("warnings", ""),
    )


def _page(step: str = "scan", status: int = 200, **context):
    return render_template(
        "chair/receiving.html",
        step=step,
        products=clinic_products(),
        methods=list(SterilisationMethod),
        form=request.form,
        **context,
    ), status


@bp.get("/receiving")
def receiving():
    """The scan box for supplier barcodes."""
    return _page()


def missing_step(raw: str, product: Product | None) -> tuple[str, Product | None]:
    """Which question the barcode leaves open: the product, or a pigment's label data."""
    product = product or supplies.get_product_for_scan(current_user.clinic, parse_barcode(raw))
    if product.kind is ProductKind.PIGMENT and request.form.get("step") != "label":
        return "label", product
    return "", product


@bp.post("/receiving")
def receive():
    """Create (or restock) the lot behind the barcode; ask for the product or label if needed."""
    raw, product = request.form.get("barcode", ""), chosen_product(request.form)
    try:
        step, product = missing_step(raw, product)
    except UnknownProduct as error:
        refuse(error, raw)
        return _page("product", 422, raw=raw, error=error)
    except DomainError as error:
        refuse(error, raw)
        return _page("scan", 422, raw=raw, error=error)
    if step:
        return _page(step, raw=raw, product=product)
    method = request.form.get("sterilisation_method") or None

    def action() -> str:
        lot = supplies.receive_lot(
            current_user.clinic,
            raw,
            current_user,
            product=product,
            quantity=max(1, request.form.get("quantity", 1, type=int) or 1),
            label=parse_label(request.form),
            sterilisation_method=SterilisationMethod(method) if method else None,
        )
        db.session.flush()
        return url_for("chair.lot", lot_id=lot.id)

    outcome = submit_once(action, success="Lot received.", raw_input=raw)
    if isinstance(outcome, DomainError):
        return _page("scan", 422, raw=raw, error=outcome)
    return outcome


def load_lot(lot_id: int) -> SupplyLot:
    return own_or_404(SupplyLot, lot_id)


@bp.get("/lots/<int:lot_id>")
def lot(lot_id: int):
    """What was received, its status, and the link to print our own label."""
    found = load_lot(lot_id)
    return render_template("chair/lot.html", lot=found, missing=supplies.missing_label_data(found))


@bp.get("/lots/<int:lot_id>/label")
def lot_label(lot_id: int):
    """Our QR label for the bottle or box, sized for a 62 mm label printer."""
    found = load_lot(lot_id)
    return render_template(
        "chair/lot_label.html", lot=found, text=own_label_text("lot", found.label_code)
    )


@bp.get("/lots/<int:lot_id>/label.svg")
def lot_label_svg(lot_id: int):
    """The label's QR code: SMPH-LOT:<code>, which the chair's scan box understands."""
    found = load_lot(lot_id)
    svg = qrcodes.qr_svg(own_label_text("lot", found.label_code))
    return Response(svg, mimetype="image/svg+xml")
