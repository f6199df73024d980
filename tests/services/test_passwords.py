"""Passwords follow NIST SP 800-63B: a minimum length, no common ones, no composition rules."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smp_hygiene.errors import InvalidInput
from smp_hygiene.models import Role
from smp_hygiene.services.people import passwords, users
from tests.factories import make_clinic

RUN = "A repeated or consecutive run of characters"
COMMON = "This password is on a list of common or breached passwords: choose another."


@pytest.mark.parametrize("password", ["1234567890", "aaaaaaaaaa"])
def test_the_issues_examples_are_refused(password):
    with pytest.raises(InvalidInput, match=COMMON):
        passwords.check_password(password)


@pytest.mark.parametrize("password", ["1234567890", "aaaaaaaaaa", "zyxwvutsrqpo", "poiuytrewq"])
def test_the_issues_examples_are_refused_without_the_list_too(monkeypatch, password):
    monkeypatch.setattr(passwords, "common_passwords", frozenset)

    with pytest.raises(InvalidInput, match=RUN):
        passwords.check_password(password)


@given(st.characters(exclude_categories=["Cs"]), st.integers(min_value=10, max_value=60))
def test_one_character_repeated_is_refused(char, times):
    with pytest.raises(InvalidInput, match="common or breached|repeated or consecutive"):
        passwords.check_password(char * times)


@given(st.text(min_size=2, max_size=5).filter(lambda s: len(set(s)) > 1), st.integers(5, 12))
def test_a_short_pattern_repeated_is_refused(pattern, times):
    with pytest.raises(InvalidInput, match="common or breached|repeated or consecutive"):
        passwords.check_password(pattern * times)


SEQUENCES = ["0123456789" * 2, "abcdefghijklmnopqrstuvwxyz", "qwertyuiopasdfghjklzxcvbnm"]


@given(st.sampled_from(SEQUENCES), st.data(), st.booleans(), st.booleans())
def test_a_run_of_consecutive_keys_is_refused(run, data, backwards, upper):
    start = data.draw(st.integers(0, len(run) - 10))
    end = data.draw(st.integers(start + 10, len(run)))
    password = run[start:end][:: -1 if backwards else 1]

    with pytest.raises(InvalidInput, match="common or breached|repeated or consecutive"):
        passwords.check_password(password.upper() if upper else password)


@pytest.mark.parametrize("password", ["password123", "qwerty123456", "iloveyou12", "Password1234"])
def test_a_password_from_the_shipped_list_is_refused(password):
    with pytest.raises(InvalidInput, match=COMMON):
        passwords.check_password(password)


def test_the_shipped_list_is_large_and_lowercased():
    common = passwords.common_passwords()

    assert len(common) > 19_000
    assert all(word == word.lower() for word in common)


@pytest.mark.parametrize("length", range(passwords.MIN_PASSWORD_LENGTH))
def test_a_short_password_is_refused(length):
    with pytest.raises(InvalidInput, match="Passwords need at least 12 characters."):
        passwords.check_password("§q8!zv3@pw+7x"[:length])


def test_an_overlong_password_is_refused():
    with pytest.raises(InvalidInput, match="Passwords can have at most 128 characters."):
        passwords.check_password("plum kettle orbit " * 8)


@pytest.mark.parametrize("length", [12, 64, 128])
def test_passwords_from_twelve_to_128_characters_are_accepted(length):
    passwords.check_password(("plum kettle orbit velvet " * 6)[:length])  # raises if refused


@pytest.mark.parametrize(
    ("password", "email", "name"),
    [
        ("nia.mensah-rocks!", "nia.mensah@example.test", ""),
        ("xx mensah plums", "nia@example.test", "Nia Mensah"),
        ("bestclinicpass", "someone@bestclinic.test", "Bestclinic"),
    ],
)
def test_the_persons_own_email_or_name_is_refused(password, email, name):
    with pytest.raises(InvalidInput, match="must not contain your email address or your name"):
        passwords.check_password(password, email=email, name=name)


@pytest.mark.parametrize(
    "password",
    [
        "plum kettle orbit",
        "alllowercasewords",
        "ÅÄÖ och björnbär",
        "19 velvet harbours",
        "密码是一只紫色的长颈鹿在跳舞",
    ],
)
def test_a_long_uncommon_password_needs_no_digits_capitals_or_symbols(password):
    passwords.check_password(password)  # raises if refused


def test_creating_a_login_applies_the_checks(ctx):
    with pytest.raises(InvalidInput, match=RUN):
        users.create_user(make_clinic(), "a@example.test", Role.TECHNICIAN, "zzzzzzzzzzzz")
