"""A scanned or typed code whose digits are not ASCII (², Arabic-Indic, full-width) is a code we
cannot read, answered as such; it never reaches int() and crashes the scan."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smp_hygiene.errors import DomainError
from smp_hygiene.services.barcodes.reader import MalformedBarcode, parse_barcode

FOREIGN = st.characters(categories=["Nd", "No"], exclude_characters="0123456789")
DIGITS = st.text(st.sampled_from("0123456789"), min_size=1, max_size=12)
TEMPLATES = [
    "]C101{digits}17{odd}10LOT1",
    "(01){digits}(11){odd}(10)LOT1",
    "+H123ABC1/$$3{odd}LOT1",
    "+H123ABC1/{odd}LOT1",
    "{odd}{digits}",
]


@given(
    template=st.sampled_from(TEMPLATES),
    digits=DIGITS,
    head=DIGITS,
    foreign=FOREIGN,
    tail=st.text(st.sampled_from("0123456789"), max_size=6),
)
@settings(max_examples=400, derandomize=True, deadline=None, database=None)
def test_a_code_with_foreign_digits_is_refused_or_read_never_crashes(
    template, digits, head, foreign, tail
):
    code = template.format(digits=digits, odd=head + foreign + tail)

    with contextlib.suppress(DomainError):  # a refusal in words is the right answer
        parse_barcode(code)


@pytest.mark.parametrize("date", ["26²231", "٢٦١٢٣١", "２６１２３１"])
def test_an_expiry_in_foreign_digits_is_malformed(date):
    with pytest.raises(MalformedBarcode):
        parse_barcode(f"]C10109506000134352117{date}10LOT1")
