"""Each chart page's "Slides for this page" (and the Overview's board pack) downloaded under a
business unit and under a solution filter, as a reader would click it: the deck comes out,
holds the page's charts that apply, and its title slide names those left out."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
from pptx import Presentation
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest, app_test

from analytics.charts import catalog
from tests.conftest import ROOT

APP = str(ROOT / "app.py")

#: page script -> (its download button's key, the charts it puts on slides, in catalog order)
PAGES = {
    "pages/funnel.py": ("slides-funnel-and-cohorts", (
        catalog.FUNNEL, catalog.CONVERSION_TREND, catalog.COHORTS, catalog.CONVERSION_BY_BUSINESS_UNIT)),
    "pages/time_to_production.py": ("slides-time-to-production", (catalog.TIME_TO_PRODUCTION,)),
    "pages/stalls.py": ("slides-stalls-and-causes", (catalog.STALL_CAUSES, catalog.BUSINESS_UNIT_BY_CAUSE)),
    "pages/value.py": ("slides-value", (catalog.VALUE, catalog.STALLED_BUDGET)),
    "pages/overview.py": ("board-pack", catalog.PACK),
}
FILTERS = {"business unit": {"bu": "Operations"}, "solution": {"solution": "Custom"},
           "both": {"bu": "Operations", "solution": "Custom"}}


@pytest.fixture(autouse=True)
def _fresh_caches() -> None:
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> list[MediaFileManager]:
    """The media file managers AppTest creates per run: they hold the deferred downloads."""
    managers: list[MediaFileManager] = []

    class Recording(MediaFileManager):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            managers.append(self)

    monkeypatch.setattr(app_test, "MediaFileManager", Recording)
    return managers


@pytest.fixture
def no_chromium(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # Pictures are not what is tested here, and drawing them takes seconds per chart.
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "no-chromium-here"))


def click_download(at: AppTest, managers: list[MediaFileManager], key: str) -> bytes:
    """What the browser receives when the reader clicks the download button `key`."""
    button = at.download_button(key=key)
    manager = managers[-1]
    url = manager.execute_deferred(button.proto.deferred_file_id)
    return manager._storage.get_file(url.rsplit("/", 1)[-1]).content


@pytest.mark.parametrize("filters", list(FILTERS))
@pytest.mark.parametrize("page", list(PAGES))
def test_a_page_downloads_its_slides_under_filters(sample_db: Path, downloads, no_chromium,
                                                   page: str, filters: str) -> None:
    key, charts = PAGES[page]
    at = AppTest.from_file(APP, default_timeout=120).switch_page(page)
    for name, value in FILTERS[filters].items():
        at.query_params[name] = value
    at.session_state["overview-pack-open"] = True   # the Overview's board pack opens on a click
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    deck = Presentation(io.BytesIO(click_download(at, downloads, key)))

    kept = [c for c in charts if not c.whole_portfolio]
    # The whole board pack (the Overview's) ends with the evidence and the decisions needed.
    closing = 2 if charts is catalog.PACK else 0
    assert len(deck.slides) == 2 + len(kept) + closing
    shapes = [s.name for slide in list(deck.slides)[2:] for s in slide.shapes]
    for chart in kept:
        assert any(name.endswith(chart.key) for name in shapes), chart.key
    cover = " ".join(s.text_frame.text for s in deck.slides[0].shapes if s.has_text_frame)
    assert "Filters: none" not in cover
    for chart in charts:
        if chart.whole_portfolio:
            assert "Left out under these filters" in cover and chart.label in cover
