"""Where a Plotly chart's texts land when Chromium draws them: each visible SVG text's box
(getBoundingClientRect) against its chart's box and against the chart's other texts.

Used by the browser test on the dashboard's pages (every chart at 1280 and 1440 px) and on the
figures at their picture size (the 800x450 layout of the PNG download and of a slide).
"""
from __future__ import annotations

from dataclasses import dataclass

import plotly.graph_objects as go
import plotly.io as pio

#: Two texts collide when they share more than this part of the smaller one's area.
OVERLAP_LIMIT = 1 / 3
#: px of anti-aliasing a glyph may spill over an edge.
EDGE_SLACK = 1.5

#: Every visible text of every Plotly chart in the page, with the chart's box. Hover labels and
#: empty texts are skipped; a text counts as visible when no ancestor hides it.
MEASURE_JS = """
() => [...document.querySelectorAll('.js-plotly-plot')].map((plot, index) => {
  const frame = plot.querySelector('.svg-container') || plot;
  const box = frame.getBoundingClientRect();
  const texts = [];
  for (const t of plot.querySelectorAll('svg text')) {
    if (!t.textContent.trim() || t.closest('.hoverlayer')) continue;
    let hidden = false;
    for (let el = t; el && el !== plot; el = el.parentElement) {
      const cs = getComputedStyle(el);
      if (cs.display === 'none' || cs.visibility === 'hidden' || parseFloat(cs.opacity) === 0) {
        hidden = true; break;
      }
    }
    if (hidden) continue;
    const r = t.getBoundingClientRect();
    if (r.width < 1 || r.height < 1) continue;
    texts.push({text: t.textContent, left: r.left, top: r.top, right: r.right, bottom: r.bottom});
  }
  const title = plot.querySelector('.gtitle');
  return {index, title: title ? title.textContent : '',
          box: {left: box.left, top: box.top, right: box.right, bottom: box.bottom}, texts};
})
"""


@dataclass(frozen=True, slots=True)
class Box:
    text: str
    left: float
    top: float
    right: float
    bottom: float

    @property
    def area(self) -> float:
        return max(0.0, self.right - self.left) * max(0.0, self.bottom - self.top)

    def shared(self, other: Box) -> float:
        width = min(self.right, other.right) - max(self.left, other.left)
        height = min(self.bottom, other.bottom) - max(self.top, other.top)
        return max(0.0, width) * max(0.0, height)


def defects(chart: dict) -> list[str]:
    """What is wrong with one measured chart, in words: texts outside its box, texts that
    overlap by more than a third of the smaller one."""
    frame = Box("chart", **chart["box"])
    texts = [Box(**t) for t in chart["texts"]]
    name = chart["title"][:60] or f"chart {chart['index']}"
    found = []
    for t in texts:
        if (t.left < frame.left - EDGE_SLACK or t.right > frame.right + EDGE_SLACK
                or t.top < frame.top - EDGE_SLACK or t.bottom > frame.bottom + EDGE_SLACK):
            found.append(
                f"{name!r}: {t.text[:50]!r} runs outside the chart "
                f"(text {t.left:.0f}..{t.right:.0f} x {t.top:.0f}..{t.bottom:.0f}, chart "
                f"{frame.left:.0f}..{frame.right:.0f} x {frame.top:.0f}..{frame.bottom:.0f})"
            )
    for i, a in enumerate(texts):
        for b in texts[i + 1:]:
            smaller = min(a.area, b.area)
            if smaller and a.shared(b) > OVERLAP_LIMIT * smaller:
                found.append(f"{name!r}: {a.text[:40]!r} overlaps {b.text[:40]!r}")
    return found


def _plotly_js() -> str:
    from pathlib import Path

    import plotly

    return (Path(plotly.__file__).parent / "package_data" / "plotly.min.js").read_text()


class FigureBench:
    """A blank Chromium page with plotly.js loaded once, drawing figures at a fixed layout size
    (what Kaleido does for the PNG) and measuring them."""

    def __init__(self, page) -> None:
        self.page = page
        page.set_viewport_size({"width": 1700, "height": 1000})
        page.set_content("<html><body style='margin:0'><div id='chart'></div></body></html>")
        page.add_script_tag(content=_plotly_js())

    def measure(self, fig: go.Figure, width: int, height: int) -> dict:
        spec = pio.to_json(fig)
        return self.page.evaluate(
            """async ([spec, width, height]) => {
                const fig = JSON.parse(spec);
                const div = document.getElementById('chart');
                Plotly.purge(div);
                fig.layout.width = width; fig.layout.height = height;
                await Plotly.newPlot(div, fig.data, fig.layout, {staticPlot: true});
                return null;
            }""",
            [spec, width, height],
        ) or self.page.evaluate(MEASURE_JS)[0]
