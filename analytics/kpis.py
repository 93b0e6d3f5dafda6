"""The Overview's headline tiles: each figure, formatted, with its change since last month."""
from __future__ import annotations

from dataclasses import dataclass

from analytics.charts.common import MIN_GROUP
from analytics.charts.theme import format_money, format_pct
from analytics.domain import Stage
from analytics.formatting import NOT_IN_EXPORT
from analytics.metrics.types import Report

#: The delta text when a figure did not move (rounded as shown).
NO_CHANGE = "no change"


@dataclass(frozen=True, slots=True)
class Kpi:
    key: str
    label: str
    value: float | None
    text: str
    delta: str | None         # e.g. "+3", "-2 pts", "+$0.4M"; None when there is no previous month
    higher_is_better: bool
    help: str


def _headline(report: Report) -> dict[str, float | None]:
    funnel = report.funnel
    return {
        "initiatives": float(funnel.population),
        "in_pilot": float(funnel.stage_counts.get(Stage.PILOT, 0)),
        "in_production": float(funnel.stage_counts.get(Stage.PRODUCTION, 0)),
        "pilot_to_production": funnel.pilot_to_production,
        "p_production_12m": report.time_to_production.p_production_12m,
        "stalled": float(report.stalls.count),
        # None when the export gives no budget at all: unknown, not 0 (outcomes.not_captured).
        "stalled_budget": report.outcomes.stalled_budget,
    }


_SPEC: tuple[tuple[str, str, str, bool, str], ...] = (
    ("initiatives", "Initiatives", "count", True, "Initiatives in this month's export."),
    ("in_pilot", "In pilot", "count", True, "Initiatives whose stage is pilot now."),
    ("in_production", "In production", "count", True, "Initiatives whose stage is production now."),
    ("pilot_to_production", "Pilot → production", "pct", True,
     "Of the initiatives that ever reached pilot, the share that reached production."),
    ("p_production_12m", "In production within 12 months", "pct", True,
     "Estimated share of pilots in production within a year of pilot start; pilots still in "
     "progress count for as long as they have been followed, not as failures."),
    ("stalled", "Stalled", "count", False,
     "Pilot or scaling initiatives on hold or longer in their stage than the stall threshold."),
    ("stalled_budget", "Budget stuck in stalls", "money", False,
     "Approved budget of the stalled initiatives."),
)


def _format(kind: str, value: float | None, currency: str) -> str:
    if value is None or value != value:
        return "–"
    if kind == "expected":
        return f"{value:,.1f}"
    if kind == "pct":
        return format_pct(value)
    if kind == "money":
        return format_money(value, currency)
    return f"{value:,.0f}"


#: The change of a money figure between months in different currencies is not computed.
CURRENCY_CHANGED = "currency changed"


def _delta(kind: str, now: float | None, before: float | None, currency: str,
           before_currency: str) -> str | None:
    if now is None or before is None or now != now or before != before:
        return None
    if kind == "money" and currency != before_currency:
        # METRICS.md section 1: amounts in different currencies are never added or subtracted.
        return f"{CURRENCY_CHANGED} ({before_currency} to {currency})"
    change = now - before
    if kind == "expected":
        return NO_CHANGE if round(change, 1) == 0 else f"{change:+,.1f}"
    if kind == "pct":
        if round(change * 100) == 0:
            return NO_CHANGE
        return f"{change * 100:+.0f} pts"
    if round(change) == 0:
        return NO_CHANGE
    if kind == "money":
        text = format_money(abs(change), currency)
        return ("+" if change >= 0 else "-") + text
    return f"{change:+,.0f}"


#: The tile text of a rate from too few pilots to state one (MIN_GROUP, as the charts' titles).
TOO_FEW = "too few"


def _too_few(report: Report) -> dict[str, str]:
    """The rates a report has from fewer than MIN_GROUP pilots, with what their tile says
    instead: a percentage of so few swings with each initiative (the charts say the same)."""
    funnel, ttp = report.funnel, report.time_to_production
    shown: dict[str, str] = {}
    if funnel.reached_pilot < MIN_GROUP:
        shown["pilot_to_production"] = f"{funnel.reached_production} of {funnel.reached_pilot}"
    if ttp.included < MIN_GROUP:
        shown["p_production_12m"] = TOO_FEW
    return shown


def _too_few_help(key: str, report: Report) -> str:
    if key == "pilot_to_production":
        return (f" Shown as a count below {MIN_GROUP} pilots: {report.funnel.reached_pilot} have "
                f"reached pilot so far.")
    return f" Estimated from {MIN_GROUP} pilots followed; {report.time_to_production.included} so far."


def kpis(report: Report, previous: Report | None) -> tuple[Kpi, ...]:
    now = _headline(report)
    before = _headline(previous) if previous is not None else {}
    small = _too_few(report)
    small_before = _too_few(previous) if previous is not None else {}
    return tuple(
        Kpi(key, label, now[key],
            small.get(key) or _format(kind, now[key], report.currency),
            # An amount the export does not give (outcomes.not_captured) says so under its "–".
            NOT_IN_EXPORT if kind == "money" and now[key] is None
            else None if previous is None or key in small or key in small_before
            else _delta(kind, now[key], before.get(key), report.currency, previous.currency),
            better, help_text + (_too_few_help(key, report) if key in small else ""))
        for key, label, kind, better, help_text in _SPEC
    )


#: The Overview's tiles for the Decisions page (METRICS.md sections 8 and 10); the board pack's
#: headline slide keeps the seven above, and the pack has its own "Decisions needed" slide.
_DECISION_SPEC: tuple[tuple[str, str, str, bool, str], ...] = (
    ("launches_next_6m", "Expected launches, 6 months", "expected", True,
     "Expected number of initiatives in progress that reach production in the next six months, "
     "from how this portfolio's pilots of the same age fared (see the Decisions page)."),
    ("decisions", "Decisions awaiting the board", "count", False,
     "Stalled initiatives the board is asked to unblock (with the remedy for each cause) or "
     "stop (releasing the budget not yet spent); listed on the Decisions page."),
)


def _decision_figures(report: Report) -> dict[str, float | None]:
    return {
        "launches_next_6m": report.forecast.production_next_6m,
        "decisions": float(report.decisions.count),
    }


def decision_kpis(report: Report, previous: Report | None) -> tuple[Kpi, ...]:
    now = _decision_figures(report)
    before = _decision_figures(previous) if previous is not None else {}
    forecast = report.forecast
    return tuple(
        Kpi(key, label, now[key], _format(kind, now[key], report.currency),
            (_delta(kind, now[key], before.get(key), report.currency, previous.currency)
             if previous is not None else None),
            better,
            help_text + (f" 80% range: {forecast.production_next_6m_low} to "
                         f"{forecast.production_next_6m_high}." if key == "launches_next_6m" else ""))
        for key, label, kind, better, help_text in _DECISION_SPEC
    )
