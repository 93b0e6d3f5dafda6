"""From numbers to decisions (METRICS.md sections 7-9): the evidence for each cause, the
initiatives most likely to launch, and the pilots against the five readiness checks.

Titles state associations in this portfolio, never causes: "pilots with a named owner reached
production 3x as often", not "a named owner triples launches".
"""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from analytics.charts.common import cause_label, empty_state, lower_first, plural, unreadable_note
from analytics.charts.theme import (
    CAUSE_COLORS,
    CONTEXT,
    HIGHLIGHT,
    IMMATURE,
    MUTED,
    NOTE_SIZE,
    STALLED,
    finish,
    format_pct,
)
from analytics.domain import CAUSE_CHECKS, CAUSES
from analytics.metrics.evidence import group, ratio
from analytics.metrics.readiness import most_failed
from analytics.metrics.types import (
    CLEAR,
    FLAGGED,
    MIN_COMPARABLE,
    Evidence,
    Forecast,
    Readiness,
    Report,
)
from analytics.provenance import ChartContext
from analytics.text import escape_plotly

TOO_FEW = "too few to compare"
MET, NOT_MET = "Check met", "Check not met"
#: How many initiatives the forecast chart lists.
FORECAST_TOP = 10
#: Ten bars with their labels need more room than the default chart height (px).
EVIDENCE_HEIGHT = 620
#: Room under the plot for tick labels and an axis title before the footer (px).
AXIS_TITLE_GAP = 88
#: A ratio at least this large is worded "Nx as often"; below it, the two rates are given.
RATIO_WORDING = 1.5


def _evidence(source: Report | Evidence) -> Evidence:
    return source.evidence if isinstance(source, Report) else source


def _forecast(source: Report | Forecast) -> Forecast:
    return source.forecast if isinstance(source, Report) else source


def _readiness(source: Report | Readiness) -> Readiness:
    return source.readiness if isinstance(source, Report) else source


def evidence_finding(source: Report | Evidence, cause: str) -> str:
    """One cause's comparison as a sentence of association, or why there is none."""
    result = _evidence(source)
    check = lower_first(CAUSE_CHECKS[cause])
    met, unmet = group(result, cause, CLEAR), group(result, cause, FLAGGED)
    if met["too_few"] or unmet["too_few"]:
        return f"Pilots with and without {check}: too few to compare (n = {met['n']} and {unmet['n']})"
    high, low = met["p_production_12m"], unmet["p_production_12m"]
    if np.isnan(high) or np.isnan(low):
        return f"Pilots with and without {check}: not yet followed for a year"
    times = ratio(result, cause)
    if times is not None and times >= RATIO_WORDING:
        return f"Pilots with {check} reached production within a year {times:.1f}x as often as those without"
    if low == 0 and high > 0:
        return (f"{format_pct(high)} of pilots with {check} reached production within a year; "
                f"none of those without")
    return (f"Pilots with {check} reached production within a year about as often as those "
            f"without ({format_pct(high)} vs {format_pct(low)})")


def strongest_cause(source: Report | Evidence) -> str | None:
    """The comparable cause with the widest gap between its two groups' rates, or None."""
    result = _evidence(source)
    best, gap = None, 0.0
    for cause in CAUSES:
        met, unmet = group(result, cause, CLEAR), group(result, cause, FLAGGED)
        if met["too_few"] or unmet["too_few"]:
            continue
        difference = met["p_production_12m"] - unmet["p_production_12m"]
        if not np.isnan(difference) and difference > gap:
            best, gap = str(cause), float(difference)
    return best


def evidence_chart(source: Report | Evidence, ctx: ChartContext) -> go.Figure:
    """For each cause, the share of pilots in production within a year among those that met
    its check on their first pilot month against those that did not, each bar with its n.
    A group under MIN_COMPARABLE is drawn pale and says it is too few to compare.

    customdata: [cause key, "flagged" | "clear"] of each bar.
    """
    result = _evidence(source)
    fig = go.Figure()
    subtitle = (f"Share in production within a year of pilot start, by whether the check was "
                f"met in the first pilot month; groups under {MIN_COMPARABLE} pilots are pale")
    if int(result.table["n"].max() if len(result.table) else 0) == 0:
        empty_state(fig, "No pilots followed yet")
        return finish(fig, ctx, "No pilots to compare yet", subtitle)
    strongest = strongest_cause(result)
    title = (evidence_finding(result, strongest) if strongest is not None
             else "Too few pilots followed to compare the five checks yet")
    # A check whose field the export never fills puts every pilot on one side: hatched, and
    # the footer says so, as on the stall-cause charts.
    unreadable = source.stalls.unreadable if isinstance(source, Report) else ()
    # Plotly stacks a horizontal group's first trace lowest: "not met" first puts "met" on top.
    for side, name, colour in ((FLAGGED, NOT_MET, STALLED), (CLEAR, MET, HIGHLIGHT)):
        rows = [group(result, cause, side) for cause in reversed(CAUSES)]
        values = [0.0 if r["too_few"] or np.isnan(r["p_production_12m"]) else float(r["p_production_12m"])
                  for r in rows]
        text = [
            f"{TOO_FEW} (n = {r['n']})" if r["too_few"]
            else f"{format_pct(r['p_production_12m'])} (n = {r['n']})" if not np.isnan(r["p_production_12m"])
            else f"not yet a year (n = {r['n']})"
            for r in rows
        ]
        fig.add_trace(go.Bar(
            y=[CAUSE_CHECKS[c] for c in reversed(CAUSES)], x=values, name=name, orientation="h",
            marker_color=[IMMATURE if r["too_few"] else colour for r in rows],
            marker_pattern_shape=["/" if c in unreadable else "" for c in reversed(CAUSES)],
            text=text, textposition="outside", constraintext="none", textfont={"size": NOTE_SIZE},
            customdata=[[str(c), side] for c in reversed(CAUSES)],
            hovertemplate="%{y}, " + lower_first(name) + ": %{text}<extra></extra>",
        ))
    top = float(result.table.loc[~result.table["too_few"], "p_production_12m"].max(skipna=True) or 0.0)
    top = top if np.isfinite(top) and top > 0 else 0.5
    fig.update_layout(
        barmode="group", bargap=0.3, bargroupgap=0.05, height=EVIDENCE_HEIGHT,
        xaxis={"range": [0, top * 1.6], "tickformat": ".0%", "title": "In production within a year"},
        legend={"traceorder": "reversed"},
    )
    return finish(fig, ctx, title, subtitle, footer_gap=AXIS_TITLE_GAP, note=unreadable_note(unreadable))


