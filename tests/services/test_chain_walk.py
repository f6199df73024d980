"""The fast chain walk: its shortcuts give the bytes the canonical form gives, and walking every
clinic in ranges of ids finds what walking each clinic from its start finds."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text

from smp_hygiene.extensions import db
from smp_hygiene.models import AuditEntry, Clinic, SessionStatus
from smp_hygiene.services.audit import chain, chain_walk, runners, verifying
from smp_hygiene.services.audit.iso_times import IsoTimes
from tests.factories import make_client, make_clinic, make_user

TEXT = st.text(st.characters(codec="utf-8"), max_size=40) | st.sampled_from(['"', "\\", "\n", "é"])
INTS = st.integers(min_value=-(2**70), max_value=2**70)
TIMES = st.datetimes(
    min_value=datetime(1900, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)
)
PLAIN = st.recursive(
    st.none() | st.booleans() | INTS | TEXT | st.floats(allow_nan=False) | TIMES | st.dates(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=20,
)


@given(PLAIN)
def test_canonical_writes_exactly_what_json_dumps_writes(value):
    dumped = json.dumps(
        value,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=chain.json_default,
    )

    assert chain.canonical(value) == dumped


@given(st.tuples(INTS, TEXT, TEXT | TIMES, st.none() | INTS, *[TEXT] * 6))
def test_the_fast_entry_hash_is_the_canonical_one(values):
    assert chain_walk.fast_hash(*values) == chain.hash_fields(*values)


def test_the_fast_entry_hash_hands_other_kinds_of_value_to_the_canonical_one():
    values = (True, "p", date(2024, 1, 2), 1.5, "a", "b", "c", "d", SessionStatus.VOIDED, "f")

    assert chain_walk.fast_hash(*values) == chain.hash_fields(*values)


def _stored_and_read_back(moment: datetime) -> object:
    """`moment` written as the ORM writes an entry's time, read back as the walk reads it."""
    entry = AuditEntry(
        clinic_id=make_clinic().id, at=moment, actor_label="", action="", entity_type=""
    )
    entry.entity_id, entry.prev_hash, entry.entry_hash = "", "", f"{id(entry)}-{moment}"
    db.session.add(entry)
    db.session.flush()
    times = IsoTimes(db.session.get_bind().dialect)
    stmt = select(times.column(AuditEntry.at)).where(AuditEntry.id == entry.id)
    return times.read(db.session.scalar(stmt))


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(TIMES)
def test_a_time_is_read_back_as_the_canonical_form_writes_its_datetime(ctx, moment):
    assert _stored_and_read_back(moment) == chain.json_default(moment)


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        ("2024-03-01 09:05:00", "2024-03-01T09:05:00+00:00"),  # no microseconds
        ("2024-03-01T09:05:00.250000+01:00", "2024-03-01T08:05:00.250000+00:00"),
        ("yesterday", "yesterday"),
    ],
)
def test_sqlite_text_in_any_other_form_is_read_the_typed_way_or_not_at_all(ctx, stored, expected):
    times = IsoTimes(db.session.get_bind().dialect)
    if not times.raw:
        pytest.skip("SQLite keeps times as text; PostgreSQL does not")

    assert times.read(stored) == expected


@pytest.mark.parametrize("stored", ["2024-13-01 09:05:00.000000", "2024-02-30 25:61:00.000000"])
def test_sqlite_text_of_no_real_time_is_read_as_no_real_time(ctx, stored):
    times = IsoTimes(db.session.get_bind().dialect)
    if not times.raw:
        pytest.skip("SQLite keeps times as text; PostgreSQL does not")

    with pytest.raises(ValueError, match="must be in|out of range"):
        datetime.fromisoformat(times.read(stored))  # so it equals no time the chain hashed


def _entries(clinic: Clinic, n: int) -> None:
    actor = make_user(clinic=clinic)
    for _ in range(n):
        chain.record(actor, "client.created", make_client(clinic=clinic))


