"""Aftercare check-ins: scheduled at completion, answered from the card, flagged when worrying."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from smp_hygiene.extensions import db
from smp_hygiene.models import (
    FollowUpStatus,
    Notification,
    NotificationKind,
    NotificationStatus,
    ProductKind,
    Role,
)
from smp_hygiene.services.aftercare import checkins, schedule
from smp_hygiene.services.aftercare import settings as aftercare
from smp_hygiene.services.aftercare.checkins import CheckInAnswers, CheckInClosed
from smp_hygiene.services.consent import consents
from smp_hygiene.services.notifications import messages
from smp_hygiene.timeutil import utcnow
from tests import factories as f


def _sealed(clinic=None, email: str = "jo@example.test", **consent):
    """A session completed through the chair's own service, so scheduling runs as in use."""
    clinic = clinic or f.make_clinic()
    tech = f.make_user(clinic=clinic)
    client = f.make_client(clinic, email=email, phone="+32 470 00 00 01")
    f.make_consent(client, tech, **consent)
    items = f.make_checklist(clinic, texts=("Hands washed",))
    cartridge = f.make_lot(kind=ProductKind.NEEDLE_CARTRIDGE, received_by=tech)
    session = f.make_ready_session(technician=tech, client=client)
    return f.seal_at_the_chair(session, items, cartridge)


def _follow_ups(session):
    return sorted(
        db.session.scalars(select(schedule.FollowUp).filter_by(session_id=session.id)),
        key=lambda fu: fu.day,
    )


def test_completing_a_session_schedules_check_ins_on_day_3_7_and_28(ctx):
    session = _sealed()

    follow_ups = _follow_ups(session)

    assert [fu.day for fu in follow_ups] == [3, 7, 28]
    assert follow_ups[1].due_at == session.completed_at + timedelta(days=7)
    assert all(fu.status is FollowUpStatus.SCHEDULED for fu in follow_ups)


def test_check_in_days_follow_the_clinic_setting(ctx):
    clinic = f.make_clinic()
    values = {**aftercare.DEFAULTS, "follow_up_days": "2, 14"}
    aftercare.update_settings(clinic, f.make_user(Role.ADMIN, clinic=clinic), **values)

    session = _sealed(clinic)

    assert [fu.day for fu in _follow_ups(session)] == [2, 14]


def test_a_client_who_declined_at_consent_gets_no_check_ins(ctx):
    session = _sealed(declines_follow_ups=True)

    assert _follow_ups(session) == []
    assert consents.current_consent(session.client).follow_ups_declined_at is not None


def test_without_mail_settings_due_check_ins_are_listed_for_the_clinic_to_send(ctx):
    session = _sealed()
    day3 = _follow_ups(session)[0]

    listed = schedule.reminders_to_send(session.clinic, day3.due_at + timedelta(hours=1))

    assert listed == [day3]
    assert db.session.scalars(select(Notification)).all() == []


def test_a_check_in_marked_as_sent_leaves_the_list(ctx):
    session = _sealed()
    day3 = _follow_ups(session)[0]

    schedule.mark_reminded(day3, session.technician)

    assert schedule.reminders_to_send(session.clinic, day3.due_at + timedelta(hours=1)) == []


def test_with_mail_settings_each_check_in_is_queued_for_its_day(app, ctx):
    app.config.update(MAIL_FROM="clinic@example.test", PUBLIC_BASE_URL="https://cards.example")
    session = _sealed()

    notices = db.session.scalars(select(Notification).order_by(Notification.id)).all()

    assert [n.kind for n in notices] == [NotificationKind.FOLLOW_UP] * 3
    assert [n.next_attempt_at for n in notices] == [fu.due_at for fu in _follow_ups(session)]
    assert (
        schedule.reminders_to_send(session.clinic, session.completed_at + timedelta(days=3)) == []
    )


