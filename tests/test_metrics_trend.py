"""The trend shows every month as that month's own report does (every figure, every month).

The trend computes all months at once from the fact arrays; the report computes one month from
its population frame. A scenario over four months where the conversions differ month by month
and from each other, so that a trend swapping two ratios, or shifting a month, fails.
"""
from __future__ import annotations

import pandas as pd
import pytest

from analytics.metrics import compute_report, report_json, trend
from tests.support.scenario import ON_HOLD, PR, ST, I, P, S, month, read_back, row, write_months

MONTHS = ("2024-01", "2024-02", "2024-03", "2024-04")
VALUE = {"expected_value": 100.0, "realized_value": 40.0}


def portfolio() -> dict[str, list[dict[str, object]]]:
    journeys = {
        "A": [(P, {"pilot_start": "2023-10-01"}), (S, {}), (PR, {"production_date": "2024-03-10", **VALUE}),
              (PR, VALUE)],
        "B": [(P, {"pilot_start": "2023-12-01"}), (P, {}), (ST, {"stage_entered": "2024-03-02"}), (ST, {})],
        "C": [(I, {}), (P, {}), (P, {}), (S, {})],
        "D": [(P, {"pilot_start": "2024-01-05"}), (ON_HOLD, {}), (ON_HOLD, {}), (P, {})],
        "E": [(S, {"stage_entered": "2023-05-01", "budget": 50.0})] * 4,
        "F": [(I, {})] * 4,
    }
    return {
        as_of: [row(initiative, stage, **cells) for initiative, steps in journeys.items()
                for stage, cells in [steps[k]]]
        for k, as_of in enumerate(MONTHS)
    }


def report_figures(doc: dict) -> dict[str, object]:
    """The report's figures under the trend's column names."""
    ttp = doc["time_to_production"]
    return {
        "population": doc["population"], "on_hold": doc["on_hold"], **doc["stage_counts"],
        **doc["funnel"], **doc["conversion"], "stalled": doc["stalled"]["count"],
        "stalled_budget": doc["stalled"]["budget"], **doc["outcomes"],
        "p_production_12m": ttp["p_production_12m"], "median_days_observed": ttp["median_days_observed"],
        "ttp_included": ttp["included"], "ttp_left_out": ttp["left_out"],
    }


@pytest.mark.parametrize("stall_days", [30, 180])
def test_every_trend_figure_equals_the_report_of_its_month(db_file, stall_days):
    write_months(db_file, portfolio())
    rows = read_back(db_file)
    table = trend(rows, stall_days=stall_days).set_index("as_of")
    assert [f"{m:%Y-%m}" for m in table.index] == list(MONTHS)
    # By hand: reached pilot / scaling / production per month.
    assert table["reached_pilot"].tolist() == [4, 5, 5, 5]
    assert table["reached_scaling"].tolist() == [1, 2, 2, 3]
    assert table["reached_production"].tolist() == [0, 0, 1, 1]
    assert table["pilot_to_scaling"].tolist() == pytest.approx([0.25, 0.4, 0.4, 0.6])
    assert table["scaling_to_production"].tolist() == pytest.approx([0.0, 0.0, 0.5, 1 / 3])
    assert table["pilot_to_production"].tolist() == pytest.approx([0.0, 0.0, 0.2, 0.2])
    assert table["value_capture"].tolist()[2:] == pytest.approx([0.4, 0.4])
    compared = 0
    for as_of in MONTHS:
        figures = table.loc[pd.Timestamp(month(as_of))]
        expected = report_figures(report_json(compute_report(rows, month(as_of), stall_days=stall_days)))
        assert set(expected) <= set(table.columns)
        for name, value in expected.items():
            got = figures[name]
            if value is None:
                assert pd.isna(got), (as_of, name, got)
            else:
                assert got == pytest.approx(value), (as_of, name, got, value)
            compared += 1
    assert compared == len(MONTHS) * len(report_figures(report_json(compute_report(rows, month(MONTHS[0])))))


def test_the_trend_with_a_filter_equals_the_filtered_reports(db_file):
    months = portfolio()
    for rows_of_month in months.values():
        for cells in rows_of_month:
            cells["business_unit"] = "Finance" if cells["initiative_id"] in ("A", "C", "E") else "Sales"
    write_months(db_file, months)
    rows = read_back(db_file)
    table = trend(rows, business_unit="Finance").set_index("as_of")
    for as_of in MONTHS:
        doc = report_json(compute_report(rows, month(as_of), business_unit="Finance"))
        figures = table.loc[pd.Timestamp(month(as_of))]
        for name, value in report_figures(doc).items():
            assert (pd.isna(figures[name]) if value is None else figures[name] == pytest.approx(value)), (as_of, name)
    assert table["population"].tolist() == [3, 3, 3, 3]


def test_the_command_lines_reading_path_gives_the_same_report(db_file):
    """`report --json` reads history columns and the detail of two months only
    (load_report_parts); its report equals the one computed from every full row."""
    from analytics import store
    from analytics.metrics import load_rows
    from analytics.metrics.load import load_report_parts
    from analytics.metrics.report import compute_report_parts
    from analytics.scope import ReportScope

    write_months(db_file, portfolio())
    with store.connect(db_file, read_only=True) as con:
        for as_of in MONTHS:
            rows = load_rows(con, month(as_of))
            history, detail = load_report_parts(con, month(as_of))
            assert len(detail) < len(rows) or as_of in MONTHS[:2]
            for filters in ({}, {"stall_days": 30, "business_unit": "Finance"}):
                full = compute_report(rows, month(as_of), **filters)
                parts = compute_report_parts(history, detail, ReportScope(month(as_of), **filters))
                assert report_json(parts) == report_json(full)
                pd.testing.assert_frame_equal(parts.population, full.population)
                pd.testing.assert_frame_equal(parts.changes.vanished, full.changes.vanished)