def forecast_title(source: Report | Forecast) -> str:
    result = _forecast(source)
    expected = result.production_next_6m
    if result.initiatives.empty:
        return "No pilot in progress to forecast"
    amount = f"{expected:.1f}" if expected < 10 else f"{expected:.0f}"
    return (f"About {amount} launches expected in the next six months "
            f"(80% range {result.production_next_6m_low} to {result.production_next_6m_high})")


def forecast_chart(source: Report | Forecast, ctx: ChartContext, top: int = FORECAST_TOP) -> go.Figure:
    """The initiatives in progress most likely to reach production within the next six
    months, with their chances, read off how pilots of the same age fared in this portfolio.

    customdata: the initiative_id of each bar.
    """
    result = _forecast(source)
    fig = go.Figure()
    followed = len(result.initiatives)
    subtitle = (f"Chance of launch in the next six months for the {min(top, followed)} most likely "
                f"of {plural(followed, 'initiative')} still in progress, from how pilots of the same age fared"
                if followed else "Chance of launch in the next six months of each initiative still in progress")
    listed = result.initiatives.head(top)
    if listed.empty or float(listed["chance"].max()) == 0.0:
        empty_state(fig, "No launch expected from this portfolio's history")
        return finish(fig, ctx, forecast_title(result), subtitle)
    listed = listed.iloc[::-1]
    labels = [escape_plotly(f"{name} ({iid})")
              for name, iid in zip(listed["name"], listed["initiative_id"], strict=True)]
    fig.add_trace(go.Bar(
        y=labels, x=listed["chance"].to_numpy(dtype=float), orientation="h", marker_color=HIGHLIGHT,
        text=[format_pct(c) for c in listed["chance"]], textposition="outside",
        customdata=listed["initiative_id"].tolist(), hovertemplate="%{y}: %{x:.0%}<extra></extra>",
    ))
    fig.update_layout(
        showlegend=False,
        xaxis={"range": [0, min(1.0, float(listed["chance"].max()) * 1.3) or 1.0], "tickformat": ".0%",
                   "title": "Chance of launch in the next six months"},
        height=max(450, 110 + 42 * len(listed)),
    )
    return finish(fig, ctx, forecast_title(result), subtitle, footer_gap=AXIS_TITLE_GAP)


def readiness_title(source: Report | Readiness) -> str:
    result = _readiness(source)
    if result.pilots == 0:
        return "No pilots to check this month"
    worst = most_failed(result)
    head = f"{result.ready_to_scale} of {plural(result.pilots, 'pilot')} pass all five checks"
    if worst is None:
        return head
    return f"{head}; most often missing: {lower_first(CAUSE_CHECKS[worst])} ({result.failing[worst]})"


def readiness_chart(source: Report | Readiness, ctx: ChartContext) -> go.Figure:
    """How many of the current pilots fail each of the five checks, most failed first.

    customdata: the cause key of each bar.
    """
    result = _readiness(source)
    fig = go.Figure()
    subtitle = (f"Pilots now in progress that fail each check (one pilot can fail several); "
                f"{plural(result.ready_to_scale, 'pilot')} fail none" if result.pilots
                else "Pilots now in progress that fail each of the five checks")
    if result.pilots == 0:
        empty_state(fig, "No pilots this month")
        return finish(fig, ctx, readiness_title(result), subtitle)
    note = unreadable_note(source.stalls.unreadable) if isinstance(source, Report) else ""
    order = sorted(CAUSES, key=lambda c: (result.failing[c], -CAUSES.index(c)))
    counts = [result.failing[c] for c in order]
    fig.add_trace(go.Bar(
        y=[CAUSE_CHECKS[c] for c in order], x=counts, orientation="h",
        marker_color=[CAUSE_COLORS[c] for c in order],
        text=[f"{n} of {result.pilots}" for n in counts], textposition="outside",
        customdata=[str(c) for c in order],
        hovertext=[f"{cause_label(c)}: {n} of {result.pilots} pilots fail this check"
                   for c, n in zip(order, counts, strict=True)],
        hovertemplate="%{hovertext}<extra></extra>",
    ))
    fig.update_layout(
        showlegend=False,
        xaxis={"range": [0, max(max(counts), 1) * 1.3], "title": "Pilots failing the check",
                   "linecolor": MUTED, "gridcolor": CONTEXT},
    )
    return finish(fig, ctx, readiness_title(result), subtitle, footer_gap=AXIS_TITLE_GAP, note=note)
