"""The stock view: what is on the shelf, for technicians, and read by admins and auditors."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user

from smp_hygiene.services.people.permissions import STOCK_ROLES
from smp_hygiene.services.supplies import stock as stocks
from smp_hygiene.views.chair.blueprint import bp, open_to


@bp.get("/stock")
@open_to(STOCK_ROLES)
def stock():
    """Per product: lots in stock, opened bottles' countdowns, what expires soon, what is low."""
    return render_template("chair/stock.html", stock=stocks.list_stock(current_user.clinic))


@bp.context_processor
def stock_flags_when_asked():
    """Today's stock line (chair/_stock_flags.html) asks for the flags itself: only a page that
    shows them pays for the three queries, and Today's view need not know about stock."""
    return {"stock_flags": lambda: stocks.stock_flags(current_user.clinic)}
