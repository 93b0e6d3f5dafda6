"""Time to production: the Aalen-Johansen cumulative incidence curve (METRICS.md section 4)."""
from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go

from analytics.charts.common import (
    DAYS_PER_MONTH,
    MIN_GROUP,
    empty_state,
    note,
    plural,
    reference_label,
)
from analytics.charts.theme import (
    BACKGROUND,
    INK,
    MUTED,
    NOTE_SIZE,
    REFERENCE,
    STAGE_COLORS,
    finish,
    format_pct,
)
from analytics.domain import Stage
from analytics.metrics.types import YEAR_DAYS, ReferenceFigure, Report, TimeToProduction
from analytics.provenance import ChartContext

#: Months at which the numbers at risk are shown under the axis.
AT_RISK_MONTHS: tuple[int, ...] = (0, 3, 6, 9, 12, 18, 24)
CURVE_NAME = "Share in production"


def _ttp(source: Report | TimeToProduction) -> TimeToProduction:
    return source.time_to_production if isinstance(source, Report) else source


def month_day(month: int) -> int:
    """The whole day a month mark falls on (12 -> 365, 24 -> 730)."""
    return round(month * DAYS_PER_MONTH)


def _reference_months(ref: ReferenceFigure) -> float:
    return ref.value / DAYS_PER_MONTH if ref.unit == "days" else float(ref.value)


def time_to_production_chart(
    source: Report | TimeToProduction, ctx: ChartContext, reference: ReferenceFigure | None = None,
) -> go.Figure:
    """Cumulative share of pilots in production by months since pilot start (days 0-730).

    The 12-month point is marked with its value, the observed median sits beside it with its
    caveat, `reference` (a duration, e.g. Gartner's ~8 months) is a dotted line labelled as a
    survey figure, and the numbers still followed (at risk) run under the axis ticks.

    customdata: the day (0-730) of each curve point.
    """
    ttp = _ttp(source)
    fig = go.Figure()
    subtitle = (
        "Estimated share of pilots in production by months from the pilot start date; stopped "
        "pilots never get there, those still in progress count until now"
    )
    curve = ttp.curve.loc[ttp.curve["cif"].notna()]
    if ttp.included == 0 or curve.empty:
        empty_state(fig, "No pilot with a known start date to follow yet")
        return finish(fig, ctx, "No time-to-production estimate yet", subtitle)

    days = curve["day"].to_numpy(dtype=int)
    cif = curve["cif"].to_numpy(dtype=float)
    at_risk = ttp.curve.set_index("day")["at_risk"]
    fig.add_trace(go.Scatter(
        x=days / DAYS_PER_MONTH, y=cif, mode="lines", line_shape="hv", name=CURVE_NAME,
        line=dict(color=STAGE_COLORS[Stage.PRODUCTION], width=3.5), customdata=days,
        hovertext=[f"{int(at_risk.get(d, 0))} still followed" for d in days],
        hovertemplate="Day %{customdata} (%{x:.1f} months): %{y:.0%} in production"
                      "<br>%{hovertext}<extra></extra>",
    ))
    highest = float(np.nanmax(cif))
    top = _y_top(highest)
    p12 = ttp.p_production_12m
    if p12 is not None:
        fig.add_trace(go.Scatter(
            x=[YEAR_DAYS / DAYS_PER_MONTH], y=[p12], mode="markers", name="At 12 months",
            marker=dict(size=14, color=STAGE_COLORS[Stage.PRODUCTION], line=dict(color=BACKGROUND, width=3)),
            customdata=[YEAR_DAYS], hovertemplate="At 12 months: %{y:.0%}<extra></extra>",
        ))
    _key_figures(fig, ttp, top, highest)
    if reference is not None:
        _reference(fig, reference)
    ticks = [m for m in AT_RISK_MONTHS if month_day(m) <= int(ttp.curve["day"].max())]
    fig.update_xaxes(
        range=[-0.3, 24.5], tickvals=[month_day(m) / DAYS_PER_MONTH for m in ticks],
        ticktext=[
            f"{m}<br><span style='color:{MUTED};font-size:{NOTE_SIZE}px'>"
            f"{int(at_risk.get(month_day(m), 0))}</span>"
            for m in ticks
        ],
        showgrid=False,
    )
    fig.add_annotation(
        text=f"Months<br><span style='color:{MUTED};font-size:{NOTE_SIZE}px'>Still followed</span>",
        xref="paper", yref="paper", x=0.0, y=0.0, xanchor="right", yanchor="top", xshift=-14,
        yshift=-6, showarrow=False, align="right", font=dict(color=INK),
    )
    step = 0.1 if top <= 0.6 else 0.2
    fig.update_yaxes(
        range=[0, top], tickformat=".0%",
        tickvals=[round(v, 2) for v in np.arange(step, top + 1e-9, step)],
    )
    # Room at the left for the "Months / At risk" row labels.
    fig.update_layout(showlegend=False, margin=dict(l=110))
    return finish(fig, ctx, _title(ttp), subtitle, footer_gap=62)


