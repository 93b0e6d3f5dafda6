"""The board pack as a 16:9 PowerPoint deck: title, headline figures, one slide per chart.

Every chart slide states its finding as the slide title, shows the chart (a high-resolution
picture, or an editable native chart when asked and PowerPoint has the type), carries the
as-of month, filters and source in its footer, and holds the numbers behind the chart in its
speaker notes. Pictures are drawn without their Plotly title, so the finding is stated once.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from typing import TYPE_CHECKING

import plotly.graph_objects as go
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE
from pptx.enum.text import MSO_ANCHOR, MSO_AUTO_SIZE, PP_ALIGN
from pptx.presentation import Presentation as PresentationType
from pptx.shapes.autoshape import Shape
from pptx.shapes.base import BaseShape
from pptx.slide import Slide
from pptx.table import _Cell
from pptx.text.text import TextFrame
from pptx.util import Inches, Pt

from analytics.boardpack.content import ChartSlide, PackData, count, money, pct
from analytics.boardpack.decisions import add_decisions_table, decisions_slide, evidence_slide
from analytics.boardpack.native import add_native_chart, rgb
from analytics.boardpack.render import DECK_LAYOUT, DECK_SCALE, Picture, render_pngs
from analytics.charts.common import plural
from analytics.charts.images import INSTALL_HINT, ChartExportFailed, ChromiumMissing
from analytics.charts.theme import (
    BACKGROUND,
    BETTER,
    DECK_BODY_PT,
    DECK_FONT,
    DECK_FOOTER_PT,
    DECK_SUBTITLE_PT,
    DECK_TITLE_PT,
    GRID,
    HIGHLIGHT,
    INK,
    MUTED,
    SAMPLE_BANNER,
    TABLE_BAND,
    TABLE_HEADER,
    WORSE,
    wrap,
)
from analytics.kpis import CURRENCY_CHANGED, NO_CHANGE, Kpi, kpis
from analytics.provenance import ChartContext

if TYPE_CHECKING:  # the catalog imports this package; imported when used, not at load
    from analytics.charts.catalog import Chart

PORTFOLIO_NAME = "AI Pilot-to-Production"
DECK_TITLE = f"{PORTFOLIO_NAME} — Board pack"
#: What a picture slide says when there is no browser to draw the chart with.
CHROMIUM_NEEDED = f"Chromium is needed to draw this chart: {INSTALL_HINT}"
PPTX_MIME = "application/vnd.openxmlformats-officedocument.presentationml.presentation"

# Slide geometry, in inches (16:9).
SLIDE_WIDTH = 13.333
SLIDE_HEIGHT = 7.5
MARGIN = 0.55
TITLE_TOP = 0.3
TITLE_HEIGHT = 0.95
SUBTITLE_TOP = 1.22
SUBTITLE_HEIGHT = 0.52
CONTENT_TOP = 1.78
CONTENT_BOTTOM = 6.92
FOOTER_TOP = 7.0
FOOTER_HEIGHT = 0.32
#: Points a title / subtitle line may take across the slide (its text boxes have no inner
#: margins) less a fifth of an inch, for renderers' kerning; lines break by the font's metrics
#: (analytics/charts/textfit.py), balanced, so a finding never leaves one word alone.
TEXT_WIDTH_PT = (SLIDE_WIDTH - 2 * MARGIN - 0.2) * 72
#: px of top margin a picture keeps once its title is gone (and what a legend above the plot takes).
_PICTURE_TOP = 24
_PICTURE_LEGEND = 34

#: Shape names, so a reader of the file (or a test) can find the parts of a slide.
FOOTER_SHAPE = "Footer"
SUBTITLE_SHAPE = "Subtitle"
SAMPLE_SHAPE = "Sample data"
CHART_SHAPE_PREFIX = "Chart: "

_TITLE_ONLY_LAYOUT = 5   # in python-pptx's default template


@dataclass(frozen=True, slots=True)
class MissingPicture:
    chart: str      # the chart's file stem, e.g. "funnel"
    problem: str    # what the slide says instead of the picture


@dataclass(frozen=True, slots=True)
class Deck:
    """A built deck: the .pptx bytes, its slide count, and the charts that could not be drawn
    as pictures (and why), so a caller can say so."""

    content: bytes
    slides: int
    missing_pictures: tuple[MissingPicture, ...]


def deck_file_name(ctx: ChartContext) -> str:
    """'board-pack-2026-11.pptx'."""
    return f"{ctx.file_stem('board-pack')}.pptx"


def picture_figure(fig: go.Figure) -> go.Figure:
    """A copy of the chart for a slide: no Plotly title (the slide title states the finding),
    the top margin shrunk to what the legend needs; footer and everything else kept."""
    copy = go.Figure(fig)
    legend = copy.layout.showlegend
    if legend is None:
        legend = sum(1 for t in copy.data if t.showlegend is not False) > 1
    copy.update_layout(title_text="", margin_t=_PICTURE_TOP + (_PICTURE_LEGEND if legend else 0))
    return copy


def render_pictures(slides: tuple[ChartSlide, ...]) -> dict[str, Picture]:
    """The slides' charts as pictures; without Chromium (or when it fails to start) each one
    says why, so the rest of the deck still comes out."""
    figures = {s.name: picture_figure(s.figure) for s in slides}
    try:
        return render_pngs(figures, layout=DECK_LAYOUT, scale=DECK_SCALE)
    except ChromiumMissing:
        return {name: Picture(None, CHROMIUM_NEEDED) for name in figures}
    except ChartExportFailed as exc:
        return {name: Picture(None, str(exc)) for name in figures}


def chart_slides(data: PackData, ctx: ChartContext,
                 charts: tuple[Chart, ...] | None = None) -> tuple[ChartSlide, ...]:
    """The slides of `charts` (default: the pack's, from the catalog) in the catalog's order,
    leaving out those that do not apply under the pack's filters (see `left_out`)."""
    from analytics.charts.catalog import CATALOG, PACK

    wanted = PACK if charts is None else charts
    slides = []
    for chart in CATALOG:
        if chart not in wanted or not chart.applies(filtered=data.is_filtered) or chart.slide is None:
            continue
        text = chart.slide(data)
        slides.append(ChartSlide(chart.key, chart.figure(data, ctx), text.notes, text.native))
    return tuple(slides)


def left_out(data: PackData, charts: tuple[Chart, ...] | None = None) -> tuple[Chart, ...]:
    """The charts asked for that the deck leaves out under its filters (whole-portfolio splits)."""
    from analytics.charts.catalog import PACK

    return tuple(c for c in (PACK if charts is None else charts) if not c.applies(filtered=data.is_filtered))


def left_out_note(charts: tuple[Chart, ...]) -> str:
    """What the title slide says about charts left out under the filters."""
    names = ", ".join(c.label for c in charts)
    return (f"Left out under these filters: {names} (each covers the whole portfolio; "
            f"build the deck without filters to include it)")


def make_deck(data: PackData, ctx: ChartContext, *, native_charts: bool = False,
              only: tuple[Chart, ...] | None = None) -> Deck:
    """Build the pack (see build_deck) and report what could not be drawn. `only` keeps those
    catalog charts (a page's own slides), in the catalog's order; a chart that does not apply
    under the filters is left out and the title slide says so."""
    slides = chart_slides(data, ctx, only)
    omitted = left_out(data, only)
    # The whole pack ends with the evidence for the five causes and the decisions needed; a
    # page's own slides ("slides for this page") hold only that page's charts.
    with_decisions = only is None
    if with_decisions:
        slides = (*slides, evidence_slide(data, ctx))
    drawn = [s for s in slides if not (native_charts and s.native is not None)]
    pictures = render_pictures(tuple(drawn))
    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(SLIDE_WIDTH), Inches(SLIDE_HEIGHT)
    total = len(slides) + 2 + with_decisions
    _title_slide(prs, data, ctx, omitted)
    _kpi_slide(prs, data, ctx, page=2, total=total)
    for page, chart in enumerate(slides, start=3):
        native = chart.native if native_charts else None
        subtitle = (native.subtitle if native is not None else None) or chart.subtitle
        slide = _chart_frame(prs, chart.title, subtitle, ctx, page, total)
        if native is not None:
            shape = add_native_chart(slide, native, Inches(MARGIN), Inches(CONTENT_TOP),
                                     Inches(SLIDE_WIDTH - 2 * MARGIN), Inches(CONTENT_BOTTOM - CONTENT_TOP))
            _describe(shape, chart)
        else:
            _picture(slide, pictures[chart.name], chart)
        _notes(slide, chart.notes)
    if with_decisions:
        decisions = decisions_slide(data.report)
        slide = _chart_frame(prs, decisions.title, decisions.subtitle, ctx, total, total)
        add_decisions_table(slide, decisions, _cell, left=MARGIN, top=CONTENT_TOP + 0.05)
        _notes(slide, decisions.notes)
    out = io.BytesIO()
    prs.save(out)
    missing = tuple(MissingPicture(name, p.problem or CHROMIUM_NEEDED) for name, p in pictures.items()
                    if p.png is None)
    return Deck(out.getvalue(), total, missing)


def build_deck(data: PackData, ctx: ChartContext, *, native_charts: bool = False,
               only: tuple[Chart, ...] | None = None) -> bytes:
    """The board pack as .pptx bytes: a title slide, the headline figures (a native table),
    then one slide per chart (funnel, conversion trend, 12-month conversion by cohort, time
    to production, conversion by business unit when unfiltered, stall causes, business unit x
    cause, value, the evidence for the five causes), and last the decisions needed (a native
    table). `native_charts` draws funnel, trend, cohorts, business units, causes and
    value as editable PowerPoint charts; the rest stay pictures. `only` keeps those catalog
    charts (one page's "slides for this page").
    """
    return make_deck(data, ctx, native_charts=native_charts, only=only).content


# --- Slide furniture -------------------------------------------------------------------------------

def _text(frame: TextFrame, text: str, size: float, colour: str, *, bold: bool = False,
          align: PP_ALIGN = PP_ALIGN.LEFT) -> None:
    frame.word_wrap = True
    frame.auto_size = MSO_AUTO_SIZE.NONE
    frame.text = text
    for paragraph in frame.paragraphs:
        paragraph.alignment = align
        for run in paragraph.runs:
            run.font.name = DECK_FONT
            run.font.size = Pt(size)
            run.font.bold = bold
            run.font.color.rgb = rgb(colour)


def _box(slide: Slide, left: float, top: float, width: float, height: float) -> Shape:
    shape = slide.shapes.add_textbox(Inches(left), Inches(top), Inches(width), Inches(height))
    shape.text_frame.margin_left = shape.text_frame.margin_right = 0
    return shape


def _place_title(slide: Slide, text: str) -> None:
    title = slide.shapes.title
    if title is None:
        raise RuntimeError("the deck's slide layout has no title placeholder")
    title.left, title.top = Inches(MARGIN), Inches(TITLE_TOP)
    title.width, title.height = Inches(SLIDE_WIDTH - 2 * MARGIN), Inches(TITLE_HEIGHT)
    frame = title.text_frame
    frame.margin_left = frame.margin_right = 0
    frame.vertical_anchor = MSO_ANCHOR.BOTTOM
    lines = wrap(text, TEXT_WIDTH_PT, DECK_TITLE_PT, bold=True)
    # A vertical tab is a line break inside the paragraph (python-pptx writes <a:br/>).
    _text(frame, "\v".join(lines), DECK_TITLE_PT if len(lines) <= 2 else DECK_TITLE_PT - 4, INK, bold=True)


def _footer(slide: Slide, ctx: ChartContext, page: int, total: int) -> None:
    width = SLIDE_WIDTH - 2 * MARGIN
    footer = _box(slide, MARGIN, FOOTER_TOP, width - 1.0, FOOTER_HEIGHT)
    footer.name = FOOTER_SHAPE
    _text(footer.text_frame, ctx.footer(), DECK_FOOTER_PT, MUTED)
    number = _box(slide, MARGIN + width - 1.0, FOOTER_TOP, 1.0, FOOTER_HEIGHT)
    number.name = "Page number"
    _text(number.text_frame, f"{page} / {total}", DECK_FOOTER_PT, MUTED, align=PP_ALIGN.RIGHT)


def _chart_frame(prs: PresentationType, title: str, subtitle: str, ctx: ChartContext,
                 page: int, total: int) -> Slide:
    slide = prs.slides.add_slide(prs.slide_layouts[_TITLE_ONLY_LAYOUT])
    _place_title(slide, title)
    if subtitle:
        box = _box(slide, MARGIN, SUBTITLE_TOP, SLIDE_WIDTH - 2 * MARGIN, SUBTITLE_HEIGHT)
        box.name = SUBTITLE_SHAPE
        lines = wrap(subtitle, TEXT_WIDTH_PT, DECK_SUBTITLE_PT)
        _text(box.text_frame, "\v".join(lines), DECK_SUBTITLE_PT, MUTED)
    _footer(slide, ctx, page, total)
    return slide


def _notes(slide: Slide, text: str) -> None:
    frame = slide.notes_slide.notes_text_frame
    if frame is None:
        raise RuntimeError("the deck's notes layout has no body placeholder")
    frame.text = text


def _describe(shape: BaseShape, chart: ChartSlide) -> None:
    """Name the chart's shape and give it alt text (screen readers read the finding)."""
    shape.name = CHART_SHAPE_PREFIX + chart.name
    shape._element.xpath("./*[1]/p:cNvPr")[0].set("descr", chart.title)


def _picture(slide: Slide, picture: Picture, chart: ChartSlide) -> None:
    """The picture as large as the content area allows at 16:9, centred; or, without one, a
    box saying what is missing and how to get it."""
    height = CONTENT_BOTTOM - CONTENT_TOP
    width = min(SLIDE_WIDTH - 2 * MARGIN, height * 16 / 9)
    left = (SLIDE_WIDTH - width) / 2
    if picture.png is not None:
        drawn = slide.shapes.add_picture(io.BytesIO(picture.png), Inches(left), Inches(CONTENT_TOP),
                                         Inches(width), Inches(height))
        _describe(drawn, chart)
        return
    shape = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, Inches(left), Inches(CONTENT_TOP),
                                   Inches(width), Inches(height))
    shape.name = "Missing chart: " + chart.name
    shape.fill.solid()
    shape.fill.fore_color.rgb = rgb(TABLE_BAND)
    shape.line.color.rgb = rgb(GRID)
    frame = shape.text_frame
    frame.vertical_anchor = MSO_ANCHOR.MIDDLE
    frame.margin_left = frame.margin_right = Inches(0.6)
    # The install command on a line of its own, so it can be read (and typed) at a glance.
    _text(frame, (picture.problem or CHROMIUM_NEEDED).replace(": ", ":\v", 1), DECK_SUBTITLE_PT + 3,
          INK, bold=True, align=PP_ALIGN.CENTER)
    hint = frame.add_paragraph()
    hint.alignment = PP_ALIGN.CENTER
    run = hint.add_run()
    run.text = "Then build the pack again. The numbers behind this chart are in the speaker notes."
    run.font.name, run.font.size, run.font.color.rgb = DECK_FONT, Pt(DECK_SUBTITLE_PT), rgb(MUTED)


