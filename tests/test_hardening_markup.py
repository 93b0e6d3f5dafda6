"""Workbook and URL text is inert everywhere (issue 11, case 5): a business unit that is an
HTML link, a sheet name with Markdown, colour, KaTeX and a link, plain URLs. Checked through
AppTest (what each element is given) and in a real browser (what is drawn)."""
from __future__ import annotations

import io
import shutil
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path

import plotly.graph_objects as go
import pytest
from openpyxl import Workbook
from streamlit.testing.v1 import AppTest

from analytics.charts.theme import FOOTER_NAME, finish
from analytics.ingest import import_file
from analytics.provenance import ChartContext
from analytics.text import escape_markdown
from tests.conftest import CHROMIUM, ROOT, require_chromium
from tests.support.server import serve

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LINK_BU = '<a href="https://evil.example/phish">Finance</a>'
URL_BU = "See https://evil.example/plain and www.evil.example"
SHEET = "**Bold** :red[colour] $x^2$ [link](https://evil.example/sheet)"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
]


def payload_workbook() -> bytes:
    """A month whose business units and sheet name are attacks on the renderers."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Placeholder"
    sheet.append(["Initiative ID", "Initiative Name", "Stage", "Business Unit", "Pilot Start"])
    units = [LINK_BU, URL_BU, "Finance"]
    stages = ["Pilot", "Production", "Scaling", "Stopped", "Idea", "Pilot"]
    for n, stage in enumerate(stages * 2):
        sheet.append([f"AI-{n:03d}", f"[Initiative](https://evil.example/{n})", stage,
                      units[n % 3], "2025-01-15"])
    out = io.BytesIO()
    book.save(out)
    # Excel forbids ':' and '[' in sheet names, but a hand-made file can carry anything.
    source = zipfile.ZipFile(io.BytesIO(out.getvalue()))
    patched = io.BytesIO()
    with zipfile.ZipFile(patched, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            part = source.read(info.filename)
            if info.filename == "xl/workbook.xml":
                part = part.replace(b'name="Placeholder"', f'name="{SHEET}"'.encode())
            target.writestr(info.filename, part)
    return patched.getvalue()


def test_markdown_escaping_breaks_autolinks_and_markup() -> None:
    text = escape_markdown(f"{SHEET} {URL_BU} mail ana@evil.example")
    assert "https://" not in text and "www." not in text and "@evil" not in text
    assert "\\*\\*Bold\\*\\*" in text and "\\:red\\[" in text and "\\$x^2\\$" in text


def test_a_filter_in_the_footer_is_text_not_a_link() -> None:
    ctx = ChartContext(as_of=__import__("datetime").date(2025, 3, 1),
                       filters=f"Business unit: {LINK_BU}")
    fig = finish(go.Figure(), ctx, "A title")
    [footer] = [a.text for a in fig.layout.annotations if a.name == FOOTER_NAME]
    # The footer wraps to the chart's width: its lines are joined by Plotly's <br>.
    lines = footer.split("<br>")
    assert not any("<" in line for line in lines)
    assert "&lt;a href=" in " ".join(lines)


def test_the_sheet_tile_and_filter_caption_render_as_text(
    db_file: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PORTFOLIO_LOAD_SAMPLE", "0")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    at = at.switch_page("pages/data.py").run()
    at.file_uploader[0].set_value(("portfolio-2025-03.xlsx", payload_workbook(), XLSX))
    at.run()
    assert not at.exception
    sheet = at.metric[0].value
    assert sheet == escape_markdown(SHEET)
    assert "https://" not in sheet and "\\*\\*Bold" in sheet

    import_file(payload_workbook(), db=db_file, as_of="2025-03", file_name="portfolio-2025-03.xlsx")
    import streamlit as st

    st.cache_data.clear()
    page = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    page.query_params["bu"] = LINK_BU
    page.run()
    assert not page.exception
    captions = [c.value for c in page.caption]
    assert any(f"Business unit\\: {escape_markdown(LINK_BU)}" in c for c in captions), captions


# --- In the browser ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def payload_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    require_chromium()
    folder = tmp_path_factory.mktemp("payload")
    db = folder / "portfolio.duckdb"
    import_file(payload_workbook(), db=db, as_of="2025-03", file_name="portfolio-2025-03.xlsx")
    try:
        with serve(ROOT / "app.py", db, folder / "streamlit.log", PORTFOLIO_LOAD_SAMPLE="0") as running:
            yield running.url
    finally:
        shutil.rmtree(folder, ignore_errors=True)


ARTIFACTS = ROOT / "tests" / "artifacts"


def _settle(page) -> None:
    page.wait_for_selector('[data-testid="stApp"]', timeout=60_000)
    page.wait_for_timeout(1_000)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000)


LINKS_JS = """() => Array.from(document.querySelectorAll('a')).map(a =>
    a.getAttribute('href') || a.getAttribute('xlink:href') || '').filter(h => h.includes('evil'))"""
SVG_TEXT_JS = "() => Array.from(document.querySelectorAll('svg text')).map(t => t.textContent).join(' ')"
KATEX_JS = "() => document.querySelectorAll('.katex, .katex-html').length"
RED_JS = """() => Array.from(document.querySelectorAll('[data-testid="stApp"] span, [data-testid="stApp"] div'))
    .filter(e => e.innerText && e.innerText.trim() === 'colour').length"""


@pytest.mark.browser
def test_no_link_colour_or_formula_from_workbook_text_in_the_browser(payload_server: str) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_context(viewport={"width": 1600, "height": 3600}).new_page()
        ARTIFACTS.mkdir(exist_ok=True)
        try:
            for path in ("", "funnel"):
                query = urllib.parse.urlencode({"bu": LINK_BU})
                page.goto(f"{payload_server}/{path}?{query}")
                _settle(page)
                page.wait_for_selector(".js-plotly-plot", timeout=60_000)
                page.wait_for_timeout(1_500)
                assert page.evaluate(LINKS_JS) == [], path
                assert page.evaluate(KATEX_JS) == 0, path
                body = page.locator('[data-testid="stMain"]').inner_text().replace("\u2060", "")
                # The payload shows as the text it is, in the caption and the chart footers.
                assert f"Business unit: {LINK_BU}" in body, (path, body[:500])
                footers = page.evaluate(SVG_TEXT_JS)
                # A footer wraps to its chart's width; its lines' text joins without the space.
                unwrapped = footers.replace("\u2060", "").replace(" ", "")
                assert f"Business unit: {LINK_BU}".replace(" ", "") in unwrapped, path
                page.screenshot(path=str(ARTIFACTS / f"payload-{path or 'overview'}.png"))
            page.goto(f"{payload_server}/data")
            _settle(page)
            page.locator('input[type="file"]').set_input_files(files=[{
                "name": "portfolio-2025-04.xlsx", "mimeType": XLSX, "buffer": payload_workbook()}])
            page.wait_for_selector('[data-testid="stMetric"]', timeout=60_000)
            page.wait_for_timeout(1_500)
            tile = page.locator('[data-testid="stMetric"]').first.inner_text()
            assert SHEET in tile.replace("\u2060", ""), tile
            assert page.evaluate(LINKS_JS) == [] and page.evaluate(KATEX_JS) == 0
            assert page.evaluate(RED_JS) == 0
        finally:
            browser.close()
