"""The one place colours and fonts are decided, for the dashboard and the board deck alike.

Palette: Okabe-Ito (colour-blind safe). Each cause and each stage always has the same colour.
Sizes are chosen for a chart pasted at half a 16:9 slide: 1600x900 px exported at scale 3 keeps
16 px body text legible when the picture shrinks to 6 inches wide.
"""
from __future__ import annotations

import plotly.graph_objects as go
import plotly.io as pio

from analytics import formatting
from analytics.charts.textfit import text_width, wrap_to_width
from analytics.domain import UNATTRIBUTED, Cause, Stage
from analytics.provenance import ChartContext
from analytics.text import escape_plotly

TEMPLATE_NAME = "board"

#: Arial where the viewer has it (Windows, macOS, PowerPoint); Liberation Sans is metric-
#: compatible and ships with Debian's Chromium, which renders the static images.
FONT_FAMILY = "Arial, 'Liberation Sans', Helvetica, sans-serif"

INK = "#1F2933"          # titles and body text
MUTED = "#616E7C"        # footers, axis titles, annotations
GRID = "#E4E7EB"
BACKGROUND = "#FFFFFF"
REFERENCE = "#3E4C59"    # industry reference lines/markers
HIGHLIGHT = "#0072B2"    # the single emphasised series
IMMATURE = "#BCCCDC"     # cohorts too young to judge
CLICK_TARGET = "rgba(0,0,0,0)"  # invisible markers that make non-selectable traces clickable
IMMATURE_EDGE = "#829AB1"  # hatching and outline of immature cohorts
IMMATURE_PATTERN = "/"
CONTEXT = "#9FB3C8"      # bars that give context beside the emphasised one
ON_HOLD = "#E69F00"      # on-hold months on an initiative's timeline
EXPECTED = "#9FB3C8"     # expected value (the promise)
REALIZED = "#009E73"     # realized value (same green as production)
STALLED = "#D55E00"      # budget stuck in stalled initiatives
WASTED = "#7B8794"       # spend on stopped initiatives (same grey as stopped)

OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")

CAUSE_COLORS: dict[str, str] = {
    Cause.OWNERSHIP: "#D55E00",
    Cause.DATA_READINESS: "#0072B2",
    Cause.GENERIC_TOOLS: "#E69F00",
    Cause.INTEGRATION: "#009E73",
    Cause.SUCCESS_METRICS: "#CC79A7",
    UNATTRIBUTED: "#9AA5B1",
}
STAGE_COLORS: dict[str, str] = {
    Stage.IDEA: "#BCCCDC",
    Stage.PILOT: "#56B4E9",
    Stage.SCALING: "#0072B2",
    Stage.PRODUCTION: "#009E73",
    Stage.STOPPED: "#7B8794",
}
#: Sequential scale for heatmaps (white to the highlight blue): counts, not categories.
SEQUENTIAL = ((0.0, "#F5F7FA"), (0.35, "#9FC5E8"), (1.0, "#0B4F8A"))

FONT_SIZE = 16
TITLE_SIZE = 22
NOTE_SIZE = 14           # annotations inside the plot (reference markers, numbers at risk)
FOOTER_SIZE = 12

_TITLE_BASELINE = 38     # px from the top edge to the first title line's baseline
_LINE = 29               # px per title/subtitle line (Plotly spaces lines by the title font)
_LEGEND = 34             # px the horizontal legend above the plot takes
_FOOTER_SEPARATOR = "  ·  "
_FOOTER_GAP = 58         # px from the plot area's bottom edge to the footer (default)
#: The footer annotation's name, so tests and exports can find it.
FOOTER_NAME = "footer"

#: Export geometry: a 16:9 picture that fills half a slide when pasted at 6.5 in.
EXPORT_WIDTH = 1600
EXPORT_HEIGHT = 900
EXPORT_SCALE = 3
#: What the modebar download lays a chart out at: pasted at half a slide (6.5 in) its 16 px body
#: text reads as ~9 pt, where a 1600 px layout would shrink it to ~5 pt. Scale 3: 2400x1350 px.
SLIDE_LAYOUT_WIDTH = EXPORT_WIDTH // 2
SLIDE_LAYOUT_HEIGHT = EXPORT_HEIGHT // 2