# --- Title slide -------------------------------------------------------------------------------------

def _title_slide(prs: PresentationType, data: PackData, ctx: ChartContext,
                 omitted: tuple[Chart, ...] = ()) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[_TITLE_ONLY_LAYOUT])
    band = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, 0, 0, Inches(0.28), Inches(SLIDE_HEIGHT))
    band.fill.solid()
    band.fill.fore_color.rgb = rgb(HIGHLIGHT)
    band.line.fill.background()
    title = slide.shapes.title
    if title is None:
        raise RuntimeError("the deck's slide layout has no title placeholder")
    title.left, title.top = Inches(1.0), Inches(2.0)
    title.width, title.height = Inches(SLIDE_WIDTH - 2.0), Inches(1.3)
    title.text_frame.vertical_anchor = MSO_ANCHOR.BOTTOM
    title.text_frame.margin_left = 0
    _text(title.text_frame, DECK_TITLE, 40, INK, bold=True)
    report = data.report
    lines = [
        (f"Portfolio as of {ctx.as_of:%B %Y}", 24, INK),
        (f"Filters: {ctx.filters}" if ctx.filters else "Filters: none (the whole portfolio)", DECK_BODY_PT + 2, MUTED),
        (f"Stalled means on hold, or more than {report.stall_days} days in pilot or scaling", DECK_BODY_PT + 2, MUTED),
        (f"Source: {ctx.source}", DECK_BODY_PT + 2, MUTED),
    ]
    if omitted:
        lines.append((left_out_note(omitted), DECK_BODY_PT, MUTED))
    details = _box(slide, 1.0, 3.45, SLIDE_WIDTH - 2.0, 2.0)
    details.name = "Details"
    frame = details.text_frame
    _text(frame, lines[0][0], lines[0][1], lines[0][2])
    for text, size, colour in lines[1:]:
        paragraph = frame.add_paragraph()
        paragraph.space_before = Pt(6)
        run = paragraph.add_run()
        run.text = text
        run.font.name, run.font.size, run.font.color.rgb = DECK_FONT, Pt(size), rgb(colour)
    if ctx.is_sample:
        flag = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, Inches(1.0), Inches(5.75), Inches(9.6), Inches(0.75))
        flag.name = SAMPLE_SHAPE
        flag.fill.solid()
        flag.fill.fore_color.rgb = rgb(SAMPLE_BANNER)
        flag.line.fill.background()
        flag.text_frame.vertical_anchor = MSO_ANCHOR.MIDDLE
        _text(flag.text_frame, "SAMPLE DATA — invented initiatives, not a real portfolio", 20, INK,
              bold=True, align=PP_ALIGN.CENTER)
    _notes(slide, "\n".join(text for text, _, _ in lines) + ("\nSAMPLE DATA" if ctx.is_sample else ""))


