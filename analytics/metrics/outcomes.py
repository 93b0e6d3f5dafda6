"""The outcomes of one month (METRICS.md section 6): value in production, stalled budget,
spend on stopped initiatives."""
from __future__ import annotations

import pandas as pd

from analytics.domain import FIELD_BY_NAME, FIELDS, Kind, Stage
from analytics.metrics.funnel import ratio
from analytics.metrics.types import Outcomes
from analytics.problems import Problem, Severity

#: Each section 6 sum, and the money field it adds up.
MONEY_FIGURES: dict[str, str] = {
    "expected_in_production": "expected_value",
    "realized_in_production": "realized_value",
    "stalled_budget": "budget",
    "spend_on_stopped": "spend_to_date",
}
MONEY_FIELD_BLANK = "money_field_blank"


def absent_money(month: pd.DataFrame) -> frozenset[str]:
    """The money fields no initiative of a month's export gives at all (no such column, or
    blank throughout): what they add up to is unknown, never 0."""
    return frozenset(f.name for f in FIELDS if f.kind is Kind.MONEY and month[f.name].isna().all())


def outcomes(population: pd.DataFrame, stalled: pd.Series,
             export: pd.DataFrame | None = None) -> Outcomes:
    """Section 6; `stalled` marks the stalled rows of `population`; `export` is the whole
    month the population was filtered from (default: the population). A blank amount counts 0.

    A figure is None when it sums initiatives (some are in production, stalled or stopped)
    but no initiative of the export gives its money field at all (no such column, or blank
    throughout): then the sum is unknown, not 0, and "value in production $0" would tell a
    board nothing was delivered. Its field is in `not_captured`. With nobody to sum, the
    figure is 0 whatever the export has."""
    masks = {
        "expected_in_production": population["stage"] == str(Stage.PRODUCTION),
        "realized_in_production": population["stage"] == str(Stage.PRODUCTION),
        "stalled_budget": stalled,
        "spend_on_stopped": population["stage"] == str(Stage.STOPPED),
    }
    blank = absent_money(population if export is None else export)
    sums = {figure: None if field in blank and bool(masks[figure].any())
            else float(population.loc[masks[figure], field].astype("float64").fillna(0.0).sum())
            for figure, field in MONEY_FIGURES.items()}
    unknown = {MONEY_FIGURES[figure] for figure, total in sums.items() if total is None}
    missing = tuple(f.name for f in FIELDS if f.name in unknown)
    expected, realized = sums["expected_in_production"], sums["realized_in_production"]
    return Outcomes(
        expected_in_production=expected,
        realized_in_production=realized,
        value_capture=None if expected is None or realized is None else ratio(realized, expected),
        stalled_budget=sums["stalled_budget"],
        spend_on_stopped=sums["spend_on_stopped"],
        not_captured=missing,
    )


def _figures_of(field: str) -> str:
    names = {"expected_in_production": "value expected in production",
             "realized_in_production": "value realized in production",
             "stalled_budget": "budget stuck in stalls",
             "spend_on_stopped": "spend on stopped initiatives"}
    return " and ".join(names[figure] for figure, f in MONEY_FIGURES.items() if f == field)


def money_gap_warnings(outcome: Outcomes, as_of_label: str) -> tuple[Problem, ...]:
    """One warning per money field whose sums are unknown (Outcomes.not_captured)."""
    return tuple(
        Problem(
            severity=Severity.WARNING,
            code=MONEY_FIELD_BLANK,
            message=(
                f"{as_of_label}: no initiative here gives a value for "
                f"'{FIELD_BY_NAME[field].label}', so {_figures_of(field)} is not known (shown "
                f"as not in the export, never as 0). Add or map the "
                f"'{FIELD_BY_NAME[field].label}' column in the monthly export to measure it."
            ),
            column=FIELD_BY_NAME[field].label,
        )
        for field in outcome.not_captured
    )


def money_gap_summary(missing: tuple[str, ...]) -> str:
    """One sentence on the money fields an export lacks (Outcomes.not_captured), for a page."""
    if not missing:
        return ""
    labels = [f"'{FIELD_BY_NAME[f].label}'" for f in missing]
    listed = labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " or " + labels[-1]
    figures = [_figures_of(f) for f in missing]
    known = figures[0] if len(figures) == 1 else ", ".join(figures[:-1]) + " and " + figures[-1]
    return (f"No initiative in this export gives a value for {listed}, so {known} "
            f"{'is' if len(figures) == 1 and ' and ' not in known else 'are'} not known: shown "
            f"as not in the export, never as 0. Add or map the columns in the monthly export to "
            f"measure them.")
