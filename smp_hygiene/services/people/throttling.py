"""Failed sign-ins per typed email: an exponential pause, capped so it never locks anyone out long.

Five free failures, then a pause of 1, 2, 4, 8 minutes, never more than 15. Attempts during a
pause are refused without checking the password and are not counted, so an attacker who keeps
guessing cannot hold a technician's account shut beyond one pause. The row is keyed on the email
as typed, known or not, so a pause says nothing about whether the account exists. Per-address
limits sit in front of this, in the login view (Flask-Limiter).
"""

from __future__ import annotations

import math
from datetime import timedelta

from sqlalchemy.exc import IntegrityError

from smp_hygiene.errors import TooManyAttempts
from smp_hygiene.extensions import db
from smp_hygiene.models import LoginThrottle, User
from smp_hygiene.services.audit import chain
from smp_hygiene.timeutil import as_utc, utcnow

FREE_FAILURES = 5
FIRST_PAUSE = timedelta(minutes=1)
LONGEST_PAUSE = timedelta(minutes=15)


def _key(email: str) -> str:
    return email.strip().lower()[:200]


def check_not_paused(email: str) -> None:
    """Refuse a sign-in while this email's pause runs, saying how many minutes are left."""
    row = db.session.get(LoginThrottle, _key(email))
    if row is None or row.locked_until is None:
        return
    left = (as_utc(row.locked_until) - utcnow()).total_seconds()
    if left <= 0:
        return
    minutes = math.ceil(left / 60)
    unit = "minute" if minutes == 1 else "minutes"
    raise TooManyAttempts(f"Too many attempts: try again in {minutes} {unit}.")


def pause_for(failures: int) -> timedelta:
    """How long sign-ins pause after `failures` failures in a row: doubling, capped at 15 min."""
    if failures < FREE_FAILURES:
        return timedelta(0)
    doublings = min(failures - FREE_FAILURES, 10)  # 2**10 minutes is already past the cap
    return min(FIRST_PAUSE * 2**doublings, LONGEST_PAUSE)


def record_failure(email: str, user: User | None) -> None:
    """Count one failed sign-in; from the fifth, pause the email and note it in the clinic's log."""
    row = _row_for(_key(email))
    row.failures += 1
    pause = pause_for(row.failures)
    if not pause:
        return
    row.locked_until = utcnow() + pause
    if user is not None:
        after = {"failures": row.failures, "paused_minutes": int(pause.total_seconds() // 60)}
        chain.record(None, "user.sign_in_paused", user, after=after)


def _row_for(key: str) -> LoginThrottle:
    row = db.session.get(LoginThrottle, key)
    if row is not None:
        return row
    try:
        with db.session.begin_nested():
            row = LoginThrottle(email=key, failures=0)
            db.session.add(row)
    except IntegrityError:  # a parallel failure for the same email created it first
        row = db.session.get_one(LoginThrottle, key, populate_existing=True)
    return row


def clear(email: str) -> None:
    """A successful sign-in starts the count again."""
    row = db.session.get(LoginThrottle, _key(email))
    if row is not None:
        db.session.delete(row)