#: The narrowest width a chart is drawn at: the 800x450 layout of the modebar PNG, the half-slide
#: PNG and a slide's picture. The dashboard draws every chart at the page's full width and never
#: narrower than this (dashboard/components.py), the ZIP at 1600. Plotly cannot wrap a title to
#: the width it ends up drawn at, so titles and subtitles are wrapped, by the font's metrics
#: (analytics/charts/textfit.py), to fit this width; wider drawings show the same lines.
NARROWEST_WIDTH = SLIDE_LAYOUT_WIDTH
_TITLE_PAD = 24          # px from the figure's left edge to the title (and kept free on the right)
#: px a title or subtitle line may take.
TITLE_WIDTH = NARROWEST_WIDTH - 2 * _TITLE_PAD
#: px a footer line may take. The footer starts at the plot area's left edge, which long
#: category labels push right (24 characters at 16 px, about 230 px; common.short_label), so it
#: keeps that room besides the right margin.
FOOTER_WIDTH = NARROWEST_WIDTH - 230 - 40

# The board deck (analytics.boardpack) draws with the same colours above; PowerPoint takes one
# font name, not a CSS stack, and sizes in points.
DECK_FONT = "Arial"      # the first family of FONT_FAMILY; LibreOffice substitutes Liberation Sans
DECK_TITLE_PT = 26       # the finding, at most two lines across the slide
DECK_SUBTITLE_PT = 15
DECK_BODY_PT = 16        # tables and native chart labels
DECK_FOOTER_PT = 11
BETTER = "#009E73"       # a change in the good direction (same green as production)
WORSE = "#D55E00"        # a change in the bad direction (same vermilion as stalled budget)
SAMPLE_BANNER = "#E69F00"  # the "SAMPLE DATA" flag on the title slide
TABLE_HEADER = GRID      # header row of a deck table
TABLE_BAND = "#F5F7FA"   # every other body row of a deck table

_MARGIN = dict(l=70, r=40, t=100, b=95)


def _template() -> go.layout.Template:
    return go.layout.Template(
        layout=go.Layout(
            font=dict(family=FONT_FAMILY, size=FONT_SIZE, color=INK),
            title=dict(
                font=dict(family=FONT_FAMILY, size=TITLE_SIZE, color=INK),
                x=0.0, xanchor="left", xref="paper", y=0.97, yanchor="top", pad=dict(l=0),
            ),
            paper_bgcolor=BACKGROUND,
            plot_bgcolor=BACKGROUND,
            colorway=list(OKABE_ITO),
            margin=_MARGIN,
            xaxis=dict(
                showgrid=False, linecolor=MUTED, ticks="outside", tickcolor=MUTED,
                title=dict(font=dict(color=MUTED)), automargin=True, zeroline=False,
            ),
            yaxis=dict(
                gridcolor=GRID, zeroline=False, linecolor=GRID,
                title=dict(font=dict(color=MUTED)), automargin=True,
            ),
            legend=dict(
                orientation="h", yanchor="bottom", y=1.0, xanchor="left", x=0.0,
                font=dict(size=FONT_SIZE - 1), bgcolor="rgba(0,0,0,0)", title=dict(text=""),
            ),
            hoverlabel=dict(font=dict(family=FONT_FAMILY, size=FONT_SIZE - 2)),
            bargap=0.25,
            separators=".,",
            coloraxis=dict(colorscale=[list(s) for s in SEQUENTIAL]),
        ),
        data=dict(
            bar=[go.Bar(textfont=dict(size=FONT_SIZE), cliponaxis=False, marker_line_width=0)],
            scatter=[go.Scatter(line=dict(width=3))],
            heatmap=[go.Heatmap(colorscale=[list(s) for s in SEQUENTIAL], xgap=2, ygap=2)],
        ),
    )


def register() -> str:
    """Register the template (idempotent) and return its name."""
    if TEMPLATE_NAME not in pio.templates:
        pio.templates[TEMPLATE_NAME] = _template()
    return TEMPLATE_NAME