def _y_top(highest: float) -> float:
    """Room above the curve for the reference label and the key figures."""
    return min(1.0, math.ceil((highest + 0.3) * 10) / 10)


def _median_text(ttp: TimeToProduction) -> str | None:
    if ttp.median_days_observed is None:
        return None
    produced = int(
        ((ttp.subjects["outcome"] == str(Stage.PRODUCTION)) & ttp.subjects["left_out_reason"].isna()).sum()
    )
    months = ttp.median_days_observed / DAYS_PER_MONTH
    return (
        f"Median {months:.1f} months to production,<br>among the {plural(produced, 'pilot')} "
        f"that reached it"
    )


def _key_figures(fig: go.Figure, ttp: TimeToProduction, top: float, highest: float) -> None:
    """The 12-month value and the observed median, beside the 12-month point where the
    curve leaves room (below it and to the right), else in the top right corner."""
    lines = []
    if ttp.p_production_12m is not None:
        lines.append(f"<b>{format_pct(ttp.p_production_12m)} in production by 12 months</b>")
    median = _median_text(ttp)
    if median:
        lines.append(f"<span style='color:{MUTED};font-size:{NOTE_SIZE}px'>{median}</span>")
    if not lines:
        return
    p12 = ttp.p_production_12m
    if p12 is None:
        where = dict(x=1.0, y=0.02, xref="paper", yref="paper", xanchor="right", yanchor="bottom",
                     align="right")
    elif p12 >= 0.3 * top:
        # Right of day 365 the curve only rises, so below-right of the point is empty.
        where = dict(x=YEAR_DAYS / DAYS_PER_MONTH, y=p12, xref="x", yref="y", xanchor="left",
                     yanchor="top", xshift=14, yshift=-10, align="left")
    else:
        # A low curve leaves no room below the point: the text sits above the curve's
        # maximum, straight above the point, with a vertical leader line down to it (the
        # curve is lower on the left and higher on the right, so the line never crosses it).
        fig.add_annotation(
            text="<br>".join(lines), x=YEAR_DAYS / DAYS_PER_MONTH, y=p12, xref="x", yref="y",
            ax=YEAR_DAYS / DAYS_PER_MONTH, ay=highest + 0.05 * top, axref="x", ayref="y",
            xanchor="left", yanchor="bottom", align="left", showarrow=True, arrowhead=0,
            arrowwidth=1.5, arrowcolor=MUTED, standoff=9, name="key_figures",
        )
        return
    fig.add_annotation(text="<br>".join(lines), showarrow=False, name="key_figures", **where)


def _reference(fig: go.Figure, ref: ReferenceFigure) -> None:
    months = _reference_months(ref)
    fig.add_shape(
        type="line", x0=months, x1=months, y0=0, y1=1, xref="x", yref="paper",
        line=dict(color=REFERENCE, width=2, dash="dot"),
    )
    # Left of the line the curve is still low, so the top left is free for the label.
    left = months >= 6
    note(
        fig, f"Survey figure: ~{months:.0f} months<br>prototype to production<br>({reference_label(ref)})",
        x=months, y=1.0, xref="x", yref="paper", xanchor="right" if left else "left",
        yanchor="top", xshift=-6 if left else 6, align="right" if left else "left",
    )


def _title(ttp: TimeToProduction) -> str:
    if ttp.included < MIN_GROUP:
        return f"Too few pilots followed to judge time to production ({ttp.included})"
    if ttp.p_production_12m is not None:
        return f"An estimated {format_pct(ttp.p_production_12m)} of pilots reach production within 12 months"
    followed = int(ttp.subjects.loc[ttp.subjects["left_out_reason"].isna(), "days"].max())
    return (
        f"Too early for a 12-month figure: the longest-running pilot has "
        f"{followed / DAYS_PER_MONTH:.0f} months of history"
    )
