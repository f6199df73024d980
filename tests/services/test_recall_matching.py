"""Recall notices are messy (DOMAIN R6): their batch text is read into lot codes, matched, shown.

The notices quoted are real:
- EU Safety Gate alert A12/0097/17: "Lot-Nr. D 199 batch No 199 E06" (DOMAIN R6).
- FDA / Sierra Stain LLC, Bloodline inks, 2024: "Batch #1 Lot BL23 Manufactured 07/01/23 Expires
  07/01/26" and "Batch #1 Lot SC23 Manufactured 06/23 Expires 06/26"
  (https://einpresswire.com/article_print/738005764/sierra-stain-recalls-tattoo-pigments-because-of-possible-health-risk).
- FDA / Sacred Tattoo Ink, 2024: "lot code RB0624, Best Before June 28, 2027" and "lot code
  SD1124, Best Before November 1, 2027" (https://www.ourtattooworld.com/archives/20560).
- FDA tattoo-ink recalls, May 2019: Dynamic Color Black "lots 12024090 and 12026090", Solid
  Ink-Diablo "lot 10.19.18" (https://barfblog.com/2019/05/fda-announces-tattoo-ink-recalls-due-to-microorganism-contamination).
- FDA / White & Blue Lion, 2014: "Lot No. OR20036"
  (https://health.mo.gov/news/newsitem/uuid/1ef32b5e-cb4a-4fee-acd1-d8947a4707fd/updated-nationwide-recall-of-tattoo-ink-tattoo-needles-tattoo-kits-due-to-microbial-contamination).
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from smp_hygiene.errors import InvalidInput
from smp_hygiene.extensions import db
from smp_hygiene.models import AuditEntry, LotStatus, ProductKind, RecallScope, Role
from smp_hygiene.services.lots.identity import _LABEL, _SEPARATOR, lot_candidates, normalise_lot
from smp_hygiene.services.recalls import operations
from smp_hygiene.services.supplies import receiving as supplies
from tests.factories import make_lot, make_product, make_user

SAFETY_GATE = "Lot-Nr. D 199 batch No 199 E06"
SIERRA_BL23 = "Batch #1 Lot BL23 Manufactured 07/01/23 Expires 07/01/26"
SIERRA_SC23 = "Batch #1 Lot SC23 Manufactured 06/23 Expires 06/26"
SACRED_RB = "lot code RB0624, Best Before June 28, 2027"
SACRED_SD = "lot code SD1124, Best Before November 1, 2027"
DYNAMIC = "lots 12024090 and 12026090"

NOTICES_AND_LOTS_THEY_NAME = [
    (SAFETY_GATE, "D199"),
    (SAFETY_GATE, "199 E06"),
    (SIERRA_BL23, "BL23"),
    (SIERRA_SC23, "SC23"),
    (SACRED_RB, "RB0624"),
    (SACRED_SD, "SD1124"),
    (DYNAMIC, "12024090"),
    (DYNAMIC, "12026090"),
    ("lot 10.19.18", "10.19.18"),
    ("Lot No. OR20036", "OR20036"),
    ("Ch.-B. 23A117", "23A117"),
    ("Charge: 4471/4472", "4472"),
    ("Batch: 2022-01", "202201"),
]
# Dates, best-before text and the label words themselves never name a lot.
NOTICES_AND_LOTS_THEY_DO_NOT_NAME = [
    (SIERRA_BL23, "070123"),
    (SIERRA_BL23, "070126"),
    (SIERRA_SC23, "0626"),
    (SACRED_RB, "2027"),
    (SACRED_RB, "JUNE282027"),
    (SACRED_SD, "1124"),
    (SAFETY_GATE, "199"),
    (SAFETY_GATE, "E06"),
    (DYNAMIC, "1202409012026090"),
]


def _auditor(product):
    return make_user(Role.AUDITOR, clinic=product.clinic)


def _recall(product, scope, lots, **fields):
    fields.setdefault("reason", "Microbial contamination")
    fields.setdefault("source_reference", "A12/0097/17")
    return operations.open_recall(_auditor(product), product, scope, lots, **fields)


def test_the_safety_gate_batch_string_recalls_the_lot_it_names(ctx):
    lot = make_lot(lot_number="D199")

    recall = _recall(lot.product, RecallScope.LOT, [SAFETY_GATE])

    assert lot.status is LotStatus.RECALLED
    assert [rl.lot for rl in recall.recall_lots] == [lot]
    assert recall.not_held == ""


@pytest.mark.parametrize(("notice", "lot_number"), NOTICES_AND_LOTS_THEY_NAME)
def test_a_real_notices_batch_text_matches_the_received_lot_it_names(ctx, notice, lot_number):
    lot = make_lot(lot_number=lot_number)
    other = make_lot(product=lot.product, lot_number="ZZ999")

    match = operations.preview_recall(_auditor(lot.product), lot.product, RecallScope.LOT, [notice])

    assert match.lots == [lot]
    assert other not in match.lots


@pytest.mark.parametrize(("notice", "lot_number"), NOTICES_AND_LOTS_THEY_DO_NOT_NAME)
def test_dates_and_labels_in_a_notice_match_no_lot(ctx, notice, lot_number):
    lot = make_lot(lot_number=lot_number)

    match = operations.preview_recall(_auditor(lot.product), lot.product, RecallScope.LOT, [notice])

    assert match.lots == []
    assert match.not_held == [notice]


def test_the_preview_says_which_lot_matched_and_why_and_changes_nothing(ctx):
    lot = make_lot(lot_number="D199")
    auditor = _auditor(lot.product)
    before = db.session.scalar(select(func.count(AuditEntry.id)))

    match = operations.preview_recall(auditor, lot.product, RecallScope.LOT, [SAFETY_GATE])

    [(entry, candidates)] = match.entries
    assert entry == SAFETY_GATE
    assert [(c.key, c.source) for c in candidates] == [
        ("D199BATCHNO199E06", "the whole entry"),
        ("D199", "the part after “Lot-Nr.”"),
        ("199E06", "the part after “batch No”"),
    ]
    assert [(m.lot, m.why) for m in match.matches] == [
        (lot, f"D199: the part after “Lot-Nr.” of “{SAFETY_GATE}”")
    ]
    assert lot.status is LotStatus.AVAILABLE
    assert db.session.scalar(select(func.count(AuditEntry.id))) == before


def test_codes_joined_by_and_or_commas_are_each_a_candidate(ctx):
    candidates = {c.key: c.source for c in lot_candidates(DYNAMIC)}

    assert candidates["12024090"] == candidates["12026090"] == "one of the codes after “lots”"


LABELS = ["Lot", "LOT", "Lot-Nr.", "Lot No.", "lot code", "Batch", "batch No", "Batch:", "Batch #"]
LABELS += ["Charge", "Ch.-B.", "Chargennummer", "N° de lot", "Lotto"]
OTHER_TEXT = ["", " Exp 2027-06", " Manufactured 07/01/23", " Best Before June 28, 2027"]
CODES = st.from_regex(r"\A(|D|K|RB|SC)[1-9][A-Z0-9]{1,8}\Z")


def _spaced(code: str, gaps: list[str]) -> str:
    return "".join(char + gap for char, gap in zip(code, gaps, strict=False)) + code[len(gaps) :]


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    code=CODES,
    label=st.sampled_from(LABELS),
    gap=st.sampled_from([" ", ": ", ". ", "  "]),
    gaps=st.lists(st.sampled_from(["", " ", "-", "."]), max_size=4),
    tail=st.sampled_from(OTHER_TEXT),
    lead=st.sampled_from(["", "Art. No 1203RL "]),
)
def test_any_labelled_code_yields_the_received_lots_key(code, label, gap, gaps, tail, lead):
    spaced = _spaced(code, gaps).strip("-.")
    # A code spaced so that a fragment is itself a label ("D1 BB", where BB is "best before")
    # is ambiguous in a real notice too: the reading leaves such a fragment out, on purpose.
    fragments = [f for f in re.split(r"[ .\-]+", spaced) if f]
    assume(not any(_LABEL.fullmatch(f) or _SEPARATOR.fullmatch(f) for f in fragments[1:]))

    keys = [c.key for c in lot_candidates(f"{lead}{label}{gap}{spaced}{tail}")]

    assert normalise_lot(code) in keys
    assert "1203RL" not in keys


def test_a_recall_of_a_lot_not_received_yet_is_opened_and_records_its_codes(ctx):
    product = make_product(ProductKind.NEEDLE_CARTRIDGE)
    make_lot(product, lot_number="A1")

    recall = _recall(product, RecallScope.LOT, [SAFETY_GATE])

    assert recall.recall_lots == []
    assert recall.not_held == SAFETY_GATE
    assert {"D199", "199E06"} <= set(recall.lot_keys.split("\n"))


@pytest.mark.parametrize("received", ["D199", "199E06", "d-199"])
def test_a_lot_recalled_before_it_arrives_is_blocked_on_receipt(ctx, received):
    product, technician = make_product(ProductKind.NEEDLE_CARTRIDGE), make_user()
    recall = _recall(product, RecallScope.LOT, [SAFETY_GATE], reason="Seal defect")

    lot = supplies.receive_lot(
        product.clinic, f"(01){product.gtin}(17)290101(10){received}", technician
    )

    assert lot.status is LotStatus.RECALLED
    assert lot.status_reason == f"Recall #{recall.id}: Seal defect"
    assert [rl.lot for rl in recall.recall_lots] == [lot]


def test_a_lot_the_notice_does_not_name_arrives_available(ctx):
    product, technician = make_product(ProductKind.NEEDLE_CARTRIDGE), make_user()
    _recall(product, RecallScope.LOT, [SIERRA_BL23])

    lot = supplies.receive_lot(
        product.clinic, f"(01){product.gtin}(17)290101(10)070126", technician
    )

    assert lot.status is LotStatus.AVAILABLE


def test_a_whole_product_recall_with_no_stock_yet_blocks_the_first_delivery(ctx):
    product, technician = make_product(ProductKind.NEEDLE_CARTRIDGE), make_user()
    _recall(product, RecallScope.PRODUCT, [])

    lot = supplies.receive_lot(product.clinic, f"(01){product.gtin}(17)290101(10)X1", technician)

    assert lot.status is LotStatus.RECALLED


@pytest.mark.parametrize(
    ("scope", "lots", "message"),
    [
        (RecallScope.LOT, ["D199", "D200"], "Give exactly one lot number."),
        (RecallScope.LOT_LIST, [], "Give at least one lot number."),
        (RecallScope.LOT, ["N/A"], "A lot number needs at least one letter or digit."),
        (RecallScope.LOT, ["Lot-Nr. --"], "A lot number needs at least one letter or digit."),
        (RecallScope.PRODUCT, ["D199"], "A whole-product recall names no lots."),
    ],
)
def test_lot_text_of_the_wrong_shape_for_the_scope_is_refused(ctx, scope, lots, message):
    product = make_product()

    with pytest.raises(InvalidInput, match=message):
        operations.preview_recall(_auditor(product), product, scope, lots)
