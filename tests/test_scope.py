"""One ReportScope from the sidebar or the CLI flags to the cache keys and the chart footer."""
from __future__ import annotations

import argparse
import os
from datetime import date
from pathlib import Path

import pytest

from analytics import store
from analytics.cli import options
from analytics.provenance import ChartContext
from analytics.scope import DEFAULT_STALL_DAYS, ReportScope


def _report_flags(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    options.add_as_of(parser, "month")
    options.add_filters(parser)
    return parser.parse_args(list(argv))


def test_the_cli_flags_become_one_scope_that_the_footer_words() -> None:
    scope = options.scope(_report_flags("--as-of", "2025-03", "--business-unit", "Finance",
                                        "--stall-days", "90"))
    assert scope == ReportScope(date(2025, 3, 1), "Finance", None, 90)
    ctx = ChartContext.for_scope(scope, source="portfolio-2025-03.xlsx", is_sample=False,
                                 currency="EUR")
    assert ctx.footer() == ("As of March 2025  ·  Business unit: Finance · Stall threshold: 90 days"
                            "  ·  Source: portfolio-2025-03.xlsx")
    assert ctx.currency == "EUR"


def test_an_unfiltered_scope_says_nothing_and_its_split_keeps_month_and_threshold() -> None:
    plain = options.scope(_report_flags("--as-of", "2025-06"))
    assert plain.describe() == "" and not plain.is_filtered
    assert plain.stall_days == DEFAULT_STALL_DAYS
    narrowed = ReportScope(date(2025, 6, 1), "Sales", "agent", 120)
    assert narrowed.is_filtered
    assert narrowed.whole_portfolio() == ReportScope(date(2025, 6, 1), None, None, 120)
    assert narrowed.at(date(2025, 5, 1)) == ReportScope(date(2025, 5, 1), "Sales", "agent", 120)


@pytest.mark.usefixtures("fresh_streamlit_caches")
def test_the_dashboards_data_version_follows_the_audit_not_the_files_clock(sample_db: Path) -> None:
    from dashboard import data

    before = data.version()
    # A checkpoint or a copy touches the file without changing the data: caches stay warm.
    later = os.stat(sample_db).st_mtime_ns + 5_000_000_000
    os.utime(sample_db, ns=(later, later))
    assert data.version() == before
    months = data.months()
    with store.connect(sample_db) as con:
        store.delete_snapshot(con, months[-1], by_user="test")
    after = data.version()
    assert after != before
    assert data.months() == months[:-1]