def wrap(text: str, width: float, size: float = FONT_SIZE, *, bold: bool = False) -> list[str]:
    """`text` in lines no wider than `width` px at `size` px (textfit.wrap_to_width)."""
    return wrap_to_width(text, width, size, bold=bold)


def finish(
    fig: go.Figure, ctx: ChartContext, title: str, subtitle: str = "", *,
    footer_gap: int = _FOOTER_GAP, note: str = "",
) -> go.Figure:
    """Apply the template, the finding as title, an optional subtitle and the footer.

    Title and subtitle wrap to the narrowest drawing (NARROWEST_WIDTH); the top margin grows with
    them (and with the legend, when the figure shows one) so nothing overlaps. `footer_gap`
    is the room, in px, between the plot area and the footer: enough for what a chart draws
    under its x axis (tick labels, axis title, numbers at risk). `note`, a caveat about the
    data, opens the footer: it stays with the picture wherever the title and subtitle go (a
    slide sets those as its own text).
    """
    register()
    title_lines = wrap(title, TITLE_WIDTH, TITLE_SIZE, bold=True)
    subtitle_lines = wrap(subtitle, TITLE_WIDTH, FONT_SIZE) if subtitle else []
    text = "<br>".join(f"<b>{line}</b>" for line in title_lines)
    if subtitle_lines:
        text += "<br>" + "<br>".join(
            f"<span style='font-size:{FONT_SIZE}px;color:{MUTED}'>{line}</span>"
            for line in subtitle_lines
        )
    top = _TITLE_BASELINE + _LINE * (len(title_lines) + len(subtitle_lines) - 1) + 26
    if _shows_legend(fig):
        top += _LEGEND
    footer = ctx.footer()
    footer_lines = (wrap(note, FOOTER_WIDTH, FOOTER_SIZE) if note else []) + _footer_lines(footer)
    fig.update_layout(
        template=TEMPLATE_NAME,
        title=dict(
            text=text, xref="container", x=0.0, xanchor="left", yref="container", y=1.0,
            yanchor="top", pad=dict(t=_TITLE_BASELINE, l=_TITLE_PAD),
        ),
        margin=dict(t=top, b=footer_gap + 16 * len(footer_lines) + 14),
    )
    fig.add_annotation(
        # The footer names the filters, which come from the URL (?bu=) and the workbook.
        text="<br>".join(escape_plotly(line) for line in footer_lines), xref="paper", yref="paper",
        x=0.0, y=0.0, xanchor="left",
        yanchor="top", yshift=-footer_gap, showarrow=False, align="left",
        font=dict(size=FOOTER_SIZE, color=MUTED), name=FOOTER_NAME,
    )
    return fig


def _footer_lines(footer: str) -> list[str]:
    """The footer's parts (month, filters, source) packed into lines that fit FOOTER_WIDTH; a
    part breaks inside only when it alone is too wide."""
    lines: list[str] = []
    for part in footer.split(_FOOTER_SEPARATOR):
        if lines and text_width(lines[-1] + _FOOTER_SEPARATOR + part, FOOTER_SIZE) <= FOOTER_WIDTH:
            lines[-1] += _FOOTER_SEPARATOR + part
        elif text_width(part, FOOTER_SIZE) <= FOOTER_WIDTH:
            lines.append(part)
        else:
            lines.extend(wrap(part, FOOTER_WIDTH, FOOTER_SIZE))
    return lines


def _shows_legend(fig: go.Figure) -> bool:
    if fig.layout.showlegend is not None:
        return bool(fig.layout.showlegend)
    return sum(1 for t in fig.data if t.showlegend is not False) > 1


def download_config(ctx: ChartContext, chart: str) -> dict[str, object]:
    """Plotly config for st.plotly_chart: the modebar PNG at scale 3 with a meaningful name."""
    return {
        "displaylogo": False,
        "modeBarButtonsToRemove": ["lasso2d", "autoScale2d"],
        "toImageButtonOptions": {
            "format": "png",
            "filename": ctx.file_stem(chart),
            "width": SLIDE_LAYOUT_WIDTH,
            "height": SLIDE_LAYOUT_HEIGHT,
            "scale": EXPORT_SCALE,
        },
    }


format_money = formatting.money
currency_prefix = formatting.currency_prefix
format_pct = formatting.percent
