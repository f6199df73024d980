"""The client's side of aftercare, on the card's public pages: report a problem, answer a check-in.

No account, no cookie: the card's token names the session, and each form carries a signed form
key (views/public_forms.py) instead of a CSRF cookie. The pages confirm nothing the record page
does not already show, and share its rate limit, headers and refusal pages for unknown cards.
"""

from __future__ import annotations

from flask import abort, current_app, render_template, request
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms import BooleanField, DateField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length

from smp_hygiene import logs, metrics
from smp_hygiene.errors import DomainError
from smp_hygiene.extensions import csrf, db
from smp_hygiene.services.aftercare import checkins, schedule
from smp_hygiene.services.aftercare.photos import MAX_PHOTO_BYTES, MAX_PHOTOS
from smp_hygiene.services.reactions import inbox
from smp_hygiene.views.forms import choices
from smp_hygiene.views.public_forms import STALE, CardForm, PhotosField
from smp_hygiene.views.verify import _load as load_card
from smp_hygiene.views.verify import bp, verify_url
from smp_hygiene.views.writes import refusal_page


@bp.errorhandler(DomainError)
def _refused(error: DomainError):
    """A form here refused by a rule: its own page says why. The record pages have no refusal
    of their own, so anything else is left to the app, exactly as before these forms."""
    view = current_app.view_functions.get(request.endpoint or "")
    render = getattr(view, "refusal_page", None)
    if render is None:
        raise error
    db.session.rollback()
    logs.log_refusal(error)
    metrics.count_refusal(error)
    return render(error)


PAIN = [(str(n), f"{n}{' (none)' if n == 0 else ' (worst)' if n == 10 else ''}") for n in range(11)]
TOO_LARGE = (
    f"Too much to send at once: at most {MAX_PHOTOS} photos of {MAX_PHOTO_BYTES // 2**20} MB."
)


@bp.app_template_global()
def check_in_url(token: str, day: int) -> str:
    """A check-in's public address, on PUBLIC_BASE_URL like the card's, for the clinic to send."""
    return f"{verify_url(token)}/check-in/{day}"


class ReportForm(CardForm):
    """What the client tells the clinic: what is wrong, since when, and photos if they like."""

    purpose = "report"
    description = TextAreaField(
        "What is wrong?", validators=[DataRequired("Describe the problem."), Length(max=4000)]
    )
    started_on = DateField("When did it start?", validators=[DataRequired("Give the day.")])
    photos = PhotosField("Photos (optional)")


class CheckInForm(CardForm):
    """The check-in's six questions and an optional photo."""

    purpose = "check-in"
    has_redness = BooleanField("Redness")
    is_redness_spreading = BooleanField("The redness is spreading beyond the treated area")
    has_swelling = BooleanField("Swelling")
    has_itching = BooleanField("Itching")
    has_discharge = BooleanField("Discharge (pus or fluid)")
    has_fever = BooleanField("Fever (38 °C or more)")
    pain = SelectField("Pain, from 0 to 10", choices=choices(PAIN), default="0")
    other = TextAreaField("Anything else?", validators=[Length(max=2000)])
    photos = PhotosField("A photo (optional)")

    def answers(self) -> checkins.CheckInAnswers:
        ticked = {name: bool(self[name].data) for name in checkins.CheckInAnswers.__annotations__
                  if name.startswith(("has_", "is_"))}  # fmt: skip
        return checkins.CheckInAnswers(pain=int(self.pain.data), other=self.other.data, **ticked)


class StopForm(CardForm):
    """No more check-ins: the key is all it carries."""

    purpose = "stop"


def _report_page(form: ReportForm, status: int = 200, message: str = ""):
    session = load_card(form.token)
    page = render_template("verify/report.html", form=form, token=form.token, session=session,
                           message=message)  # fmt: skip
    return page, status


def _report_refused(error: DomainError):
    db.session.rollback()
    form = ReportForm(request.view_args["token"])
    return _report_page(form, 422, str(error))


@bp.route("/v/<token>/report", methods=["GET", "POST"])
@refusal_page(_report_refused)
def report(token: str):
    """Report a problem with this treatment; it goes to the clinic's reaction inbox."""
    session, form = load_card(token), ReportForm(token)
    if not form.validate_on_submit():
        return _report_page(form, 422 if form.is_submitted() else 200)
    inbox.submit_report(session, form.description.data, form.started_on.data, form.nonce,
                        form.photos.uploads())  # fmt: skip
    db.session.commit()
    return render_template("verify/report_sent.html", token=token, session=session)


def _follow_up(token: str, day: int):
    session = load_card(token)
    return session, checkins.find_follow_up(session, day) or abort(404)


def _check_in_page(form: CheckInForm, day: int, status: int = 200, message: str = ""):
    session, follow_up = _follow_up(form.token, day)
    page = render_template("verify/check_in.html", form=form, token=form.token, session=session,
                           follow_up=follow_up, closed=checkins.why_closed(follow_up),
                           message=message, stop=StopForm(form.token))  # fmt: skip
    return page, status


def _check_in_refused(error: DomainError):
    db.session.rollback()
    form = CheckInForm(request.view_args["token"])
    return _check_in_page(form, request.view_args["day"], 422, str(error))


@bp.route("/v/<token>/check-in/<int:day>", methods=["GET", "POST"])
@refusal_page(_check_in_refused)
def check_in(token: str, day: int):
    """The day-N aftercare check-in: six questions, an optional photo, no account."""
    (_, follow_up), form = _follow_up(token, day), CheckInForm(token)
    if not form.validate_on_submit():
        return _check_in_page(form, day, 422 if form.is_submitted() else 200)
    checkins.answer_follow_up(follow_up, form.answers(), form.photos.uploads())
    db.session.commit()
    return render_template("verify/check_in_done.html", token=token, follow_up=follow_up)


def _stop_refused(error: DomainError):
    db.session.rollback()
    return render_template("verify/stopped.html", token=request.view_args["token"],
                           message=str(error)), error.http_status  # fmt: skip


@bp.post("/v/<token>/check-ins/stop")
@refusal_page(_stop_refused)
def stop_check_ins(token: str):
    """The client wants no more check-ins: recorded on their consent, the rest cancelled."""
    session, form = load_card(token), StopForm(token)
    if not form.validate_on_submit():
        return render_template("verify/stopped.html", token=token, message=STALE), 422
    schedule.decline_follow_ups(session)
    db.session.commit()
    return render_template("verify/stopped.html", token=token, message="")


@bp.errorhandler(RequestEntityTooLarge)
def too_large(error: RequestEntityTooLarge):
    """Photos over the limit together: said plainly, on the card's own layout."""
    token = (request.view_args or {}).get("token", "")
    return render_template("verify/too_large.html", token=token, message=TOO_LARGE), 413


for _view in (report, check_in, stop_check_ins):
    csrf.exempt(_view)  # the form key above protects these, without a session cookie