@pytest.fixture
def three_clinics(ctx, monkeypatch):
    """Three clinics whose entries interleave, walked in ranges of 4 ids."""
    monkeypatch.setattr(verifying, "RANGE", 4)
    monkeypatch.setattr(runners, "PARTS", 1)  # ranges of exactly RANGE ids
    clinics = [make_clinic() for _ in range(3)]
    for _ in range(3):
        for clinic in clinics:
            _entries(clinic, 2)
    db.session.commit()
    return clinics


def _one_by_one(clinics: list[Clinic]) -> list[verifying.ChainReport]:
    return [verifying.verify_clinic_chain(clinic, full=True) for clinic in clinics]


def _ids_of(clinic: Clinic) -> list[int]:
    stmt = select(AuditEntry.id).where(AuditEntry.clinic_id == clinic.id)
    return list(db.session.scalars(stmt.order_by(AuditEntry.id)))


def test_walking_in_ranges_reports_what_walking_each_clinic_reports(three_clinics):
    in_ranges = list(verifying.verify_every_clinic(full=True))

    assert in_ranges == _one_by_one(three_clinics)
    assert [report.entries for report in in_ranges] == [len(_ids_of(c)) for c in three_clinics]
    assert [report.head_id for report in in_ranges] == [_ids_of(c)[-1] for c in three_clinics]
    assert all(report.ok for report in in_ranges)


@pytest.mark.parametrize("column", ["actor_label", "after", "at"])
def test_an_entry_changed_in_a_later_range_is_named(three_clinics, column):
    late = _ids_of(three_clinics[1])[-2]
    assert late > 2 * verifying.RANGE  # not in the first ranges
    value = "'2020-01-01 00:00:00.000000'" if column == "at" else "'someone'"
    db.session.execute(text(f"UPDATE audit_entry SET {column} = {value} WHERE id = {late}"))  # noqa: S608
    db.session.commit()

    reports = list(verifying.verify_every_clinic(full=True))

    assert reports == _one_by_one(three_clinics)
    assert [report.ok for report in reports] == [True, False, True]
    assert reports[1].problem == f"entry {late} was changed after it was written"
    assert reports[1].entries == len(_ids_of(three_clinics[1])) - 1


def test_an_entry_deleted_at_the_start_of_a_range_is_found(three_clinics):
    first_of_second_range = 5
    db.session.execute(text(f"DELETE FROM audit_entry WHERE id = {first_of_second_range}"))  # noqa: S608
    db.session.commit()

    reports = list(verifying.verify_every_clinic(full=True))

    assert reports == _one_by_one(three_clinics)
    broken = [report for report in reports if not report.ok]
    assert len(broken) == 1
    assert "does not follow the one before it" in broken[0].problem


def test_from_the_checkpoints_an_entry_changed_after_them_is_found(three_clinics):
    for report in verifying.verify_every_clinic(full=True):
        verifying.remember_verified(report)
    before = [len(_ids_of(clinic)) for clinic in three_clinics]
    for clinic in three_clinics:
        _entries(clinic, 3)
    db.session.commit()
    changed = _ids_of(three_clinics[1])[before[1] + 1]  # the second entry after the checkpoint
    db.session.execute(text(f"UPDATE audit_entry SET entity_id = '0' WHERE id = {changed}"))  # noqa: S608
    db.session.commit()

    reports = list(verifying.verify_every_clinic(full=False))

    assert reports == [verifying.verify_clinic_chain(c) for c in three_clinics]
    assert [report.ok for report in reports] == [True, False, True]
    assert reports[1].problem == f"entry {changed} was changed after it was written"
    assert reports[1].entries == before[1] + 2
    new = [len(_ids_of(clinic)) - old for clinic, old in zip(three_clinics, before, strict=True)]
    assert (reports[0].checked, reports[2].checked) == (new[0], new[2])


def test_a_time_stored_in_another_form_for_the_same_moment_keeps_the_chain(ctx):
    clinic = make_clinic()
    _entries(clinic, 3)
    db.session.commit()
    if db.session.get_bind().dialect.name != "sqlite":
        pytest.skip("SQLite keeps times as text; PostgreSQL does not")
    db.session.execute(text("UPDATE audit_entry SET at = replace(at, ' ', 'T') WHERE id = 2"))
    db.session.commit()

    (report,) = verifying.verify_every_clinic(full=True)

    assert report.ok, report.problem
