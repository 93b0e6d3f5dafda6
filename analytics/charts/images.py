"""High-resolution PNGs of the charts for board decks (Kaleido driving headless Chromium).

Kaleido 1.x renders in a Chromium it finds on the machine (Debian's /usr/bin/chromium here;
$BROWSER_PATH overrides). Without one it fails deep inside its browser driver, so the check
happens first and says what to install.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import plotly.graph_objects as go
import plotly.io as pio

from analytics.charts.theme import (
    EXPORT_HEIGHT,
    EXPORT_SCALE,
    EXPORT_WIDTH,
)
from analytics.problems import PortfolioError
from analytics.provenance import ChartContext

INSTALL_HINT = "apt-get install -y chromium"
_BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


class ChromiumMissing(PortfolioError):
    """No Chromium to render static images with."""


class ChartExportFailed(PortfolioError):
    """Chromium was found but could not render the chart."""


def find_chromium() -> str | None:
    """The browser Kaleido would use (same search: $BROWSER_PATH, PATH, usual install
    places, Kaleido's own download), or None when there is none."""
    try:
        from choreographer.browsers import Chromium

        found = Chromium.find_browser(skip_local=False)
    except Exception:  # the driver's search is best effort; fall back to PATH
        found = next((p for p in map(shutil.which, _BROWSER_NAMES) if p), None)
    return found if found and Path(found).is_file() else None


def _label(ctx_or_name: ChartContext | str) -> str:
    return ctx_or_name.file_stem("chart") if isinstance(ctx_or_name, ChartContext) else str(ctx_or_name)


def png_file_name(ctx: ChartContext, chart: str) -> str:
    """'funnel-2025-06.png': the name the dashboard's modebar download uses too."""
    return f"{ctx.file_stem(chart)}.png"


def figure_png(
    fig: go.Figure, ctx_or_name: ChartContext | str, scale: float = EXPORT_SCALE, *,
    half_slide: bool = False,
) -> bytes:
    """The figure as a PNG at the export geometry (1600x900 layout, `scale` times the pixels).

    `half_slide=True` lays the chart out at half that size (800x450) and renders it at twice
    the scale: the same number of pixels, with text twice as large relative to the picture, for
    a chart pasted at half a slide's width. `ctx_or_name` names the chart in error messages.
    Raises ChromiumMissing when no Chromium is installed and ChartExportFailed when the render
    fails.
    """
    label = _label(ctx_or_name)
    if find_chromium() is None:
        raise ChromiumMissing(
            f"Cannot export the chart '{label}' as a picture: Chromium is not installed (Kaleido "
            f"renders charts in it). Install it with `{INSTALL_HINT}` (Debian/Ubuntu), or set "
            f"BROWSER_PATH to an installed Chrome/Chromium, then try again."
        )
    try:
        if half_slide:
            return pio.to_image(fig, format="png", width=EXPORT_WIDTH // 2, height=EXPORT_HEIGHT // 2,
                                scale=scale * 2)
        return pio.to_image(fig, format="png", width=EXPORT_WIDTH, height=EXPORT_HEIGHT, scale=scale)
    except Exception as exc:  # Kaleido/Chromium failures surface as many exception types
        raise ChartExportFailed(
            f"Could not render the chart '{label}' as a picture: {exc}. Check that Chromium "
            f"starts (`chromium --headless --version`); reinstall it with `{INSTALL_HINT}` if not."
        ) from exc
