"""Recall rules: lots blocked at once, look-back through supply and diluent, notifications."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from smp_hygiene.errors import InvalidInput, NotAllowed, NotFound, RecallClosed
from smp_hygiene.extensions import db
from smp_hygiene.models import (
    AuditEntry,
    LotStatus,
    NotificationChannel,
    ProductKind,
    RecallScope,
    Role,
)
from smp_hygiene.services.audit import verifying
from smp_hygiene.services.recalls import operations
from smp_hygiene.timeutil import utcnow
from tests.factories import (
    make_client,
    make_clinic,
    make_lot,
    make_product,
    make_recall,
    make_session,
    make_use,
    make_user,
)


def _actions() -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def test_auditor_can_recall_one_lot_and_it_is_blocked_at_once(ctx):
    lot = make_lot(lot_number="D199")
    other = make_lot(product=lot.product, lot_number="D200")
    auditor = make_user(Role.AUDITOR)

    recall = operations.open_recall(
        auditor,
        lot.product,
        RecallScope.LOT,
        ["Lot-Nr. D 199"],
        "Nickel above limit",
        "A12/0097/17",
    )

    assert lot.status is LotStatus.RECALLED
    assert lot.status_reference == "A12/0097/17"
    assert lot.status_reason == f"Recall #{recall.id}: Nickel above limit"
    assert lot.status_changed_at >= recall.opened_at
    assert other.status is LotStatus.AVAILABLE
    assert [rl.previous_status for rl in recall.recall_lots] == [LotStatus.AVAILABLE]
    assert recall.source_label == "EU Safety Gate alert A12/0097/17"


def test_opening_a_recall_is_audited_with_each_lot_blocked(ctx):
    lot = make_lot()
    second = make_lot(product=lot.product)

    make_recall([lot, second])

    assert _actions()[-3:] == ["recall.opened", "lot.recalled", "lot.recalled"]
    assert all(report.ok for report in verifying.verify_every_clinic())


def test_auditor_can_recall_a_range_of_lots_by_their_final_digits(ctx):
    product = make_product()
    lots = {n: make_lot(product=product, lot_number=n) for n in ("D189", "D190", "D199", "E195")}

    operations.open_recall(
        make_user(Role.AUDITOR), product, RecallScope.LOT_RANGE, ["D190", "d-199"], "r", "ref"
    )

    recalled = {n for n, lot in lots.items() if lot.status is LotStatus.RECALLED}
    assert recalled == {"D190", "D199"}


def test_a_range_whose_ends_differ_in_more_than_digits_is_refused(ctx):
    lot = make_lot(lot_number="D190")

    with pytest.raises(InvalidInput, match="must differ only in their final digits"):
        operations.open_recall(
            make_user(Role.AUDITOR), lot.product, RecallScope.LOT_RANGE, ["D190", "E199"], "r", "x"
        )


def test_a_list_recall_keeps_the_lots_not_held_here_on_record(ctx):
    lot = make_lot(lot_number="A1")

    recall = operations.open_recall(
        make_user(Role.AUDITOR), lot.product, RecallScope.LOT_LIST, ["A1", "B2"], "r", "notice 7"
    )

    assert lot.status is LotStatus.RECALLED
    assert recall.not_held == "B2"
    assert recall.source_label == "notice 7"


def test_auditor_can_recall_a_whole_product_used_up_lots_included(ctx):
    product = make_product()
    used_up = make_lot(product=product, status=LotStatus.USED_UP)
    open_lot = make_lot(product=product)

    recall = operations.open_recall(
        make_user(Role.AUDITOR), product, RecallScope.PRODUCT, [], "r", "x"
    )

    assert used_up.status is open_lot.status is LotStatus.RECALLED
    assert sorted(rl.previous_status for rl in recall.recall_lots) == [
        LotStatus.AVAILABLE,
        LotStatus.USED_UP,
    ]


@pytest.mark.parametrize(
    ("reason", "reference", "message"),
    [
        ("  ", "A12/0097/17", "Give the reason for the recall"),
        ("Lead", "", r"Give the source reference \(alert or notice number\)"),
        ("Lead", "x" * 101, "longer than 100 characters"),
    ],
)
def test_a_recall_needs_a_reason_and_a_source_reference(ctx, reason, reference, message):
    lot = make_lot()

    with pytest.raises(InvalidInput, match=message):
        operations.open_recall(
            make_user(Role.AUDITOR),
            lot.product,
            RecallScope.LOT,
            [lot.lot_number],
            reason,
            reference,
        )


def test_technician_cannot_open_a_recall(ctx):
    lot = make_lot()

    with pytest.raises(NotAllowed, match="Only the clinic's auditors and admins"):
        operations.open_recall(
            make_user(), lot.product, RecallScope.LOT, [lot.lot_number], "r", "x"
        )

    assert lot.status is LotStatus.AVAILABLE


def test_auditor_cannot_recall_another_clinics_product(ctx):
    lot = make_lot()
    outsider = make_user(Role.AUDITOR, clinic=make_clinic())

    with pytest.raises(NotAllowed):
        operations.open_recall(outsider, lot.product, RecallScope.LOT, [lot.lot_number], "r", "x")


def test_affected_clients_include_those_treated_with_a_recalled_diluent(ctx):
    pigment = make_lot()
    water = make_lot(kind=ProductKind.OTHER)
    direct, diluted, untouched = make_client(), make_client(), make_client()
    make_use(make_session(direct), water)
    make_use(make_session(diluted), pigment, diluent_lot=water)
    make_use(make_session(untouched), pigment)

    recall = make_recall([water])
    page = operations.list_affected_clients(recall)

    assert {row.client for row in page.items} == {direct, diluted}
    diluted_row = next(row for row in page.items if row.client is diluted)
    assert diluted_row.lot_labels == [f"{water.product.title} lot {water.lot_number} (diluent)"]


def test_a_client_treated_twice_is_one_affected_client_with_both_sessions(ctx):
    lot, client = make_lot(), make_client()
    first = make_session(client, started_at=utcnow() - timedelta(days=30))
    second = make_session(client)
    make_use(first, lot)
    make_use(second, lot)
    make_use(second, lot)

    page = operations.list_affected_clients(make_recall([lot]))

    assert page.total == 1
    assert [row.session for row in page.items[0].sessions] == [first, second]


def test_auditor_can_mark_a_client_notified_and_progress_counts_it(ctx):
    lot, told, not_yet = make_lot(), make_client(), make_client()
    make_use(make_session(told), lot)
    make_use(make_session(not_yet), lot)
    recall = make_recall([lot])
    auditor = make_user(Role.AUDITOR)

    note = operations.mark_client_notified(
        auditor, recall, told, NotificationChannel.PHONE, note="Left a message"
    )
    [progress] = operations.list_open_recalls(told.clinic)

    assert (note.notified_by, note.channel) == (auditor, NotificationChannel.PHONE)
    assert (progress.recall, progress.notified, progress.affected) == (recall, 1, 2)
    assert progress.percent == 50
    assert _actions()[-1] == "recall.client_notified"


def test_a_client_not_treated_with_the_lots_cannot_be_marked_notified(ctx):
    lot, stranger = make_lot(), make_client(full_name="Sam Other")
    make_use(make_session(), lot)
    recall = make_recall([lot])

    with pytest.raises(InvalidInput, match="Sam Other was not treated with a lot in this recall"):
        operations.mark_client_notified(
            make_user(Role.AUDITOR), recall, stranger, NotificationChannel.EMAIL
        )


def test_a_notification_cannot_name_a_session_outside_the_recall(ctx):
    lot, client = make_lot(), make_client()
    make_use(make_session(client), lot)
    unrelated = make_session(client)
    recall = make_recall([lot])

    with pytest.raises(InvalidInput, match="not one of this client's sessions in the recall"):
        operations.mark_client_notified(
            make_user(Role.AUDITOR), recall, client, NotificationChannel.LETTER, session=unrelated
        )


def test_a_notification_cannot_be_dated_in_the_future(ctx):
    lot, client = make_lot(), make_client()
    make_use(make_session(client), lot)
    recall = make_recall([lot])

    with pytest.raises(InvalidInput, match="in the future"):
        operations.mark_client_notified(
            make_user(Role.AUDITOR),
            recall,
            client,
            NotificationChannel.IN_PERSON,
            notified_at=utcnow() + timedelta(hours=1),
        )


def test_auditor_can_close_a_recall_and_its_lots_stay_recalled(ctx):
    lot = make_lot()
    recall = make_recall([lot])
    auditor = make_user(Role.AUDITOR)

    operations.close_recall(auditor, recall, "All clients told; supplier credited the stock")

    assert (recall.closed_by, recall.is_open) == (auditor, False)
    assert lot.status is LotStatus.RECALLED
    assert operations.list_open_recalls(lot.product.clinic) == []
    assert _actions()[-1] == "recall.closed"


def test_a_recall_cannot_be_closed_twice_or_without_a_reason(ctx):
    recall = make_recall()
    auditor = make_user(Role.AUDITOR)
    with pytest.raises(InvalidInput, match="Give the reason for closing the recall"):
        operations.close_recall(auditor, recall, " ")
    operations.close_recall(auditor, recall, "done")

    with pytest.raises(RecallClosed, match=f"Recall #{recall.id} is already closed"):
        operations.close_recall(auditor, recall, "again")


def test_another_clinics_recall_is_not_found(ctx):
    recall = make_recall()

    with pytest.raises(NotFound, match=f"There is no recall #{recall.id}"):
        operations.get_recall(make_clinic(), recall.id)


def test_patient_page_notice_names_product_lot_reason_source_and_advice(ctx):
    lot, session = make_lot(lot_number="D199"), make_session()
    session.clinic.phone = "+33 1 23 45 67 89"
    make_use(session, lot)
    recall = make_recall([lot], reason="Contains lead above the limit")

    [notice] = operations.recall_notices_for_session(session)

    assert notice.product == lot.product.title
    assert notice.lots == ["D199"]
    assert notice.reason == "Contains lead above the limit"
    assert notice.source == "EU Safety Gate alert A12/0097/17"
    assert notice.opened_on == recall.opened_at.date()
    assert "see a doctor" in notice.what_to_do
    assert "+33 1 23 45 67 89" in notice.what_to_do


def test_a_session_without_recalled_lots_has_no_notice(ctx):
    session = make_session()
    make_use(session, make_lot())
    make_recall()

    assert operations.recall_notices_for_session(session) == []


def test_list_open_recalls_counts_nothing_for_a_recall_without_sessions(ctx):
    recall = make_recall()

    [progress] = operations.list_open_recalls(recall.clinic)

    assert (progress.affected, progress.notified, progress.percent) == (0, 0, 100)


def _treated(lot, days_ago: int):
    client = make_client()
    make_use(make_session(client, started_at=utcnow() - timedelta(days=days_ago)), lot)
    return client


def test_the_look_back_covers_three_years_before_the_recall_by_default(ctx):
    lot = make_lot()
    recent, edge, old = _treated(lot, 30), _treated(lot, 3 * 365 - 2), _treated(lot, 3 * 365 + 2)

    recall = make_recall([lot])
    [progress] = operations.recall_progress([recall])

    assert recall.lookback_start == operations.lookback_floor(recall.opened_at.date())
    assert {row.client for row in operations.list_affected_clients(recall).items} == {recent, edge}
    assert old not in {row.client for row in operations.list_affected_clients(recall).items}
    assert progress.affected == 2


def test_auditor_can_widen_the_look_back_and_older_clients_are_listed(ctx):
    lot = make_lot()
    old = _treated(lot, 5 * 365)
    recall = make_recall([lot])

    operations.widen_lookback(make_user(Role.AUDITOR), recall, date(2000, 1, 1))

    assert recall.lookback_start == date(2000, 1, 1)
    assert [row.client for row in operations.list_affected_clients(recall).items] == [old]
    assert operations.recall_progress([recall])[0].affected == 1
    assert _actions()[-1] == "recall.lookback_widened"


def test_a_recall_can_be_opened_with_a_wider_look_back(ctx):
    lot = make_lot()
    old = _treated(lot, 4 * 365)

    recall = make_recall([lot], lookback_from=date.today() - timedelta(days=5 * 365))

    assert [row.client for row in operations.list_affected_clients(recall).items] == [old]


def test_a_look_back_shorter_than_the_retention_floor_is_refused(ctx):
    lot = make_lot()
    floor = operations.lookback_floor(date.today())

    with pytest.raises(
        InvalidInput,
        match=rf"at least 3 years, the retention floor: start it on {floor} or earlier\.",
    ):
        make_recall([lot], lookback_from=floor + timedelta(days=1))


@pytest.mark.parametrize("days_later", [0, 1, 400])
def test_the_look_back_cannot_be_narrowed(ctx, days_later):
    recall = make_recall()
    start = recall.lookback_start

    with pytest.raises(
        InvalidInput, match=rf"The look-back already starts on {start}: a wider one starts earlier"
    ):
        operations.widen_lookback(
            make_user(Role.AUDITOR), recall, start + timedelta(days=days_later)
        )


@pytest.mark.parametrize(
    ("opened_on", "floor"),
    [
        (date(2026, 7, 16), date(2023, 7, 16)),
        (date(2028, 2, 29), date(2025, 2, 28)),
        (date(2027, 3, 1), date(2024, 3, 1)),
        (date(2027, 1, 1), date(2024, 1, 1)),
    ],
)
def test_the_retention_floor_is_three_calendar_years(opened_on, floor):
    assert operations.lookback_floor(opened_on) == floor


def test_an_old_recall_without_a_look_back_lists_every_session(ctx):
    lot = make_lot()
    old = _treated(lot, 10 * 365)
    recall = make_recall([lot])
    recall.lookback_starts_at = None

    assert [row.client for row in operations.list_affected_clients(recall).items] == [old]
    assert operations.recall_progress([recall])[0].affected == 1
