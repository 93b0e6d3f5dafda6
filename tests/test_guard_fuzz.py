"""Whatever bytes arrive, the guard and the whole import preparation answer in words: a
PortfolioError or a result, never another exception (which would reach the user as a traceback)."""
from __future__ import annotations

import contextlib

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics.ingest import prepare_import
from analytics.ingest.guard import WorkbookFormat, check_bytes
from analytics.problems import ImportRefused, PortfolioError
from tests.support import hostile

SEEDS = {
    "xlsx": hostile.valid_workbook(),
    "ods": hostile.ods_workbook(),
    "xls": hostile.legacy_xls(padding=6),
    "encrypted": hostile.password_protected_xlsx(),
}


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    """A real workbook with byte flips, a truncation, a cut-out or a spliced run of junk."""
    data = bytearray(SEEDS[draw(st.sampled_from(sorted(SEEDS)))])
    for _ in range(draw(st.integers(0, 8))):
        data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
    edit = draw(st.sampled_from(("none", "truncate", "cut", "splice")))
    at = draw(st.integers(0, len(data)))
    if edit == "truncate":
        del data[at:]
    elif edit == "cut":
        del data[at:at + draw(st.integers(1, 512))]
    elif edit == "splice":
        data[at:at] = draw(st.binary(min_size=1, max_size=64))
    return bytes(data)


@st.composite
def rezipped(draw: st.DrawFn) -> bytes:
    """A workbook whose XML parts were mangled and then zipped again with correct checksums,
    so the damage gets past the zip checks and reaches the workbook reader."""
    parts = hostile.parts_of(SEEDS["xlsx"])
    name = draw(st.sampled_from(["xl/worksheets/sheet1.xml", "xl/workbook.xml", "xl/styles.xml",
                                 "xl/_rels/workbook.xml.rels", "[Content_Types].xml"]))
    content = bytearray(parts[name])
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(content) - 1))
        content[at:at + 1] = draw(st.sampled_from([b"<", b">", b"\"", b"&", b"\xff", b"", b"9",
                                                   b"-1", b"A1048577", b"1e308"]))
    return hostile.rebuild({name: hostile.deflated(name, bytes(content))})


def check_answers_in_words(data: bytes) -> None:
    try:
        assert isinstance(check_bytes(data), WorkbookFormat)
    except ImportRefused as exc:
        assert exc.problems and exc.problems[0].code and exc.problems[0].message


FUZZ = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(st.binary(max_size=4096))
def test_random_bytes_get_a_verdict(data: bytes) -> None:
    check_answers_in_words(data)


@FUZZ
@given(st.sampled_from([b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"]), st.binary(max_size=4096))
def test_random_bytes_behind_a_real_signature_get_a_verdict(signature: bytes, tail: bytes) -> None:
    check_answers_in_words(signature + tail)


@FUZZ
@given(mutated())
def test_damaged_workbooks_get_a_verdict(data: bytes) -> None:
    check_answers_in_words(data)


@FUZZ
@given(rezipped())
def test_mangled_xml_inside_a_sound_zip_gets_a_verdict(data: bytes) -> None:
    check_answers_in_words(data)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(mutated(), rezipped(), st.binary(max_size=2048)))
def test_the_whole_preparation_raises_only_portfolio_errors(data: bytes) -> None:
    # Refusing is fine; any other exception is a traceback a user would see.
    with contextlib.suppress(PortfolioError):
        prepare_import(data, "portfolio-2025-03.xlsx")
