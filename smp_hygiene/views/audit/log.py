"""The audit log: filter, page through, export, and check the hash chain."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from smp_hygiene.csvexport import csv_response
from smp_hygiene.extensions import db
from smp_hygiene.services.audit import search as audit_search
from smp_hygiene.services.audit import verifying
from smp_hygiene.services.audit.search import AuditFilter
from smp_hygiene.views.audit.blueprint import bp
from smp_hygiene.views.audit.listing import day_after, day_start, parse_period
from smp_hygiene.views.forms import ButtonForm
from smp_hygiene.views.ids import page_number, record_id

CSV_HEADER = ["id", "at", "actor", "action", "entity_type", "entity_id", "before", "after",
              "prev_hash", "entry_hash"]  # fmt: skip


def parse_filter(args) -> AuditFilter:
    """The query string as a filter; malformed values are ignored rather than refused."""
    start, end = parse_period(args, default_days=None)
    return AuditFilter(
        actor_id=args.get("actor", type=record_id),
        entity_type=args.get("entity_type", "").strip(),
        entity_id=args.get("entity_id", "").strip(),
        start=day_start(start),
        end=day_after(end),
    )


@bp.get("/log")
def log():
    """Audit entries of the clinic, newest first, filtered by actor, entity and time."""
    wanted = parse_filter(request.args)
    page = audit_search.search_entries(
        current_user.clinic, wanted, request.args.get("page", 1, type=page_number)
    )
    return render_template(
        "audit/log.html",
        page=page,
        wanted=wanted,
        args=request.args.to_dict(),
        actors=audit_search.list_actors(current_user.clinic),
        entity_types=audit_search.entity_types(),
    )


@bp.get("/log.csv")
def log_csv():
    """The filtered entries as CSV, in chain order, hashes included for offline checks."""
    entries = audit_search.iter_entries(current_user.clinic, parse_filter(request.args))
    rows = ([e.id, e.at.isoformat(), e.actor_label, e.action, e.entity_type, e.entity_id,
             e.before, e.after, e.prev_hash, e.entry_hash] for e in entries)  # fmt: skip
    return csv_response("audit-log.csv", CSV_HEADER, rows)


@bp.post("/log/verify")
def verify_chain():
    """Check the clinic's chain from its last verified checkpoint; name the first bad entry."""
    if not ButtonForm().validate_on_submit():
        abort(400)
    report = verifying.verify_clinic_chain(current_user.clinic)
    verifying.remember_verified(report)
    db.session.commit()
    if report.ok:
        flash(f"Audit chain intact: {report.entries} entries ({report.checked} new).", "success")
    else:
        flash(f"Audit chain broken at entry {report.broken_at}: {report.problem}.", "error")
    return redirect(url_for("audit.log", **request.args.to_dict()))
