"""The dashboard in a real browser: `streamlit run` on a copy of the sample, driven by Playwright
in Debian's Chromium. Loads a workbook on the Data page, visits every page, asserts no error box,
and saves a screenshot of each under tests/artifacts/ (kept by CI for people to look at).
"""
from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pytest

from analytics.charts.theme import NARROWEST_WIDTH
from dashboard.registry import PAGES as REGISTRY
from tests.support.environment import CHROMIUM, ROOT, require_chromium
from tests.support.server import serve

pytestmark = pytest.mark.browser

ARTIFACTS = ROOT / "tests" / "artifacts"
PAGES = {p.name: p.url_path for p in REGISTRY}
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
]
ERROR_SELECTORS = '[data-testid="stException"], [data-testid="stAlertContentError"]'


#: A portfolio beside the sample: the sample's initiatives spread over 12 business units whose
#: names are 40 characters long, as in a bank's or an insurer's org chart.
LONG_UNITS = tuple(name.ljust(40, ".")[:40] for name in (
    "Global Commercial Banking and Payments EMEA", "Retail Lending and Mortgage Operations UK",
    "Wealth Management and Private Banking Asia", "Corporate Treasury and Liquidity Planning",
    "Group Risk, Compliance and Internal Audit", "Customer Experience and Contact Centres",
    "Enterprise Data Platform and Architecture", "Human Resources and Workforce Analytics",
    "Procurement, Vendor and Contract Management", "Insurance Claims and Underwriting Services",
    "Marketing, Brand and Digital Acquisition", "Finance Transformation and Group Reporting",
))


