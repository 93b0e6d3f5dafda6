"""A euro portfolio reads in euros everywhere: CLI summary, report JSON, KPI tiles, charts, deck.

METRICS.md section 1: each snapshot has one currency taken from its cells or headers, and
every money figure is labelled with it, never a hard-coded `$`. A month whose currency differs
from the previous one's is never added to or subtracted from it.
"""
from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook

from analytics import store
from analytics.ingest import import_file
from analytics.kpis import CURRENCY_CHANGED, kpis
from analytics.metrics import compute_report, load_rows
from analytics.provenance import ChartContext
from tests.test_cli_ingest import run

HEADER = ["ID", "Name", "Stage", "Business Unit", "Pilot Start", "Stage Entered", "Go-Live",
          "Budget (EUR)", "Spend (EUR)", "Expected Value (EUR)", "Realized Value (EUR)"]


def portfolio(header: list[str] = HEADER) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "Portfolio"
    ws.append(header)
    # Two pilots stuck for over a year (stalled), one live with value, one stopped with spend.
    ws.append(["EU-1", "Claims triage", "Pilot", "Ops", "2024-01-10", "2024-01-10", None,
               250_000, 100_000, 400_000, None])
    ws.append(["EU-2", "Churn model", "Pilot", "Sales", "2024-02-01", "2024-02-01", None,
               150_000, 50_000, 300_000, None])
    ws.append(["EU-3", "Invoice OCR", "Live", "Finance", "2023-06-01", "2024-03-01",
               "2024-03-01", 500_000, 450_000, 900_000, 600_000])
    ws.append(["EU-4", "Chatbot", "Stopped", "Ops", "2023-09-01", "2024-05-01", None,
               80_000, 70_000, 100_000, None])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def euro_db(tmp_path: Path) -> Path:
    db = tmp_path / "euro.duckdb"
    import_file(portfolio(), db=db, file_name="portfolio-2025-01.xlsx")
    import_file(portfolio(), db=db, file_name="portfolio-2025-02.xlsx")
    return db


def test_the_cli_summary_and_json_carry_the_snapshot_currency(euro_db: Path):
    text = run("report", "--db", str(euro_db), "--as-of", "2025-02")
    document = json.loads(run("report", "--db", str(euro_db), "--as-of", "2025-02",
                              "--json").stdout)

    assert document["currency"] == "EUR"
    assert document["stalled"]["budget"] == 400_000
    assert "€400,000" in text.stdout
    assert "$" not in text.stdout


def test_kpi_tiles_compare_money_only_within_one_currency(tmp_path: Path):
    db = tmp_path / "mixed.duckdb"
    dollars = [h.replace("(EUR)", "($)") for h in HEADER]
    import_file(portfolio(dollars), db=db, file_name="portfolio-2025-01.xlsx")
    result = import_file(portfolio(), db=db, file_name="portfolio-2025-02.xlsx")
    assert [w.code for w in result.warnings] == ["currency_changed"]
    with store.connect(db, read_only=True) as con:
        rows = load_rows(con, date(2025, 2, 1))
        currencies = store.snapshot_currencies(con)

    now = compute_report(rows, date(2025, 2, 1), currency=currencies[date(2025, 2, 1)])
    before = compute_report(rows, date(2025, 1, 1), currency=currencies[date(2025, 1, 1)])
    tiles = {t.key: t for t in kpis(now, before)}

    assert tiles["stalled_budget"].text == "€400k"
    assert tiles["stalled_budget"].delta == f"{CURRENCY_CHANGED} (USD to EUR)"
    assert tiles["stalled"].delta is not None and "currency" not in tiles["stalled"].delta


def test_a_euro_portfolios_charts_label_money_in_euros(euro_db: Path):
    from analytics.boardpack import chart_slides, pack_data

    with store.connect(euro_db, read_only=True) as con:
        rows = load_rows(con, date(2025, 2, 1))
        currencies = store.snapshot_currencies(con)
    data = pack_data(rows, date(2025, 2, 1), currencies=currencies)
    ctx = ChartContext(as_of=date(2025, 2, 1), source="portfolio-2025-02.xlsx", currency="EUR")

    slides = chart_slides(data, ctx)

    for slide in slides:
        assert "$" not in slide.notes, slide.name
        layout = slide.figure.layout
        assert "$" not in (layout.title.text or ""), slide.name
        for axis in (layout.xaxis, layout.yaxis):
            assert "$" not in (axis.tickformat or "") + (axis.tickprefix or ""), slide.name
        for trace in slide.figure.data:
            assert "$" not in str(getattr(trace, "hovertemplate", "") or ""), slide.name
            assert "$" not in str(getattr(trace, "text", "") or ""), slide.name
    value = next(s for s in slides if s.name == "value-by-business-unit")
    assert "€600,000" in value.notes
    assert value.native is not None and "€" in value.native.number_format


def test_a_euro_portfolios_board_pack_has_no_dollar_sign(euro_db: Path, tmp_path: Path):
    from tests.conftest import require_chromium

    require_chromium()
    out = tmp_path / "pack.pptx"
    result = run("boardpack", "--db", str(euro_db), "--as-of", "2025-02", "--out", str(out),
                 "--native")
    assert result.returncode == 0, result.stderr

    with zipfile.ZipFile(out) as deck:
        texts = [deck.read(n).decode("utf-8") for n in deck.namelist() if n.endswith(".xml")]
    # A native chart's data range (<c:f>Sheet1!$B$2:$B$4</c:f>) is a cell reference, not money.
    texts = [re.sub(r"<c:f>[^<]*</c:f>", "", t) for t in texts]
    assert not [t for t in texts if "$" in t]
    assert any("€" in t for t in texts)
