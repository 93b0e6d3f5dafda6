"""The dashboard in a real browser: `streamlit run` on a copy of the sample, driven by Playwright
in Debian's Chromium. Loads a workbook on the Data page, visits every page, asserts no error box,
and saves a screenshot of each under tests/artifacts/ (kept by CI for people to look at).
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from dashboard.registry import PAGES as REGISTRY
from tests.support.environment import CHROMIUM, ROOT, require_chromium

pytestmark = pytest.mark.browser

ARTIFACTS = ROOT / "tests" / "artifacts"
PAGES = {p.name: p.url_path for p in REGISTRY}
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
]
ERROR_SELECTORS = '[data-testid="stException"], [data-testid="stAlertContentError"]'


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(sample_db_master: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    require_chromium()
    db = tmp_path_factory.mktemp("browser") / "portfolio.duckdb"
    shutil.copyfile(sample_db_master, db)
    port = _free_port()
    env = {**os.environ, "PORTFOLIO_DB": str(db)}
    # Open for the server's whole life; closed in the finally below.
    log = open(tmp_path_factory.mktemp("logs") / "streamlit.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
         "--server.headless", "true", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                log.flush()
                raise RuntimeError(f"streamlit did not start: {Path(log.name).read_text()[-2000:]}")
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="module")
def browser_page(server: str):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        # Tall viewport: Streamlit scrolls an inner container, so a full-page screenshot
        # only shows what fits in the viewport.
        context = browser.new_context(viewport={"width": 1600, "height": 3600}, device_scale_factor=1)
        page = context.new_page()
        # A server process's first script run is routed by file (see README, "Choices worth
        # knowing"); a warm-up visit takes it, so every test sees the app as users do after.
        page.goto(server)
        _settle(page)
        try:
            yield page
        finally:
            context.close()
            browser.close()


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