@pytest.fixture(scope="module")
def long_names_db(sample_db_master: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from analytics import store
    from analytics.store import ROW_COLUMNS, SnapshotMeta

    with store.connect(sample_db_master, read_only=True) as con:
        rows = store.read_rows(con)
    ids = sorted(rows["initiative_id"].unique())
    unit = {i: LONG_UNITS[n % len(LONG_UNITS)] for n, i in enumerate(ids)}
    rows = rows.assign(business_unit=rows["initiative_id"].map(unit))
    db = tmp_path_factory.mktemp("long-names") / "portfolio.duckdb"
    with store.connect(db) as con:
        for as_of, month in rows.groupby("as_of", sort=True):
            meta = SnapshotMeta(as_of=pd.Timestamp(as_of).date(),
                                file_name=f"long-names-{pd.Timestamp(as_of):%Y-%m}.xlsx",
                                sha256=f"long-{as_of}", sheet="Portfolio", header_row=1, imported_by="test")
            frame = month.loc[:, [c for c in ROW_COLUMNS if c != "as_of"]].reset_index(drop=True)
            store.write_snapshot(con, meta, frame, [], b"long names " + str(as_of).encode())
    return db


@pytest.fixture(scope="module")
def one_initiative_db(sample_db_master: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The smallest portfolio: one initiative of the sample (one that reached production), with
    its months; every chart then draws its "too few to judge" or empty state."""
    from analytics import store
    from analytics.domain import Stage
    from analytics.store import ROW_COLUMNS, SnapshotMeta

    with store.connect(sample_db_master, read_only=True) as con:
        rows = store.read_rows(con)
    launched = sorted(rows.loc[rows["stage"] == Stage.PRODUCTION, "initiative_id"].unique())[0]
    rows = rows.loc[rows["initiative_id"] == launched]
    db = tmp_path_factory.mktemp("one-initiative") / "portfolio.duckdb"
    with store.connect(db) as con:
        for as_of, month in rows.groupby("as_of", sort=True):
            meta = SnapshotMeta(as_of=pd.Timestamp(as_of).date(),
                                file_name=f"one-{pd.Timestamp(as_of):%Y-%m}.xlsx",
                                sha256=f"one-{as_of}", sheet="Portfolio", header_row=1, imported_by="test")
            frame = month.loc[:, [c for c in ROW_COLUMNS if c != "as_of"]].reset_index(drop=True)
            store.write_snapshot(con, meta, frame, [], b"one initiative " + str(as_of).encode())
    return db


@contextmanager
def _serve(db_master: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    require_chromium()
    db = tmp_path_factory.mktemp("browser") / "portfolio.duckdb"
    shutil.copyfile(db_master, db)
    log = tmp_path_factory.mktemp("logs") / "streamlit.log"
    with serve(ROOT / "app.py", db, log) as running:
        yield running.url


@pytest.fixture(scope="module")
def server(sample_db_master: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with _serve(sample_db_master, tmp_path_factory) as url:
        yield url


@pytest.fixture(scope="module")
def long_names_server(long_names_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with _serve(long_names_db, tmp_path_factory) as url:
        yield url


@pytest.fixture(scope="module")
def one_initiative_server(one_initiative_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with _serve(one_initiative_db, tmp_path_factory) as url:
        yield url


@pytest.fixture(scope="module")
def chromium(server: str):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="module")
def browser_page(server: str, chromium):
    # Tall viewport: Streamlit scrolls an inner container, so a full-page screenshot
    # only shows what fits in the viewport.
    context = chromium.new_context(viewport={"width": 1600, "height": 3600}, device_scale_factor=1)
    page = context.new_page()
    # A warm-up visit: the server's first run imports the libraries and fills the caches, so
    # the tests time and measure the app as later visitors see it.
    page.goto(server)
    _settle(page)
    try:
        yield page
    finally:
        context.close()


def _settle(page) -> None:
    """Wait until Streamlit has finished running the script and charts have drawn."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=60_000)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000
    )
    page.wait_for_timeout(1500)


def _assert_no_error(page, name: str) -> None:
    errors = page.locator(ERROR_SELECTORS)
    texts = [errors.nth(i).inner_text() for i in range(errors.count())]
    assert not texts, f"{name} shows an error: {texts}"


def test_a_shared_link_opened_first_on_a_fresh_server_shows_the_apps_navigation(
        sample_db_master: Path, tmp_path_factory: pytest.TempPathFactory, chromium) -> None:
    # Streamlit ran such a first visit straight from pages/, listing 'app', 'data', ... to anyone.
    with _serve(sample_db_master, tmp_path_factory) as url:
        context = chromium.new_context(viewport={"width": 1280, "height": 1200})
        try:
            page = context.new_page()
            page.goto(f"{url}/stalls?bu=Finance")
            _settle(page)
            # The first run declares the app's navigation and reruns through app.py.
            page.wait_for_function(
                "() => (document.querySelector('[data-testid=\"stSidebarNav\"]') || {}).innerText"
                "?.includes('Stalls and causes')", timeout=30_000)
            nav = page.locator('[data-testid="stSidebarNav"]').inner_text().splitlines()
            shown = [line.strip() for line in nav if line.strip()]
            assert "Stalls and causes" in shown and "Overview" in shown
            assert not {"app", "stalls", "data"} & set(shown), shown
            assert page.locator("h1").first.inner_text() == "Stalls and causes"
            caption = page.locator('[data-testid="stMain"] [data-testid="stCaptionContainer"]').first
            assert "Business unit: Finance" in caption.inner_text()
            _assert_no_error(page, "stalls")
        finally:
            context.close()


def test_load_a_workbook_on_the_data_page(server: str, browser_page, tmp_path: Path) -> None:
    from analytics.sample import write_sample

    workbook = write_sample(tmp_path)[-1]          # the latest month, as an analyst would load it
    page = browser_page
    page.goto(f"{server}/{PAGES['data']}")
    _settle(page)
    page.locator('input[type="file"]').set_input_files(str(workbook))
    page.get_by_text("What was found").wait_for(timeout=60_000)
    _settle(page)
    _assert_no_error(page, "data (after upload)")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "data-upload.png"), full_page=True)
    # The database holds the sample: a real export is never mixed with it, and removing the
    # sample is the choice offered first (committing here would change the other tests' data;
    # tests/test_app_import_rules.py commits it).
    page.get_by_text("The database holds the sample portfolio").wait_for(timeout=60_000)
    assert page.get_by_role("radio", name="Remove the sample portfolio and load this export "
                            "(recommended)").is_checked()
    assert page.get_by_role("button", name="Commit").is_enabled()
    _assert_no_error(page, "data (sample choice)")


def test_the_blank_template_downloads_from_the_data_page(server: str, browser_page,
                                                         tmp_path: Path) -> None:
    """The template is built when its button is clicked (the page hands Streamlit the function):
    the file that arrives is the workbook with the import's headers."""
    from openpyxl import load_workbook

    page = browser_page
    page.goto(f"{server}/{PAGES['data']}")
    _settle(page)
    with page.expect_download(timeout=60_000) as download:
        page.get_by_role("button", name="Download a blank template workbook").click()
    assert download.value.suggested_filename == "portfolio-template.xlsx"
    saved = tmp_path / "template.xlsx"
    download.value.save_as(saved)
    headers = [c.value for c in load_workbook(saved, read_only=True)["Portfolio"][1]]
    assert headers[:3] == ["ID", "Name", "Stage"]


