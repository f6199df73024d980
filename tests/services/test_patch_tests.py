"""Patch tests clear a client for a pigment only when negative, mature and recent."""

from __future__ import annotations

from datetime import timedelta

import pytest

from smp_hygiene.errors import InvalidInput, PatchTestRequired
from smp_hygiene.models import PatchTestResult, ProductKind
from smp_hygiene.services.consent import patch_tests
from smp_hygiene.timeutil import utcnow
from tests.factories import make_client, make_patch_test, make_product, make_user


@pytest.fixture
def pigment(ctx):
    return make_product(ProductKind.PIGMENT, name="Scalp Black")


def test_a_negative_test_read_72_hours_ago_clears_the_pigment(pigment):
    client = make_client()
    test = make_patch_test(client, [pigment], read_hours_ago=72)

    assert patch_tests.clearing_test(client, pigment, client.clinic, utcnow()) is test


def test_no_patch_test_is_refused(pigment):
    client = make_client(full_name="Sam Doe")

    with pytest.raises(PatchTestRequired, match="Sam Doe has no read patch test for Acme"):
        patch_tests.clearing_test(client, pigment, client.clinic, utcnow())


def test_a_test_read_less_than_48_hours_before_the_session_is_too_recent(pigment):
    client = make_client()
    make_patch_test(client, [pigment], read_hours_ago=20)

    with pytest.raises(PatchTestRequired, match="at least 48 hours before the session starts"):
        patch_tests.clearing_test(client, pigment, client.clinic, utcnow())


def test_the_minimum_hours_are_a_clinic_setting(pigment):
    client = make_client()
    client.clinic.patch_test_min_hours = 12
    make_patch_test(client, [pigment], read_hours_ago=20)

    assert patch_tests.clearing_test(client, pigment, client.clinic, utcnow())


def test_a_test_older_than_the_validity_is_refused(pigment):
    client = make_client()
    make_patch_test(client, [pigment], read_hours_ago=24 * 181)

    with pytest.raises(PatchTestRequired, match="older than 180 days"):
        patch_tests.clearing_test(client, pigment, client.clinic, utcnow())


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
            test, PatchTestResult.NEGATIVE, user, utcnow() - timedelta(hours=1)
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
