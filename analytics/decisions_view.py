"""The Decisions page's tables as people read them (METRICS.md sections 7 and 9): checks named
in words, shares as percentages with their n, and "too few to compare" where a group is small."""
from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.charts.decisions import TOO_FEW, evidence_finding
from analytics.domain import CAUSE_CHECKS, CAUSES
from analytics.formatting import percent
from analytics.metrics.evidence import group
from analytics.metrics.types import CLEAR, FLAGGED, Report

CHECK = "Check"
WITH_N, WITH_RATE = "Pilots that met it", "In production within a year (met)"
WITHOUT_N, WITHOUT_RATE = "Pilots that did not", "In production within a year (not met)"
FINDING = "What this portfolio shows"
EVIDENCE_COLUMNS: tuple[str, ...] = (CHECK, WITH_N, WITH_RATE, WITHOUT_N, WITHOUT_RATE, FINDING)
READY, FAILED = "Ready to scale", "Checks failed"


def _rate(row: pd.Series) -> str:
    if row["too_few"]:
        return TOO_FEW
    if np.isnan(row["p_production_12m"]):
        return "not yet a year"
    return percent(row["p_production_12m"])


def evidence_rows(report: Report) -> pd.DataFrame:
    """One row per cause: the check, each side's n and 12-month share, and the finding."""
    records = []
    for cause in CAUSES:
        met, unmet = group(report.evidence, cause, CLEAR), group(report.evidence, cause, FLAGGED)
        records.append({
            CHECK: CAUSE_CHECKS[cause], WITH_N: int(met["n"]), WITH_RATE: _rate(met),
            WITHOUT_N: int(unmet["n"]), WITHOUT_RATE: _rate(unmet),
            FINDING: evidence_finding(report, cause),
        })
    return pd.DataFrame.from_records(records, columns=list(EVIDENCE_COLUMNS))


def readiness_rows(report: Report) -> pd.DataFrame:
    """The current pilots, least ready first: each check as passed (True) or not."""
    table = report.readiness.pilots_table
    checks = {CAUSE_CHECKS[c]: ~table[str(c)].astype(bool) for c in CAUSES}
    return table.reindex(columns=["initiative_id", "name", "business_unit", "owner"]).assign(
        **checks, **{FAILED: table["checks_failed"], READY: table["ready"]},
    )
