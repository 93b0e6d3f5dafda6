"""Board-deck PNGs: the export geometry, and a plain-words error when Chromium is missing."""
from __future__ import annotations

import struct
from datetime import date
from pathlib import Path
from types import MappingProxyType

import pytest

from analytics import charts
from analytics.charts.images import INSTALL_HINT, ChromiumMissing, figure_png, png_file_name
from analytics.charts.theme import EXPORT_HEIGHT, EXPORT_WIDTH
from analytics.domain import ALL_STAGES, Stage
from analytics.metrics.types import FunnelResult
from analytics.problems import PortfolioError
from analytics.provenance import ChartContext
from tests.support.environment import require_chromium

CTX = ChartContext(as_of=date(2025, 6, 1))


def funnel_figure():
    counts = {s: 0 for s in ALL_STAGES} | {Stage.PILOT: 30, Stage.SCALING: 8, Stage.PRODUCTION: 4}
    result = FunnelResult(population=42, on_hold=2, stage_counts=MappingProxyType(counts),
                          reached_pilot=42, reached_scaling=12, reached_production=4,
                          pilot_to_scaling=12 / 42, scaling_to_production=4 / 12, pilot_to_production=4 / 42)
    return charts.funnel_chart(result, CTX)


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


@pytest.mark.browser
@pytest.mark.slow
def test_a_chart_exports_as_a_16_by_9_png_at_three_times_the_pixels():
    require_chromium()
    data = figure_png(funnel_figure(), CTX)
    assert png_size(data) == (EXPORT_WIDTH * 3, EXPORT_HEIGHT * 3)
    assert png_size(figure_png(funnel_figure(), "funnel", scale=1)) == (EXPORT_WIDTH, EXPORT_HEIGHT)
    # Half-slide layout: half the layout size at twice the scale, so the same pixels.
    assert png_size(figure_png(funnel_figure(), CTX, half_slide=True)) == (EXPORT_WIDTH * 3, EXPORT_HEIGHT * 3)


def test_without_chromium_the_export_says_what_to_install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    # $BROWSER_PATH overrides every other place Kaleido looks; point it at nothing.
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "no-chromium-here"))
    with pytest.raises(ChromiumMissing) as raised:
        figure_png(funnel_figure(), CTX)
    assert isinstance(raised.value, PortfolioError)
    assert INSTALL_HINT in str(raised.value) and "chart-2025-06" in str(raised.value)


def test_png_file_name_matches_the_dashboard_download():
    assert png_file_name(CTX, "funnel") == "funnel-2025-06.png"
