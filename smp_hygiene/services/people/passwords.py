"""Which passwords a login may have, per NIST SP 800-63B: long enough, not common, no recipe."""

from __future__ import annotations

import functools
import gzip
import re
from pathlib import Path

from smp_hygiene.errors import InvalidInput

# NIST's floor is 8; OWASP ASVS 4.0 level 2 (V2.1.1), our yardstick, asks for 12. Only new
# passwords are checked, so a login whose 10-character password was valid yesterday still works.
MIN_PASSWORD_LENGTH = 12
# ASVS V2.1.2: at least 64 allowed, over 128 refused (a megabyte "password" would tie up argon2).
MAX_PASSWORD_LENGTH = 128
COMMON_PASSWORDS = Path(__file__).resolve().parents[2] / "data" / "common-passwords.txt.gz"
# Runs that people type as a "password": the alphabet, digits (wrapping 9 to 0), keyboard rows.
_SEQUENCES = (
    "abcdefghijklmnopqrstuvwxyz",
    "01234567890123456789",
    "qwertyuiopasdfghjklzxcvbnm",
    "qwertyuiop",
    "asdfghjkl",
    "zxcvbnm",
)
_REPEATED = re.compile(r"(.{1,5}?)\1+", re.DOTALL)


@functools.cache
def common_passwords() -> frozenset[str]:
    """The shipped list of common and breached passwords, lowercased (see data/README.md)."""
    with gzip.open(COMMON_PASSWORDS, "rt", encoding="utf-8") as lines:
        return frozenset(line.strip() for line in lines if line.strip())


def check_password(password: str, email: str = "", name: str = "") -> None:
    """Refuse a password that is short, common, a repeat or a run, or the person's own email or
    name; there are no rules about digits or symbols, as NIST advises."""
    lowered = password.lower()
    if lowered in common_passwords() or lowered.strip() in common_passwords():
        raise InvalidInput(
            "This password is on a list of common or breached passwords: choose another."
        )
    if _REPEATED.fullmatch(lowered) or is_sequence(lowered):
        raise InvalidInput(
            "A repeated or consecutive run of characters (like aaaaaaaaaa or 1234567890) is "
            "easy to guess: choose another."
        )
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"Passwords need at least {MIN_PASSWORD_LENGTH} characters.")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidInput(f"Passwords can have at most {MAX_PASSWORD_LENGTH} characters.")
    if _contains_identity(lowered, email, name):
        raise InvalidInput("A password must not contain your email address or your name.")


def is_sequence(lowered: str) -> bool:
    """The whole password is a run of consecutive keys or characters, forwards or backwards."""
    if len(lowered) < 4:  # too short to call a run; the length rule speaks instead
        return False
    return any(lowered in run or lowered in run[::-1] for run in _SEQUENCES)


def _contains_identity(lowered: str, email: str, name: str) -> bool:
    # The email's local part and each word of the name, when long enough to mean something.
    local = email.strip().lower().split("@")[0]
    parts = [local, *re.split(r"[\s.\-_]+", name.lower()), *re.split(r"[.\-_+]+", local)]
    return any(len(part) >= 4 and part in lowered for part in parts)