@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_renders_without_error(server: str, browser_page, name: str) -> None:
    page = browser_page
    page.goto(f"{server}/{PAGES[name]}")
    _settle(page)
    if name not in ("data", "initiatives"):
        # Plotly's bundle loads lazily: a chart page is ready when its first chart has drawn.
        page.wait_for_selector(".js-plotly-plot .main-svg", timeout=60_000)
        page.wait_for_timeout(1000)
    _assert_no_error(page, name)
    assert page.locator("h1").count() >= 1, f"{name} has no title"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _click_centre(page, locator) -> None:
    # Plotly's drag layer lies over the marks: click where a person's mouse would.
    box = locator.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


def test_clicking_a_bar_or_a_heatmap_cell_lists_its_initiatives(server: str, browser_page) -> None:
    # A tab of its own: a selection is per browser session, as for a reader opening the page.
    page = browser_page.context.new_page()
    try:
        page.goto(f"{server}/{PAGES['stalls']}")
        _settle(page)
        page.wait_for_selector(".js-plotly-plot .main-svg", timeout=60_000)
        page.wait_for_timeout(3000)  # as a reader would: the charts finish drawing first
        charts = page.locator(".js-plotly-plot")
        pareto, heatmap = charts.nth(0), charts.nth(1)
        behind = page.get_by_text("initiatives behind your selection")

        _click_centre(page, pareto.locator(".bars path").first)
        behind.first.wait_for(timeout=30_000)
        assert behind.count() == 1

        # The heatmap's first cell: the business unit with the most stalls, first cause.
        _click_centre(page, heatmap.locator(".scatterlayer .point").first)
        page.wait_for_function(
            "() => [...document.querySelectorAll('p')].filter(p => p.innerText.includes("
            "'initiatives behind your selection')).length >= 2", timeout=30_000,
        )
        _assert_no_error(page, "stalls (after clicks)")
    finally:
        page.close()


def test_a_page_downloads_its_slides(server: str, browser_page, tmp_path: Path) -> None:
    from pptx import Presentation

    page = browser_page.context.new_page()
    try:
        page.goto(f"{server}/{PAGES['time_to_production']}")
        _settle(page)
        with page.expect_download(timeout=120_000) as download:
            page.get_by_role("button", name="Slides for this page").click()
        saved = tmp_path / download.value.suggested_filename
        download.value.save_as(saved)
    finally:
        page.close()
    assert saved.name == "slides-time-to-production-2026-11.pptx"
    deck = Presentation(str(saved))
    assert len(deck.slides) == 3            # title, headline figures, the curve
    texts = [s.text_frame.text for s in deck.slides[2].shapes if s.has_text_frame]
    assert any("of pilots reach production within 12 months" in t for t in texts)


# --- Text that fits: every chart's texts inside its box and clear of each other ------------------

CHART_PAGES = ("overview", "funnel", "time_to_production", "stalls", "value", "decisions")
#: Window widths: a laptop, a common desktop, a full-HD screen. The sidebar is open.
WIDTHS = (1280, 1440, 1920)


def _page_defects(chromium, url: str, shot: str, *, charts_expected: bool = True) -> list[str]:
    """Open the page once and measure its charts at each window width (Plotly redraws each chart
    at its new width, as for a reader resizing the window). A page may show no chart at all only
    when `charts_expected` is False (one initiative: nothing stalled, so no stall charts)."""
    from tests.chart_geometry import MEASURE_JS, defects

    context = chromium.new_context(viewport={"width": WIDTHS[0], "height": 4000}, device_scale_factor=1)
    found = []
    try:
        page = context.new_page()
        page.goto(url)
        _settle(page)
        if page.locator('[data-testid="stPlotlyChart"]').count() or charts_expected:
            page.wait_for_selector(".js-plotly-plot .main-svg", timeout=60_000)
        page.wait_for_timeout(1500)
        _assert_no_error(page, shot)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 4000})
            page.wait_for_timeout(1500)
            page.screenshot(path=str(ARTIFACTS / f"{shot}-{width}.png"), full_page=True)
            charts = page.evaluate(MEASURE_JS)
            assert charts or not charts_expected, f"{shot}: no chart drawn at {width} px"
            narrow = [c for c in charts if c["box"]["right"] - c["box"]["left"] < NARROWEST_WIDTH]
            found += [f"{width} px: chart {c['title'][:50]!r} drawn narrower than its picture"
                      for c in narrow]
            found += [f"{width} px: {d}" for chart in charts for d in defects(chart)]
    finally:
        context.close()
    return found


