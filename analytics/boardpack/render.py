"""Several charts as PNGs in one Chromium session.

`figure_png` starts a browser per picture (about 4 s each here); a deck needs eight, so they
share one Kaleido session: the browser starts once and each further picture costs about a
second. Same checks and messages as `figure_png`: no Chromium is ChromiumMissing, raised
before anything starts; a chart that fails to render is reported for that chart only.
"""
from __future__ import annotations

import asyncio
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import plotly.graph_objects as go

from analytics.charts import images
from analytics.charts.images import INSTALL_HINT, ChartExportFailed, ChromiumMissing
from analytics.charts.theme import EXPORT_HEIGHT, EXPORT_SCALE, EXPORT_WIDTH

#: Layout size of a deck picture, in px: half the export geometry, rendered at twice the scale,
#: so the picture keeps its 4800x2700 pixels while text and marks come out twice as large
#: relative to it (a 16 px label reads as about 13 pt on a 9-inch-wide picture).
DECK_LAYOUT = (EXPORT_WIDTH // 2, EXPORT_HEIGHT // 2)
DECK_SCALE = EXPORT_SCALE * 2


@dataclass(frozen=True, slots=True)
class Picture:
    """One chart's render: the PNG, or why there is none (the words for the slide)."""

    png: bytes | None
    problem: str | None = None


def chromium_missing(names: list[str]) -> ChromiumMissing:
    charts = f"the chart '{names[0]}'" if len(names) == 1 else f"the {len(names)} charts"
    return ChromiumMissing(
        f"Cannot draw {charts} as pictures: Chromium is not installed (Kaleido renders charts "
        f"in it). Install it with `{INSTALL_HINT}` (Debian/Ubuntu), or set BROWSER_PATH to an "
        f"installed Chrome/Chromium, then try again."
    )


def render_pngs(
    figures: Mapping[str, go.Figure], *, layout: tuple[int, int] = (EXPORT_WIDTH, EXPORT_HEIGHT),
    scale: float = EXPORT_SCALE,
) -> dict[str, Picture]:
    """Each figure (by name) as a PNG of `layout` px times `scale`, in one browser session.

    Raises ChromiumMissing when there is no browser; a chart that fails on its own gets a
    Picture with the problem instead of a PNG.
    """
    if not figures:
        return {}
    browser = images.find_chromium()
    if browser is None:
        raise chromium_missing(list(figures))
    width, height = layout
    opts = dict(format="png", width=width, height=height, scale=scale)
    specs = {name: fig.to_dict() for name, fig in figures.items()}
    # asyncio.run needs a thread with no running loop (Streamlit and notebooks may have one).
    with ThreadPoolExecutor(max_workers=1) as pool:
        try:
            results = pool.submit(asyncio.run, _render_all(specs, opts, browser)).result()
        except Exception as exc:  # the browser itself failed to start or died
            raise ChartExportFailed(
                f"Could not start Chromium ({browser}) to draw the charts: {exc}. Check that it "
                f"starts (`chromium --headless --version`); reinstall it with `{INSTALL_HINT}` if not."
            ) from exc
    return results


async def _render_all(specs: dict[str, dict], opts: dict, browser: str) -> dict[str, Picture]:
    import kaleido

    pictures: dict[str, Picture] = {}
    # One tab: the machine this serves has two cores, and parallel tabs measured slower.
    async with kaleido.Kaleido(n=1, path=browser, mathjax=False) as renderer:
        for name, spec in specs.items():
            try:
                pictures[name] = Picture(await renderer.calc_fig(spec, opts=opts))
            except Exception as exc:  # Kaleido surfaces render failures as many types
                pictures[name] = Picture(None, f"Could not draw the chart '{name}': {exc}")
    return pictures
