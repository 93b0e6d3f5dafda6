"""The shipped sample portfolio: 24 monthly exports of a believable, messy AI portfolio.

simulation  `generate_portfolio` simulates the portfolio month by month (seeded, so always the
            same story) and returns the canonical truth of every export
trackers    how each tracker writes a month: title rows, a cover sheet, headers that change
            when the tracker was migrated, dates and money written several ways
workbooks   `render_month` and `write_sample`: the .xlsx files, the same bytes on every run
loading     `load_sample` imports the shipped workbooks as sample data

The story the sample tells: most pilots never reach production, and the ones that stall carry
the five failure causes of METRICS.md section 5 far more often than the ones that move on.
"""
from analytics.ingest.months import month_end
from analytics.sample.loading import SAMPLE_DIR, load_sample, load_sample_results, sample_paths
from analytics.sample.simulation import (
    EXTRA_COLUMNS,
    FIRST_MONTH,
    MIGRATION_INDEX,
    MONTH_COUNT,
    SEED,
    TRUTH_COLUMNS,
    generate_portfolio,
    month_at,
    sample_file_name,
    sample_months,
)
from analytics.sample.trackers import layout_for
from analytics.sample.workbooks import render_month, write_sample

__all__ = [
    "EXTRA_COLUMNS", "FIRST_MONTH", "MIGRATION_INDEX", "MONTH_COUNT", "SAMPLE_DIR", "SEED",
    "TRUTH_COLUMNS", "generate_portfolio", "layout_for", "load_sample", "load_sample_results",
    "month_at", "month_end", "render_month", "sample_file_name", "sample_months",
    "sample_paths", "write_sample",
]