# --- Headline figures ----------------------------------------------------------------------------

_TABLE_COLUMNS = (("Figure", 2.3), ("", 1.9), ("", 2.4), ("What it counts", 5.63))


def _exact(tile: Kpi, currency: str) -> str:
    """The tile's figure unrounded, for the notes."""
    if tile.value is None:
        return "n/a"
    if tile.text.endswith("%"):
        return pct(tile.value)
    if tile.key == "stalled_budget":
        return money(tile.value, currency)
    return count(tile.value)


def kpi_title(tiles: tuple[Kpi, ...]) -> str:
    by_key = {t.key: t for t in tiles}
    conversion, stalled, budget = by_key["pilot_to_production"], by_key["stalled"], by_key["stalled_budget"]
    # Below ten pilots the tile is a count ("2 of 7"), not a share.
    share = f"{conversion.text} of" if conversion.text.endswith("%") else conversion.text
    verb = "is" if stalled.value == 1 else "are"
    held = (f", holding {budget.text} of budget" if budget.value is not None
            else " (their budget is not in the export)")
    return (
        f"{share} pilots have reached production; {plural(int(stalled.value or 0), 'initiative')} "
        f"{verb} stalled{held}"
    )


def _kpi_slide(prs: PresentationType, data: PackData, ctx: ChartContext, *, page: int, total: int) -> None:
    report, previous = data.report, data.previous
    tiles = kpis(report, previous)
    before = {t.key: t for t in kpis(previous, None)} if previous is not None else {}
    since = f"Change since {previous.as_of:%B %Y}" if previous is not None else "Change (first month loaded)"
    slide = _chart_frame(prs, kpi_title(tiles), f"Headline figures for {report.as_of:%B %Y}, with the "
                         f"change since the previous month's export", ctx, page, total)
    headers = ("Figure", f"{report.as_of:%B %Y}", since, "What it counts")
    width = sum(w for _, w in _TABLE_COLUMNS)
    row_height = 0.62
    shape = slide.shapes.add_table(len(tiles) + 1, len(headers), Inches(MARGIN), Inches(CONTENT_TOP + 0.05),
                                   Inches(width), Inches(row_height * (len(tiles) + 1)))
    table = shape.table
    table.horz_banding = False
    for col, (_, inches) in enumerate(_TABLE_COLUMNS):
        table.columns[col].width = Inches(inches)
    for col, header in enumerate(headers):
        _cell(table.cell(0, col), header, TABLE_HEADER, INK, bold=True,
              align=PP_ALIGN.RIGHT if col in (1, 2) else PP_ALIGN.LEFT, size=DECK_BODY_PT - 1)
    for row, tile in enumerate(tiles, start=1):
        table.rows[row].height = Inches(row_height)
        fill = TABLE_BAND if row % 2 == 0 else BACKGROUND
        _cell(table.cell(row, 0), tile.label, fill, INK, bold=True)
        _cell(table.cell(row, 1), tile.text, fill, INK, bold=True, align=PP_ALIGN.RIGHT, size=DECK_BODY_PT + 4)
        _cell(table.cell(row, 2), tile.delta or "–", fill, _delta_colour(tile), bold=True, align=PP_ALIGN.RIGHT)
        _cell(table.cell(row, 3), tile.help, fill, MUTED, size=DECK_BODY_PT - 4)
    notes = [f"Headline figures for {report.as_of:%B %Y}"
             + (f", compared with {previous.as_of:%B %Y}" if previous is not None else "")]
    for tile in tiles:
        line = f"{tile.label}: {_exact(tile, report.currency)}"
        if tile.key in before and previous is not None:
            line += f" (was {_exact(before[tile.key], previous.currency)}; change {tile.delta})"
        notes.append(line)
    _notes(slide, "\n".join(notes))


def _delta_colour(tile: Kpi) -> str:
    if tile.delta is None or tile.delta == NO_CHANGE or tile.delta.startswith(CURRENCY_CHANGED):
        return MUTED
    rising = tile.delta.startswith("+")
    return BETTER if rising == tile.higher_is_better else WORSE


def _cell(cell: _Cell, text: str, fill: str, colour: str, *, bold: bool = False,
          align: PP_ALIGN = PP_ALIGN.LEFT, size: float = DECK_BODY_PT) -> None:
    cell.fill.solid()
    cell.fill.fore_color.rgb = rgb(fill)
    cell.vertical_anchor = MSO_ANCHOR.MIDDLE
    cell.margin_left = cell.margin_right = Inches(0.12)
    _text(cell.text_frame, text, size, colour, bold=bold, align=align)
