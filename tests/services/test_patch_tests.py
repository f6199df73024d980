"""Patch tests (R25): applied long enough before the session, read late enough, negative, recent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from smp_hygiene.errors import InvalidInput, PatchTestRequired
from smp_hygiene.models import PatchTestResult, ProductKind
from smp_hygiene.services.consent import patch_tests
from smp_hygiene.timeutil import utcnow
from tests.factories import make_client, make_lot, make_patch_test, make_product, make_user

APPLIED = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # 09:00 in Brussels (UTC+1 in March)


@pytest.fixture
def pigment(ctx):
    return make_product(ProductKind.PIGMENT, name="Scalp Black")


def _applied(client, pigment, at=APPLIED, **fields):
    return patch_tests.apply_patch_test(client, [pigment], make_user(), at, **fields)


def test_a_negative_test_applied_120_hours_ago_and_read_at_48_clears_the_pigment(pigment):
    client = make_client()
    test = make_patch_test(client, [pigment], read_hours_ago=72)

    assert patch_tests.clearing_test(client, pigment, client.clinic, utcnow()) is test


def test_a_test_applied_50_hours_before_and_read_negative_at_48_hours_clears(pigment):
    client, user = make_client(), make_user()
    test = _applied(client, pigment)
    patch_tests.read_patch_test(test, PatchTestResult.NEGATIVE, user, APPLIED + timedelta(hours=48))

    session_start = APPLIED + timedelta(hours=50)

    assert patch_tests.clearing_test(client, pigment, client.clinic, session_start) is test


def test_a_negative_reading_20_hours_after_application_is_refused_with_the_clinic_time(pigment):
    client = make_client()
    client.clinic.timezone = "Europe/Brussels"
    test = _applied(client, pigment)

    with pytest.raises(
        InvalidInput,
        match=r"^This patch test was applied 2026-03-02 09:00: it may be read from 2026-03-04 "
        r"09:00, 48 hours after it was applied\. A reaction seen before then can be recorded "
        r"as positive\.$",
    ):
        patch_tests.read_patch_test(
            test, PatchTestResult.NEGATIVE, make_user(), APPLIED + timedelta(hours=20)
        )
    assert test.read_at is None


@pytest.mark.parametrize("wait", [12, 24, 48, 72])
@pytest.mark.parametrize("result", [PatchTestResult.NEGATIVE, PatchTestResult.INCONCLUSIVE])
@pytest.mark.parametrize(
    "early_by", [timedelta(minutes=1), timedelta(hours=1), timedelta(hours=11)]
)
def test_no_negative_or_inconclusive_reading_before_the_wait_is_over(
    pigment, wait, result, early_by
):
    client = make_client()
    client.clinic.patch_test_wait_hours = wait
    test = _applied(client, pigment)

    with pytest.raises(InvalidInput, match="it may be read from"):
        patch_tests.read_patch_test(
            test, result, make_user(), APPLIED + timedelta(hours=wait) - early_by
        )


@pytest.mark.parametrize("wait", [12, 24, 48, 72])
@pytest.mark.parametrize("late_by", [timedelta(0), timedelta(minutes=1), timedelta(days=3)])
def test_a_reading_once_the_wait_is_over_is_recorded(pigment, wait, late_by):
    client = make_client()
    client.clinic.patch_test_wait_hours = wait
    test = _applied(client, pigment)
    read_at = APPLIED + timedelta(hours=wait) + late_by

    patch_tests.read_patch_test(test, PatchTestResult.NEGATIVE, make_user(), read_at)

    assert (test.result, test.read_at) == (PatchTestResult.NEGATIVE, read_at)


def test_a_reaction_seen_early_is_recorded_as_positive_and_blocks(pigment):
    client = make_client(full_name="Sam Doe")
    test = _applied(client, pigment)
    patch_tests.read_patch_test(
        test, PatchTestResult.POSITIVE, make_user(), APPLIED + timedelta(hours=6)
    )

    with pytest.raises(PatchTestRequired, match="Sam Doe reacted to Acme") as refused:
        patch_tests.clearing_test(client, pigment, client.clinic, APPLIED + timedelta(days=3))
    assert refused.value.reacted


@pytest.mark.parametrize("hours_after_applied", [12, 20, 47.9])
def test_a_test_applied_less_than_the_wait_before_the_session_does_not_clear(
    pigment, hours_after_applied
):
    client = make_client()
    client.clinic.timezone = "Europe/Brussels"
    client.clinic.patch_test_wait_hours = 12  # the reading was legal then; the clinic raised it
    test = _applied(client, pigment)
    patch_tests.read_patch_test(
        test, PatchTestResult.NEGATIVE, make_user(), APPLIED + timedelta(hours=12)
    )
    client.clinic.patch_test_wait_hours = 48

    with pytest.raises(
        PatchTestRequired,
        match=r"^The patch test for Acme Pigments Scalp Black was applied 2026-03-02 09:00: "
        r"it must be applied at least 48 hours before the session starts \(it clears sessions from "
        r"2026-03-04 09:00\)\.$",
    ):
        patch_tests.clearing_test(
            client, pigment, client.clinic, APPLIED + timedelta(hours=hours_after_applied)
        )


def test_a_stored_reading_taken_too_early_does_not_clear(pigment):
    client = make_client()
    make_patch_test(client, [pigment], read_hours_ago=72, read_hours_after_applied=20)

    with pytest.raises(PatchTestRequired, match="earlier than 48 hours after it was applied"):
        patch_tests.clearing_test(client, pigment, client.clinic, utcnow())


def test_the_wait_is_a_clinic_setting(pigment):
    client = make_client()
    client.clinic.patch_test_wait_hours = 12
    make_patch_test(client, [pigment], read_hours_ago=1, read_hours_after_applied=12)

    assert patch_tests.clearing_test(client, pigment, client.clinic, utcnow())


@pytest.mark.parametrize(
    ("valid_days", "applied_days_ago", "days"),
    [(180, 181, "180 days"), (30, 31, "30 days"), (1, 3, "1 day")],
)
def test_a_test_applied_longer_ago_than_the_validity_is_refused(
    pigment, valid_days, applied_days_ago, days
):
    client = make_client()
    client.clinic.patch_test_valid_days = valid_days
    make_patch_test(
        client, [pigment], read_hours_ago=24 * applied_days_ago - 48, read_hours_after_applied=48
    )

    with pytest.raises(PatchTestRequired, match=f"is older than {days}. Repeat the test."):
        patch_tests.clearing_test(client, pigment, client.clinic, utcnow())


def test_no_patch_test_is_refused(pigment):
    client = make_client(full_name="Sam Doe")

    with pytest.raises(PatchTestRequired, match="Sam Doe has no read patch test for Acme"):
        patch_tests.clearing_test(client, pigment, client.clinic, utcnow())


def test_a_reading_after_the_session_started_does_not_clear_it(pigment):
    client = make_client()
    make_patch_test(client, [pigment], read_hours_ago=1, read_hours_after_applied=48)

    with pytest.raises(PatchTestRequired, match="no read patch test"):
        patch_tests.clearing_test(client, pigment, client.clinic, utcnow() - timedelta(hours=2))


def test_a_positive_result_blocks_and_says_so(pigment):
    client = make_client(full_name="Sam Doe")
    make_patch_test(client, [pigment], read_hours_ago=100)
    make_patch_test(client, [pigment], read_hours_ago=60, result=PatchTestResult.POSITIVE)

    with pytest.raises(
        PatchTestRequired, match="reacted to .* blocked until a newer negative"
    ) as e:
        patch_tests.clearing_test(client, pigment, client.clinic, utcnow())
    assert e.value.reacted


def test_a_newer_negative_test_lifts_a_positive_block(pigment):
    client = make_client()
    make_patch_test(client, [pigment], read_hours_ago=200, result=PatchTestResult.POSITIVE)
    newer = make_patch_test(client, [pigment], read_hours_ago=60)

    assert patch_tests.clearing_test(client, pigment, client.clinic, utcnow()) is newer


def test_an_inconclusive_result_does_not_clear(pigment):
    client = make_client()
    make_patch_test(client, [pigment], read_hours_ago=60, result=PatchTestResult.INCONCLUSIVE)

    with pytest.raises(PatchTestRequired, match="inconclusive"):
        patch_tests.clearing_test(client, pigment, client.clinic, utcnow())


def test_a_test_for_another_pigment_does_not_clear(pigment):
    client = make_client()
    make_patch_test(client, [make_product(ProductKind.PIGMENT)], read_hours_ago=72)

    with pytest.raises(PatchTestRequired, match="no read patch test"):
        patch_tests.clearing_test(client, pigment, client.clinic, utcnow())


def test_the_application_time_is_recorded_as_entered(pigment):
    client = make_client()

    test = _applied(client, pigment, site="behind the left ear")

    assert test.applied_at == APPLIED


def test_an_application_time_in_the_future_is_refused(pigment):
    client = make_client()
    client.clinic.timezone = "Europe/Brussels"
    tomorrow = datetime(2099, 1, 1, 23, 30, tzinfo=UTC)

    with pytest.raises(
        InvalidInput,
        match=r"^The application time 2099-01-02 00:30 is in the future: enter when the test "
        r"was applied\.$",
    ):
        _applied(client, pigment, at=tomorrow)


def test_a_lot_test_clears_every_lot_of_its_product_by_default(pigment):
    client = make_client()
    tested, other = make_lot(pigment), make_lot(pigment)
    make_patch_test(client, [pigment], lots=[tested])

    assert patch_tests.clearing_test(client, pigment, client.clinic, utcnow(), other)


def test_where_the_clinic_tests_per_lot_another_lot_is_not_cleared(pigment):
    client = make_client(full_name="Sam Doe")
    client.clinic.is_patch_test_per_lot = True
    tested, other = make_lot(pigment), make_lot(pigment, lot_number="B2")
    make_patch_test(client, [pigment], lots=[tested])

    assert patch_tests.clearing_test(client, pigment, client.clinic, utcnow(), tested)
    with pytest.raises(
        PatchTestRequired,
        match=r"^Sam Doe has no read patch test for Acme Pigments Scalp Black lot B2\. Apply one",
    ):
        patch_tests.clearing_test(client, pigment, client.clinic, utcnow(), other)


def test_where_the_clinic_tests_per_lot_a_positive_blocks_that_lot(pigment):
    client = make_client()
    client.clinic.is_patch_test_per_lot = True
    lot = make_lot(pigment)
    make_patch_test(client, [pigment], lots=[lot], read_hours_ago=200)
    make_patch_test(client, [pigment], lots=[lot], result=PatchTestResult.POSITIVE)

    with pytest.raises(PatchTestRequired, match="blocked until a newer negative"):
        patch_tests.clearing_test(client, pigment, client.clinic, utcnow(), lot)


def test_where_the_clinic_tests_per_lot_a_test_needs_lots(pigment):
    client = make_client()
    client.clinic.is_patch_test_per_lot = True

    with pytest.raises(InvalidInput, match="choose the pigment lots tested"):
        _applied(client, pigment)


def test_applying_with_lots_records_their_products(pigment):
    client = make_client()
    lot = make_lot(pigment)

    test = patch_tests.apply_patch_test(client, [], make_user(), APPLIED, lots=[lot])

    assert (test.products, test.lots) == ([pigment], [lot])


def test_a_test_cannot_be_read_twice(pigment):
    client, user = make_client(), make_user()
    test = patch_tests.apply_patch_test(client, [pigment], user, utcnow() - timedelta(hours=50))
    patch_tests.read_patch_test(test, PatchTestResult.NEGATIVE, user, utcnow())

    with pytest.raises(InvalidInput, match="already read"):
        patch_tests.read_patch_test(test, PatchTestResult.POSITIVE, user, utcnow())


def test_a_test_cannot_be_read_before_it_was_applied(pigment):
    client, user = make_client(), make_user()
    test = patch_tests.apply_patch_test(client, [pigment], user, utcnow())

    with pytest.raises(InvalidInput, match="before it was applied"):
        patch_tests.read_patch_test(
            test, PatchTestResult.POSITIVE, user, utcnow() - timedelta(hours=1)
        )


def test_unread_tests_are_listed_as_due(pigment):
    client, user = make_client(), make_user()
    due = patch_tests.apply_patch_test(client, [pigment], user, utcnow())

    assert patch_tests.list_due_for_reading(client.clinic) == [due]


def test_only_pigments_can_be_patch_tested(ctx):
    client, user = make_client(), make_user()

    with pytest.raises(InvalidInput, match="only pigments"):
        patch_tests.apply_patch_test(
            client, [make_product(ProductKind.NEEDLE_CARTRIDGE)], user, utcnow()
        )
