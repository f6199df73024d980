"""The compliance dashboard: the auditor's entry page."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from flask import render_template, request
from flask_login import current_user

from smp_hygiene.services.compliance import dashboard as dashboards
from smp_hygiene.services.reactions import operations as reactions
from smp_hygiene.timeutil import utcnow
from smp_hygiene.views.audit import bp

DEFAULT_DAYS = 30


def parse_day(value: str | None) -> date | None:
    """A YYYY-MM-DD query value, or None when absent or malformed."""
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def parse_period(args, default_days: int | None = DEFAULT_DAYS) -> tuple[date | None, date | None]:
    """?from=&to= as whole UTC days, `to` included; without `from`, the last `default_days`."""
    end, start = parse_day(args.get("to")), parse_day(args.get("from"))
    if start is None and default_days is not None:
        start = (end or utcnow().date()) - timedelta(days=default_days - 1)
    return start, end


def day_start(day: date | None) -> datetime | None:
    return datetime.combine(day, time.min, tzinfo=UTC) if day else None


def day_after(day: date | None) -> datetime | None:
    return day_start(day + timedelta(days=1)) if day else None


@bp.get("/")
def dashboard():
    """Sessions, checklists, refusals, expiring lots and batch problems for a period."""
    now = utcnow()
    start, end = parse_period(request.args)
    end = end or now.date()
    board = dashboards.build_dashboard(current_user.clinic, day_start(start), day_after(end), now)
    return render_template(
        "audit/dashboard.html",
        board=board,
        start=start,
        end=end,
        now=now,
        notice_deadline=reactions.notice_deadline,
    )