@pytest.mark.parametrize("name", CHART_PAGES)
def test_chart_texts_fit_on_the_sample(server: str, chromium, name: str) -> None:
    found = _page_defects(chromium, f"{server}/{PAGES[name]}", name)
    assert not found, "\n".join(found)


@pytest.mark.parametrize("name", CHART_PAGES)
def test_chart_texts_fit_with_long_names_and_many_units(long_names_server: str, chromium,
                                                        name: str) -> None:
    found = _page_defects(chromium, f"{long_names_server}/{PAGES[name]}", f"long-{name}")
    assert not found, "\n".join(found)


@pytest.mark.parametrize("name", CHART_PAGES)
def test_chart_texts_fit_with_one_initiative(one_initiative_server: str, chromium, name: str) -> None:
    found = _page_defects(chromium, f"{one_initiative_server}/{PAGES[name]}", f"one-{name}",
                          charts_expected=False)
    assert not found, "\n".join(found)


def _pack_figures(db: Path) -> dict[str, object]:
    """Every catalog chart's figure for the database's latest month, unfiltered."""
    from analytics import store
    from analytics.boardpack import PackData, pack_data
    from analytics.charts import catalog
    from analytics.metrics import initiative_history, load_rows
    from analytics.provenance import ChartContext

    with store.connect(db, read_only=True) as con:
        as_of = store.list_snapshots(con)[-1].as_of
        rows = load_rows(con, as_of)
    data = pack_data(rows, as_of)
    stalled = data.report.stalls.stalled
    # A stalled initiative's timeline (its hold months, its causes), else the first one's.
    chosen = stalled.iloc[0] if not stalled.empty else rows.iloc[0]

    class WithInitiative(PackData):
        def initiative(self):
            return initiative_history(rows, str(chosen["initiative_id"])), str(chosen["name"])

    source = WithInitiative(data.report, data.previous, data.trend, data.by_business_unit,
                            data.by_solution_type)
    ctx = ChartContext(as_of=as_of, source=f"portfolio-{as_of:%Y-%m}.xlsx", is_sample=True)
    return {c.key: c.figure(source, ctx) for c in catalog.CATALOG}


@pytest.fixture(scope="module")
def bench(chromium):
    from tests.chart_geometry import FigureBench

    context = chromium.new_context()
    try:
        yield FigureBench(context.new_page())
    finally:
        context.close()


@pytest.mark.parametrize("portfolio", ["sample", "long names", "one initiative"])
def test_chart_texts_fit_in_the_png_and_on_the_slide(sample_db_master: Path, long_names_db: Path,
                                                     one_initiative_db: Path, bench, portfolio: str) -> None:
    from analytics.boardpack.deck import picture_figure
    from analytics.boardpack.render import DECK_LAYOUT
    from analytics.charts.theme import SLIDE_LAYOUT_HEIGHT, SLIDE_LAYOUT_WIDTH
    from tests.chart_geometry import defects

    db = {"sample": sample_db_master, "long names": long_names_db, "one initiative": one_initiative_db}
    figures = _pack_figures(db[portfolio])
    found = []
    for key, fig in figures.items():
        png = bench.measure(fig, SLIDE_LAYOUT_WIDTH, SLIDE_LAYOUT_HEIGHT)
        slide = bench.measure(picture_figure(fig), *DECK_LAYOUT)
        found += [f"PNG {key}: {d}" for d in defects(png)] + [f"slide {key}: {d}" for d in defects(slide)]
    assert not found, "\n".join(found)


def test_the_measurement_catches_a_title_too_long_for_its_chart(sample_db_master: Path, bench) -> None:
    from tests.chart_geometry import defects

    fig = _pack_figures(sample_db_master)["funnel"]
    fig.update_layout(title_text="<b>" + "A finding stated at far greater length than any chart can hold " * 2 + "</b>")
    found = defects(bench.measure(fig, 800, 450))
    assert any("runs outside the chart" in d for d in found), found
