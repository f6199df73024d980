"""What the rules refused at the chair, listed by kind: where the dashboard's counts lead."""

from __future__ import annotations

from flask import render_template, request
from flask_login import current_user

from smp_hygiene.services.compliance import refusals
from smp_hygiene.timeutil import utcnow
from smp_hygiene.views.audit.blueprint import bp
from smp_hygiene.views.audit.listing import PER_PAGE, day_after, day_start, parse_period
from smp_hygiene.views.ids import page_number


@bp.get("/refusals", endpoint="refusals")
def refusals_list():
    """Refusals of one kind (?reason=) or of all kinds, over the dashboard's period."""
    start, end = parse_period(request.args)
    end = end or utcnow().date()
    reason = request.args.get("reason", "")
    page = refusals.list_refusals(
        current_user.clinic, day_start(start), day_after(end), reason,
        request.args.get("page", 1, type=page_number), PER_PAGE,
    )  # fmt: skip
    kinds = refusals.refusal_kinds(current_user.clinic)
    return render_template(
        "audit/refusals.html", page=page, kinds=kinds, reason=reason, start=start, end=end
    )