def test_opting_out_from_a_link_cancels_check_ins_and_their_emails_and_records_it(app, ctx):
    app.config.update(MAIL_FROM="clinic@example.test", PUBLIC_BASE_URL="https://cards.example")
    session = _sealed()

    cancelled = schedule.decline_follow_ups(session)

    assert cancelled == 3
    assert {fu.status for fu in _follow_ups(session)} == {FollowUpStatus.CANCELLED}
    statuses = {n.status for n in db.session.scalars(select(Notification))}
    assert statuses == {NotificationStatus.CANCELLED}
    assert schedule.latest_consent(session.client).follow_ups_declined_at is not None


def _answer(follow_up, days_after: float, **answers):
    at = follow_up.session.completed_at + timedelta(days=days_after)
    return checkins.answer_follow_up(follow_up, CheckInAnswers(**answers), now=at)


def test_normal_healing_raises_no_flag(ctx):
    day3 = _follow_ups(_sealed())[0]

    _answer(day3, 3, has_redness=True, has_swelling=True, has_itching=True, pain=3)

    assert day3.status is FollowUpStatus.ANSWERED
    assert not day3.is_flagged


@pytest.mark.parametrize(
    ("answers", "reason"),
    [
        ({"has_fever": True}, "Fever: possible infection."),
        ({"has_discharge": True}, "Discharge: possible infection."),
        ({"has_redness": True, "is_redness_spreading": True}, "Redness spreading"),
        ({"pain": 8}, "Pain 8 of 10."),
    ],
)
def test_answers_suggesting_a_problem_raise_a_flag(ctx, answers, reason):
    day3 = _follow_ups(_sealed())[0]

    _answer(day3, 3, **answers)

    assert day3.is_flagged
    assert reason in day3.flag_reasons
    assert checkins.list_flagged(day3.session.clinic) == [day3]


def test_itching_is_flagged_only_beyond_five_days(ctx):
    day3, day7, _ = _follow_ups(_sealed())

    _answer(day3, 3, has_itching=True)
    _answer(day7, 7, has_itching=True)

    assert not day3.is_flagged
    assert "Itching 7 days after the session (beyond 5 days)." in day7.flag_reasons


def test_a_check_in_cannot_be_answered_before_it_is_due_nor_twice(ctx):
    day7 = _follow_ups(_sealed())[1]

    with pytest.raises(CheckInClosed, match="opens on"):
        _answer(day7, 6)
    _answer(day7, 7)
    with pytest.raises(CheckInClosed, match="already answered"):
        _answer(day7, 7.5)


def test_calling_the_client_clears_the_flag_with_their_words(ctx):
    day3 = _follow_ups(_sealed())[0]
    _answer(day3, 3, has_fever=True)

    checkins.clear_flag(day3, day3.session.technician, "Saw a GP, on antibiotics", utcnow())

    assert not day3.is_flagged
    assert checkins.list_flagged(day3.session.clinic) == []
    assert day3.flag_note == "Saw a GP, on antibiotics"


def test_a_photo_with_the_answers_is_kept_without_exif(ctx):
    day3 = _follow_ups(_sealed())[0]
    at = day3.due_at + timedelta(hours=1)

    checkins.answer_follow_up(day3, CheckInAnswers(), [("skin.jpg", f.gps_jpeg())], now=at)

    photo = db.session.scalars(select(checkins.ClientPhoto)).one()
    assert photo.follow_up_id == day3.id
    assert f.exif_of(photo.jpeg) == {}


def test_a_check_in_email_links_to_that_days_check_in_on_the_public_address(app, ctx):
    app.config.update(MAIL_FROM="clinic@example.test", PUBLIC_BASE_URL="https://cards.example")
    session = _sealed()
    notice = db.session.scalars(select(Notification).order_by(Notification.id)).all()[1]

    message = messages.compose(notice, "clinic@example.test", "https://cards.example")

    body = message.get_content()
    assert f"https://cards.example/v/{session.verify_token}/check-in/7" in body
    assert "It is 7 days since your treatment" in body
    assert message["To"] == "jo@example.test"
