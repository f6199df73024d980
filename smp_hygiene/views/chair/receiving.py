"""Receiving: scan a supplier barcode to create a lot, asking only for what it lacks."""

from __future__ import annotations

from flask import Response, render_template, url_for
from flask_login import current_user
from wtforms import BooleanField, DateField, StringField, TextAreaField
from wtforms.validators import Optional

from smp_hygiene.errors import DomainError, UnknownProduct
from smp_hygiene.extensions import db
from smp_hygiene.models import Product, ProductKind, SterilisationMethod, SupplyLot
from smp_hygiene.services.barcodes.reader import ParsedBarcode, own_label_text, parse_barcode
from smp_hygiene.services.supplies import catalogue, label_checks
from smp_hygiene.services.supplies import receiving as supplies
from smp_hygiene.services.verification import qrcodes
from smp_hygiene.views.chair.blueprint import bp, keep_if_refused
from smp_hygiene.views.forms import BaseForm, IdField, WholeNumberField
from smp_hygiene.views.loading import own_or_404
from smp_hygiene.views.writes import done, once, refusal_page


class ReceiveForm(BaseForm):
    """One form, in steps: the scan, then what the barcode lacks (the product; for a retail code
    the lot and expiry from the packaging; a pigment's label data)."""

    barcode = StringField()
    lot_number = StringField()
    expiry = DateField(validators=[Optional()])
    quantity = WholeNumberField(default=1, low=1, high=100_000)
    product_id = IdField()
    sterilisation_method = StringField()
    step = StringField()
    has_tattoo_use_statement = BooleanField()
    ingredients = TextAreaField()
    warnings = TextAreaField()

    def chosen_product(self) -> Product | None:
        """The product picked in the product step, if it is one of my clinic's."""
        product = db.session.get(Product, self.product_id.data or 0)
        return product if product and product.clinic_id == current_user.clinic_id else None

    def label(self) -> supplies.PigmentLabel:
        return supplies.PigmentLabel(
            has_tattoo_use_statement=self.has_tattoo_use_statement.data,
            ingredients=self.ingredients.data or "",
            warnings=self.warnings.data or "",
        )

    def next_step(self, product: Product, scan: ParsedBarcode) -> str | None:
        """The step still to ask, or None once the form holds what receiving needs."""
        asked = self.step.data or ""
        if not label_checks.identifies_lot(scan) and asked not in ("lot", "label"):
            return "lot"
        if product.kind is ProductKind.PIGMENT and asked != "label":
            return "label"
        return None

    def lot_details(self) -> dict:
        """What receive_lot needs beyond the barcode; an unreadable quantity counts as one."""
        method = self.sterilisation_method.data or None
        return {
            "quantity": max(1, self.quantity.data or 1),
            "label": self.label(),
            "sterilisation_method": SterilisationMethod(method) if method else None,
            "typed": self.typed(),
        }

    def typed(self) -> supplies.TypedLot:
        """The lot and expiry typed from the packaging, for a barcode that names no lot."""
        return supplies.TypedLot(self.lot_number.data or None, self.expiry.data)


def clinic_products() -> list[Product]:
    return catalogue.list_products(current_user.clinic)


def _page(form: ReceiveForm, step: str = "scan", status: int = 200, **context):
    return render_template(
        "chair/receiving.html",
        step=step,
        products=clinic_products(),
        methods=list(SterilisationMethod),
        form=form,
        **context,
    ), status


def _refused(error: DomainError):
    """An unknown product asks which it is; any other refusal goes back to the scan box."""
    form = ReceiveForm()
    step = "product" if isinstance(error, UnknownProduct) else "scan"
    return _page(form, step, 422, raw=form.barcode.data or "", error=error)


@bp.get("/receiving")
def receiving():
    """The scan box for supplier barcodes."""
    return _page(ReceiveForm())


@bp.post("/receiving")
@refusal_page(_refused)
@once
def receive():
    """Create (or restock) the lot behind the barcode; ask for what the barcode lacks."""
    form = ReceiveForm()
    raw = form.barcode.data or ""
    keep_if_refused(raw)
    clinic, scan = current_user.clinic, parse_barcode(raw)
    product = supplies.product_to_receive(clinic, scan, form.chosen_product(), form.typed())
    if step := form.next_step(product, scan):
        return _page(form, step, raw=raw, product=product)
    lot = supplies.receive_lot(clinic, raw, current_user, product=product, **form.lot_details())
    db.session.flush()
    return done(url_for("chair.lot", lot_id=lot.id), "Lot received.")


@bp.get("/lots/<int:lot_id>")
def lot(lot_id: int):
    """What was received, its status, and the link to print our own label."""
    found = own_or_404(SupplyLot, lot_id)
    return render_template("chair/lot.html", lot=found, missing=supplies.missing_label_data(found))


@bp.get("/lots/<int:lot_id>/label")
def lot_label(lot_id: int):
    """Our QR label for the bottle or box, sized for a 62 mm label printer."""
    found = own_or_404(SupplyLot, lot_id)
    return render_template(
        "chair/lot_label.html", lot=found, text=own_label_text("lot", found.label_code)
    )


@bp.get("/lots/<int:lot_id>/label.svg")
def lot_label_svg(lot_id: int):
    """The label's QR code: SMPH-LOT:<code>, which the chair's scan box understands."""
    found = own_or_404(SupplyLot, lot_id)
    svg = qrcodes.qr_svg(own_label_text("lot", found.label_code))
    return Response(svg, mimetype="image/svg+xml")
