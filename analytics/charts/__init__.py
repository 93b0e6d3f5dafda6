"""Board-ready figures: one `<noun>_chart(...) -> go.Figure` per finding (docs/charts.md).

Each takes the metrics' results (a Report, or the part of it named in its docstring) and a
`ChartContext`, states its finding with the number in the title, carries the as-of month,
filters and source in the footer, and puts a key in every clickable point's `customdata`.
"""
from __future__ import annotations

from analytics.charts.cohorts import cohort_chart
from analytics.charts.funnel import (
    funnel_chart,
    stage_conversion_chart,
    stage_mix_chart,
)
from analytics.charts.images import (
    ChartExportFailed,
    ChromiumMissing,
    figure_png,
    png_file_name,
)
from analytics.charts.initiative import stage_timeline_chart
from analytics.charts.stalls import cause_heatmap_chart, cause_pareto_chart
from analytics.charts.theme import download_config
from analytics.charts.time_to_production import time_to_production_chart
from analytics.charts.trend import breakdown_chart, conversion_trend_chart
from analytics.charts.value import stalled_budget_chart, value_chart
from analytics.provenance import ChartContext

__all__ = [
    "ChartContext", "ChartExportFailed", "ChromiumMissing", "breakdown_chart",
    "cause_heatmap_chart", "cause_pareto_chart", "cohort_chart", "conversion_trend_chart",
    "download_config", "figure_png", "funnel_chart", "png_file_name", "stage_conversion_chart",
    "stage_mix_chart", "stage_timeline_chart", "stalled_budget_chart", "time_to_production_chart",
    "value_chart",
]
