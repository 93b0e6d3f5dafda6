"""The Overview's headline tiles: each figure, formatted, with its change since last month."""
from __future__ import annotations

from dataclasses import dataclass

from analytics.charts.theme import format_money, format_pct
from analytics.domain import Stage
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
        "stalled_budget": float(report.stalls.budget),
    }


_SPEC: tuple[tuple[str, str, str, bool, str], ...] = (
    ("initiatives", "Initiatives", "count", True, "Initiatives in this month's export."),
    ("in_pilot", "In pilot", "count", True, "Initiatives whose stage is pilot now."),
    ("in_production", "In production", "count", True, "Initiatives whose stage is production now."),
    ("pilot_to_production", "Pilot → production", "pct", True,
     "Of the initiatives that ever reached pilot, the share that reached production."),
    ("p_production_12m", "In production within 12 months", "pct", True,
     "Estimated share of pilots in production within a year of pilot start (Aalen-Johansen; "
     "young pilots are not counted as failures)."),
    ("stalled", "Stalled", "count", False,
     "Pilot or scaling initiatives on hold or longer in their stage than the stall threshold."),
    ("stalled_budget", "Budget stuck in stalls", "money", False,
     "Approved budget of the stalled initiatives."),
)


def _format(kind: str, value: float | None) -> str:
    if value is None or value != value:
        return "–"
    if kind == "pct":
        return format_pct(value)
    if kind == "money":
        return format_money(value)
    return f"{value:,.0f}"


def _delta(kind: str, now: float | None, before: float | None) -> str | None:
    if now is None or before is None or now != now or before != before:
        return None
    change = now - before
    if kind == "pct":
        if round(change * 100) == 0:
            return NO_CHANGE
        return f"{change * 100:+.0f} pts"
    if round(change) == 0:
        return NO_CHANGE
    if kind == "money":
        text = format_money(abs(change))
        return ("+" if change >= 0 else "-") + text
    return f"{change:+,.0f}"


def kpis(report: Report, previous: Report | None) -> tuple[Kpi, ...]:
    now = _headline(report)
    before = _headline(previous) if previous is not None else {}
    return tuple(
        Kpi(key, label, now[key], _format(kind, now[key]),
            _delta(kind, now[key], before.get(key)) if previous is not None else None,
            better, help_text)
        for key, label, kind, better, help_text in _SPEC
    )
