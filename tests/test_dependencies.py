"""The locks pin the whole tree: every package with == and its hashes, as the .in files say.

`make lock` writes requirements.txt and requirements-dev.txt from the .in files; these tests fail
when a lock was edited by hand into a floating or unhashed line, or when a .in file changed
without `make lock`.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RUNTIME_LOCK = ROOT / "requirements.txt"
DEV_LOCK = ROOT / "requirements-dev.txt"
LOCK_SOURCES = {RUNTIME_LOCK: ROOT / "requirements.in", DEV_LOCK: ROOT / "requirements-dev.in"}

PIN = re.compile(
    r"(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?==(?P<version>[A-Za-z0-9.+!-]+)"
)
HASH = re.compile(r"--hash=sha256:[0-9a-f]{64}")


def normalised(name: str) -> str:
    """PEP 503: Flask-WTF, flask_wtf and flask-wtf are one package."""
    return re.sub(r"[-_.]+", "-", name).lower()


def logical_lines(text: str) -> list[str]:
    """Lines with comments dropped and backslash continuations joined, as pip reads them."""
    joined = re.sub(r"\\\n", " ", text)
    lines = (re.sub(r"(^|\s)#.*", "", line).strip() for line in joined.splitlines())
    return [line for line in lines if line]


def lock_problems(text: str) -> list[str]:
    """Each lock line that is not exactly `name==version` followed only by sha256 hashes."""
    problems = []
    for line in logical_lines(text):
        requirement, *options = line.split()
        if not PIN.fullmatch(requirement):
            problems.append(f"not pinned with ==: {line}")
        elif not options or not all(HASH.fullmatch(option) for option in options):
            problems.append(f"not pinned by sha256 hashes alone: {line}")
    return problems


def lock_pins(text: str) -> dict[str, str]:
    """Package to version, for the lines pinned with == (lock_problems reports the others)."""
    matches = (PIN.fullmatch(line.split()[0]) for line in logical_lines(text))
    return {normalised(match["name"]): match["version"] for match in matches if match}


def top_level_pins(source: Path) -> dict[str, str]:
    """What a .in file asks for, following -r (its packages belong to this lock too)."""
    pins = {}
    for line in logical_lines(source.read_text()):
        if line.startswith("-r "):
            pins |= top_level_pins(source.parent / line.removeprefix("-r ").strip())
        elif line.startswith("-c "):
            continue  # the other lock: checked against this one below
        else:
            match = PIN.fullmatch(line)
            assert match, f"{source.name}: {line!r} is not pinned with =="
            pins[normalised(match["name"])] = match["version"]
    return pins


@pytest.mark.parametrize("lock", [RUNTIME_LOCK, DEV_LOCK], ids=lambda path: path.name)
def test_every_lock_line_is_pinned_with_hashes(lock: Path) -> None:
    assert lock_problems(lock.read_text()) == []


@pytest.mark.parametrize(
    "text",
    [
        "flask>=3.1\n",
        "flask\n",
        "flask==3.1.3\n",
        "flask==3.1.3 \\\n    --hash=md5:0123\n",
        "-e git+https://example.invalid/flask.git#egg=flask\n",
        "flask==3.1.3 \\\n    --hash=sha256:" + "a" * 64 + " \\\n    --index-url x\n",
    ],
    ids=["range", "bare", "no-hash", "weak-hash", "editable", "stray-option"],
)
def test_the_lock_check_catches_floating_and_unhashed_lines(text: str) -> None:
    assert lock_problems(text) != []


@pytest.mark.parametrize("lock", [RUNTIME_LOCK, DEV_LOCK], ids=lambda path: path.name)
def test_each_top_level_package_is_locked_at_its_pinned_version(lock: Path) -> None:
    wanted = top_level_pins(LOCK_SOURCES[lock])
    locked = lock_pins(lock.read_text())
    drift = {name: (version, locked.get(name)) for name, version in wanted.items()}
    assert {name: pair for name, pair in drift.items() if pair[0] != pair[1]} == {}, (
        f"{LOCK_SOURCES[lock].name} and {lock.name} disagree (wanted, locked): run `make lock`"
    )


def test_the_dev_lock_installs_the_runtime_lock_unchanged() -> None:
    runtime = lock_pins(RUNTIME_LOCK.read_text())
    dev = lock_pins(DEV_LOCK.read_text())
    assert {name: (version, dev.get(name)) for name, version in runtime.items()} == {
        name: (version, version) for name, version in runtime.items()
    }


@pytest.mark.parametrize("name", ["wtforms", "werkzeug", "jinja2", "markupsafe", "itsdangerous"])
def test_transitive_runtime_packages_are_pinned(name: str) -> None:
    assert name in lock_pins(RUNTIME_LOCK.read_text())
