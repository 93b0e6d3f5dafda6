"""The report as one JSON-ready dict (`python -m analytics report --json`).

Ratios are fractions, money plain numbers, None (JSON null) where undefined.
"""
from __future__ import annotations

import math
from datetime import date, datetime

import pandas as pd

from analytics.metrics.stalls import ALL_CAUSE_KEYS, CAUSE_KEYS
from analytics.metrics.types import Report


def _plain(value: object) -> object:
    """A JSON-safe scalar: NaN/NA -> None, numpy numbers -> Python numbers, dates -> ISO text."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (datetime, pd.Timestamp)):
        return value.date().isoformat() if not pd.isna(value) else None
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _ids(frame: pd.DataFrame) -> list[str]:
    return [str(i) for i in frame["initiative_id"]]


def report_json(report: Report) -> dict[str, object]:
    funnel, ttp, stalls, out = report.funnel, report.time_to_production, report.stalls, report.outcomes
    causes = stalls.causes
    return {
        "as_of": f"{report.as_of:%Y-%m}",
        "currency": report.currency,
        "as_of_date": report.as_of_date.isoformat(),
        "filters": {"business_unit": report.business_unit, "solution_type": report.solution_type},
        "stall_days": report.stall_days,
        "population": funnel.population,
        "on_hold": funnel.on_hold,
        "stage_counts": {str(stage): count for stage, count in funnel.stage_counts.items()},
        "funnel": {
            "reached_pilot": funnel.reached_pilot,
            "reached_scaling": funnel.reached_scaling,
            "reached_production": funnel.reached_production,
        },
        "conversion": {
            "pilot_to_scaling": funnel.pilot_to_scaling,
            "scaling_to_production": funnel.scaling_to_production,
            "pilot_to_production": funnel.pilot_to_production,
        },
        "time_to_production": {
            "median_days_observed": ttp.median_days_observed,
            "p_production_12m": ttp.p_production_12m,
            "included": ttp.included,
            "left_out": ttp.left_out,
            "left_out_by_reason": dict(ttp.left_out_by_reason),
        },
        "cohorts": [
            {key: _plain(row[key]) for key in
             ("cohort", "pilots", "reached_production_12m", "conversion_12m", "reached_production",
              "age_days", "mature")}
            for row in report.cohorts.to_dict("records")
        ],
        # The budget is null, not 0, when the export gives none (outcomes.not_captured).
        "stalled": {"count": stalls.count, "budget": report.outcomes.stalled_budget},
        "causes": {
            **{key: {
                "flagged": _plain(causes.at[key, "flagged"]),
                "weighted": _plain(causes.at[key, "weighted"]),
                "budget_weighted": _plain(causes.at[key, "budget_weighted"]),
            } for key in CAUSE_KEYS},
            **{key: {
                "weighted": _plain(causes.at[key, "weighted"]),
                "budget_weighted": _plain(causes.at[key, "budget_weighted"]),
            } for key in ALL_CAUSE_KEYS if key not in CAUSE_KEYS},
        },
        "early_warning": _ids(report.early_warning),
        "outcomes": {
            "expected_in_production": out.expected_in_production,
            "realized_in_production": out.realized_in_production,
            "value_capture": out.value_capture,
            "stalled_budget": out.stalled_budget,
            "spend_on_stopped": out.spend_on_stopped,
        },
        "changes": {
            "previous_as_of": None if report.changes.previous_as_of is None
            else f"{report.changes.previous_as_of:%Y-%m}",
            "moved_up": _ids(report.changes.moved_up),
            "newly_stalled": _ids(report.changes.newly_stalled),
            "stopped": _ids(report.changes.stopped),
            "new": _ids(report.changes.new),
            "vanished": _ids(report.changes.vanished),
        },
        "evidence": {
            key: {row["group"]: {"n": int(row["n"]), "reached_production": int(row["reached_production"]),
                                 "p_production_12m": _plain(row["p_production_12m"])}
                  for row in report.evidence.table.loc[report.evidence.table["cause"] == key].to_dict("records")}
            for key in CAUSE_KEYS
        },
        "forecast": {
            "production_next_6m": report.forecast.production_next_6m,
            "production_next_6m_low": report.forecast.production_next_6m_low,
            "production_next_6m_high": report.forecast.production_next_6m_high,
        },
        "readiness": {
            "pilots": report.readiness.pilots,
            "ready_to_scale": report.readiness.ready_to_scale,
            "failing": dict(report.readiness.failing),
        },
        "warnings": [
            {"code": p.code, "message": p.message, "row": p.row, "column": p.column, "value": p.value}
            for p in report.warnings
        ],
    }
