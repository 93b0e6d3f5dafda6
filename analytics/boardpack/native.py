"""Native, editable PowerPoint charts drawn from a `NativeChart`, styled like the dashboard:
theme font and colours, values on the bars, no gridlines, axis lines or chart titles
(the slide title states the finding)."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, cast

from pptx.chart.chart import Chart
from pptx.chart.data import ChartData
from pptx.chart.point import Point
from pptx.dml.color import RGBColor
from pptx.enum.chart import (
    XL_CHART_TYPE,
    XL_LABEL_POSITION,
    XL_LEGEND_POSITION,
    XL_MARKER_STYLE,
    XL_TICK_MARK,
)
from pptx.oxml.ns import qn
from pptx.oxml.xmlchemy import OxmlElement
from pptx.shapes.graphfrm import GraphicFrame
from pptx.slide import Slide
from pptx.util import Length, Pt

from analytics.boardpack.content import NativeChart, Series
from analytics.charts.theme import DECK_BODY_PT, DECK_FONT, GRID, INK, MUTED
from analytics.tablefiles import neutralise

_TYPES = {
    "bar": XL_CHART_TYPE.BAR_CLUSTERED,
    "column": XL_CHART_TYPE.COLUMN_CLUSTERED,
    "line": XL_CHART_TYPE.LINE_MARKERS,
}


def rgb(hex_colour: str) -> RGBColor:
    return RGBColor.from_string(hex_colour.lstrip("#").upper())


def add_native_chart(slide: Slide, spec: NativeChart, left: Length, top: Length, width: Length,
                     height: Length) -> GraphicFrame:
    """The chart on the slide; returns its shape (the chart is `.chart`)."""
    data = ChartData(number_format=spec.number_format)
    # A horizontal bar chart draws its first category at the bottom; the spec lists them top
    # down, as read. Reversing the data (not the axis) keeps the value axis at the bottom.
    # The same goes for the series within a group: reversed, the first is drawn on top.
    flip = spec.kind == "bar"
    order = (lambda items: tuple(reversed(items))) if flip else tuple
    # The chart's data travels as an embedded workbook that opens in Excel with "Edit Data";
    # its writer turns text starting with "=" into a live formula. Workbook text (a business
    # unit, a cause) is neutralised there by the rule of the CSV/Excel exports.
    data.categories = order(tuple(neutralise(c) for c in spec.categories))
    specs = order(spec.series)
    for series in specs:
        data.add_series(neutralise(series.name), order(series.values))
    # python-pptx 1.0 annotates add_chart as returning the Chart; it returns the GraphicFrame.
    frame = cast(GraphicFrame, slide.shapes.add_chart(_TYPES[spec.kind], left, top, width, height,
                                                      data))
    chart = frame.chart
    chart.font.name = DECK_FONT
    chart.font.size = Pt(DECK_BODY_PT)
    chart.font.color.rgb = rgb(INK)
    chart.has_title = False
    chart.has_legend = spec.legend
    if spec.legend:
        chart.legend.position = XL_LEGEND_POSITION.TOP
        chart.legend.include_in_layout = False
        chart.legend.font.size = Pt(DECK_BODY_PT - 2)
    _axes(chart, spec)
    plot = chart.plots[0]
    if spec.kind != "line":
        plot.gap_width = 60 if spec.kind == "bar" else 80
        plot.overlap = spec.overlap
    for drawn, series in zip(plot.series, specs, strict=True):
        _style_series(drawn, series, spec, order)
    return frame


def _axes(chart: Chart, spec: NativeChart) -> None:
    category = chart.category_axis
    category.major_tick_mark = XL_TICK_MARK.NONE
    category.has_major_gridlines = False
    category.format.line.color.rgb = rgb(GRID)
    category.tick_labels.font.size = Pt(DECK_BODY_PT - (1 if spec.kind == "column" else 2))
    if spec.label_every > 1:
        _label_every(chart, spec.label_every)
    # Never rotated: labels that do not fit are thinned, not turned on their side.
    _ = category.tick_labels.font.size  # reading it creates c:txPr
    body = chart._chartSpace.find(".//" + qn("c:catAx")).find(qn("c:txPr")).find(qn("a:bodyPr"))
    body.set("rot", "0")
    body.set("vert", "horz")
    value = chart.value_axis
    value.has_major_gridlines = spec.value_axis
    if spec.value_axis:
        value.major_gridlines.format.line.color.rgb = rgb(GRID)
        value.tick_labels.font.color.rgb = rgb(MUTED)
        value.tick_labels.number_format = spec.number_format
        value.tick_labels.number_format_is_linked = False
    value.major_tick_mark = XL_TICK_MARK.NONE
    value.format.line.fill.background()
    value.visible = spec.value_axis
    value.minimum_scale = 0
    if spec.value_max:
        value.maximum_scale = spec.value_max
        if spec.value_axis and spec.number_format.endswith("%"):
            # Round steps, as the dashboard's share axes (PowerPoint would pick 2% steps).
            value.major_unit = 0.05 if spec.value_max <= 0.3 else 0.1 if spec.value_max <= 0.6 else 0.2


#: Puts a spec's sequence in drawing order (reversed for horizontal bars).
Order = Callable[[Sequence[Any]], tuple[Any, ...]]


# `drawn` is a LineSeries or a BarSeries: python-pptx gives them no common type with these
# attributes.
def _style_series(drawn: Any, series: Series, spec: NativeChart, order: Order) -> None:
    if spec.kind == "line":
        drawn.smooth = False
        drawn.format.line.color.rgb = rgb(series.color)
        drawn.format.line.width = Pt(3)
        drawn.marker.style = XL_MARKER_STYLE.CIRCLE
        drawn.marker.size = 7
        drawn.marker.format.fill.solid()
        drawn.marker.format.fill.fore_color.rgb = rgb(series.color)
        drawn.marker.format.line.color.rgb = rgb(series.color)
    else:
        drawn.format.fill.solid()
        drawn.format.fill.fore_color.rgb = rgb(series.color)
        drawn.invert_if_negative = False
    if series.point_colors:
        for point, colour in zip(drawn.points, order(series.point_colors), strict=True):
            point.format.fill.solid()
            point.format.fill.fore_color.rgb = rgb(colour)
    values = order(series.values)
    if spec.label_last_only:
        last = max((i for i, v in enumerate(values) if v is not None), default=None)
        if last is not None:
            _point_label(drawn.points[last], _formatted(values[last], spec.number_format), series.color,
                         XL_LABEL_POSITION.RIGHT)
        return
    if series.labels:
        for i, text in enumerate(order(series.labels)):
            if text and values[i] is not None:
                _point_label(drawn.points[i], text, MUTED, XL_LABEL_POSITION.OUTSIDE_END)
        return
    labels = drawn.data_labels
    labels.number_format = spec.number_format
    labels.number_format_is_linked = False
    labels.show_value = True
    labels.position = XL_LABEL_POSITION.OUTSIDE_END
    labels.font.size = Pt(DECK_BODY_PT)
    labels.font.bold = True
    labels.font.color.rgb = rgb(INK)


def _point_label(point: Point, text: str, colour: str, position: XL_LABEL_POSITION) -> None:
    label = point.data_label
    frame = label.text_frame
    frame.text = text
    for paragraph in frame.paragraphs:
        for run in paragraph.runs:
            run.font.size = Pt(DECK_BODY_PT - 3)
            run.font.bold = True
            run.font.color.rgb = rgb(colour)
    label.position = position


#: Elements that follow c:tickLblSkip inside c:catAx (the schema fixes the order).
_AFTER_SKIP = ("c:tickMarkSkip", "c:noMultiLvlLbl", "c:extLst")


def _label_every(chart: Chart, every: int) -> None:
    """Label every n-th category only (python-pptx has no API for c:tickLblSkip)."""
    axis = chart._chartSpace.find(".//" + qn("c:catAx"))
    skip = OxmlElement("c:tickLblSkip")
    skip.set("val", str(every))
    following = next((axis.find(qn(tag)) for tag in _AFTER_SKIP if axis.find(qn(tag)) is not None), None)
    if following is None:
        axis.append(skip)
    else:
        following.addprevious(skip)


def _formatted(value: float, number_format: str) -> str:
    """The value as the chart's number format shows it (for a label given as text)."""
    if number_format.endswith("%"):
        return f"{value * 100:.0f}%"
    return f"{value:,.1f}" if "0.0" in number_format else f"{value:,.0f}"
