"""Conversion over the snapshot months, and conversion by business unit or solution type."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from analytics.charts.common import (
    MIN_GROUP,
    empty_state,
    fit_rows,
    group_key,
    is_missing,
    month_label,
    note,
    plain,
    row_font,
    share_ticks,
    short_label,
)
from analytics.charts.theme import (
    CONTEXT,
    HIGHLIGHT,
    MUTED,
    NOTE_SIZE,
    REFERENCE,
    STAGE_COLORS,
    finish,
    format_pct,
)
from analytics.domain import Stage
from analytics.metrics.types import NOT_SET, Report
from analytics.provenance import ChartContext

_RATE_WORDS: dict[str, tuple[str, str, str]] = {
    # column: (what it is, numerator column, denominator column)
    "pilot_to_production": ("pilot-to-production conversion", "reached_production", "reached_pilot"),
    "pilot_to_scaling": ("pilot-to-scaling conversion", "reached_scaling", "reached_pilot"),
    "scaling_to_production": ("scaling-to-production conversion", "reached_production", "reached_scaling"),
    "p_production_12m": ("estimated share in production within 12 months", "", ""),
}
_COUNT_SERIES: tuple[Stage, ...] = (Stage.PILOT, Stage.SCALING, Stage.PRODUCTION)


def conversion_trend_chart(trend: pd.DataFrame, ctx: ChartContext) -> go.Figure:
    """Pilot-to-production conversion per snapshot month (top) and the initiatives that had
    reached pilot, scaling and production (bottom), lines labelled at their ends.

    `trend` is `analytics.metrics.trend(...)`: one row per month with as_of, reached_pilot,
    reached_scaling, reached_production, pilot_to_production.

    customdata: the month (`"2025-06-01"`, ISO date of its first day) of each point.
    """
    frame = trend.sort_values("as_of").reset_index(drop=True)
    subtitle = "Pilot-to-production conversion at each month-end, and how many had reached each stage"
    if frame.empty:
        fig = go.Figure()
        empty_state(fig, "No snapshot months loaded")
        return finish(fig, ctx, "No months to compare yet", subtitle)
    months = pd.to_datetime(frame["as_of"])
    keys = [f"{m:%Y-%m-%d}" for m in months]
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.5, 0.5], vertical_spacing=0.14)
    rate = frame["pilot_to_production"].astype(float)
    fig.add_trace(go.Scatter(
        x=months, y=rate, mode="lines+markers", name="Pilot → production",
        line=dict(color=HIGHLIGHT), marker=dict(size=7), customdata=keys,
        hovertemplate="%{x|%b %Y}: %{y:.0%} of pilots reached production<extra></extra>",
    ), row=1, col=1)
    last_rate = rate.iloc[-1]
    if not is_missing(last_rate):
        fig.add_annotation(
            text=f"<b>{format_pct(last_rate)}</b>", x=months.iloc[-1], y=last_rate, xref="x",
            yref="y", xanchor="left", xshift=10, showarrow=False, font=dict(color=HIGHLIGHT),
        )
    top_count = max(float(frame[f"reached_{s.value}"].max()) for s in _COUNT_SERIES)
    count_top = top_count * 1.12 + 1
    ends = {s: float(frame[f"reached_{s.value}"].iloc[-1]) for s in _COUNT_SERIES}
    for stage, label_y in zip(_COUNT_SERIES, _spread(list(ends.values()), 0.15 * count_top), strict=True):
        values = frame[f"reached_{stage.value}"].astype(float)
        fig.add_trace(go.Scatter(
            x=months, y=values, mode="lines", name=f"Reached {stage.value}",
            line=dict(color=STAGE_COLORS[stage], width=2.5), customdata=keys,
            hovertemplate=f"%{{x|%b %Y}}: %{{y:,.0f}} had reached {stage.value}<extra></extra>",
        ), row=2, col=1)
        fig.add_annotation(
            text=f"{int(ends[stage]):,} {stage.value}", x=months.iloc[-1], y=label_y,
            xref="x2", yref="y2", xanchor="left", xshift=8, showarrow=False,
            font=dict(size=NOTE_SIZE, color=STAGE_COLORS[stage]),
        )
    note(fig, "Pilot → production", x=0, y=1.0, xref="x domain", yref="y domain",
         xanchor="left", yanchor="bottom", yshift=4, font=dict(size=NOTE_SIZE, color=MUTED))
    # Counts only grow, so the top left of the lower panel is free for its label.
    note(fig, "Initiatives that had reached…", x=0, y=1.0, xref="x2 domain", yref="y2 domain",
         xanchor="left", yanchor="top", xshift=6, font=dict(size=NOTE_SIZE, color=MUTED))
    top_rate = float(rate.max()) if rate.notna().any() else 0.1
    rate_span = min(1.0, top_rate * 1.3 + 0.02)
    fig.update_yaxes(tickformat=".0%", range=[0, rate_span], tickvals=share_ticks(rate_span), row=1, col=1)
    fig.update_yaxes(range=[0, count_top], nticks=4, row=2, col=1)
    pad = pd.Timedelta(days=15)
    span = [months.iloc[0] - pad, months.iloc[-1] + pad]
    fig.update_xaxes(tickformat="%b<br>%Y", dtick="M3" if len(months) > 8 else "M1", ticks="outside",
                     range=span, row=2, col=1)
    fig.update_xaxes(showticklabels=False, ticks="", range=span, row=1, col=1)
    fig.update_layout(showlegend=False, margin=dict(r=130))
    title = _trend_title(months, rate)
    piloted = int(frame["reached_pilot"].iloc[-1]) if len(frame) else 0
    if rate.notna().any() and piloted < MIN_GROUP:
        title = f"Too few pilots to judge a trend: {piloted} reached pilot by {month_label(months.iloc[-1])}"
    return finish(fig, ctx, title, subtitle, footer_gap=62)


def _spread(values: list[float], gap: float) -> list[float]:
    """Label positions near `values` but at least `gap` apart (end labels of close lines)."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    placed = [0.0] * len(values)
    floor = float("-inf")
    for i in order:
        placed[i] = max(values[i], floor + gap)
        floor = placed[i]
    return placed


def _trend_title(months: pd.Series, rate: pd.Series) -> str:
    known = rate.notna()
    if not known.any():
        return "No initiative has reached pilot in any month yet"
    first, last = rate[known].iloc[0], rate[known].iloc[-1]
    since = month_label(months[known].iloc[0])
    if known.sum() == 1:
        return f"Pilot-to-production conversion is {format_pct(last)} in {since}"
    if round(first * 100) == round(last * 100):
        return f"Pilot-to-production conversion has held at {format_pct(last)} since {since}"
    word = "risen" if last > first else "fallen"
    return (
        f"Pilot-to-production conversion has {word} from {format_pct(first)} to "
        f"{format_pct(last)} since {since}"
    )


#: Groups with fewer pilots than this are shown but not named in the title (a rate of 1 of 2 is
#: no finding).
TITLE_MIN_PILOTS = MIN_GROUP


def group_label(value: object, by: str) -> str:
    key = group_key(value)
    if key == NOT_SET or by != "solution_type":
        return plain(key)
    return plain(key.capitalize())


#: The row label of the whole population's own rate, drawn under the groups.
OVERALL_LABEL = "All initiatives"


def breakdown_chart(
    frame: pd.DataFrame, ctx: ChartContext, by: str = "business_unit",
    measure: str = "pilot_to_production", overall: Report | None = None,
) -> go.Figure:
    """One horizontal bar per business unit or solution type (`by`): the conversion `measure`
    (pilot_to_production, pilot_to_scaling, scaling_to_production or p_production_12m), best
    at the top, labelled with the counts behind it. `overall` (the unfiltered Report of the
    same month) adds a dark "All initiatives" bar at the bottom for comparison.

    `frame` is `analytics.metrics.breakdown(rows, as_of, by=by)`.

    customdata: the group value (`NOT_SET` for initiatives without one): `drilldown.in_group`;
    the "All initiatives" bar has none (it is the whole page).
    """
    if measure not in _RATE_WORDS:
        raise ValueError(f"measure {measure!r}: choose one of {', '.join(_RATE_WORDS)}")
    what, numerator, denominator = _RATE_WORDS[measure]
    noun = "business unit" if by == "business_unit" else "solution type"
    fig = go.Figure()
    subtitle = f"{what.capitalize()} by {noun}; counts show how many made the step"
    if frame.empty:
        empty_state(fig, "No initiatives in this view")
        return finish(fig, ctx, f"No {noun}s to compare", subtitle)
    ordered = frame.assign(_rate=frame[measure].astype(float)).sort_values(
        ["_rate", by], ascending=[True, False], na_position="first",
    )
    rates = ordered["_rate"]
    labels = [group_label(v, by) for v in ordered[by]]
    # The axis shows abbreviated names (the full name is in the hover and the title).
    ticks = [plain(short_label(group_key(v).capitalize() if by == "solution_type" else group_key(v)))
             for v in ordered[by]]
    size = row_font(len(labels) + (overall is not None))
    if numerator:
        counts = [
            f"{int(a)} of {int(b)}" for a, b in zip(ordered[numerator], ordered[denominator], strict=True)
        ]
    else:
        counts = [f"{int(n)} followed" for n in ordered["ttp_included"]]
    text = [
        "no pilots yet" if is_missing(r) else f"<b>{format_pct(r)}</b>  ({c})"
        for r, c in zip(rates, counts, strict=True)
    ]
    best = rates.idxmax() if rates.notna().any() else None
    top = max(float(rates.max()) if rates.notna().any() else 0.0, 0.05)
    if overall is not None:
        whole = _overall(overall, measure)
        if whole is not None:
            fig.add_trace(go.Bar(
                orientation="h", x=[whole[0]], y=[OVERALL_LABEL], marker_color=REFERENCE,
                text=[f"<b>{format_pct(whole[0])}</b>  ({whole[1]})"], textposition="outside",
                name=OVERALL_LABEL, hovertemplate="%{y}: %{x:.0%}<extra></extra>",
            ))
            top = max(top, whole[0])
    fig.add_trace(go.Bar(
        orientation="h", x=rates.fillna(0.0), y=ticks, text=text, textposition="outside",
        marker_color=[HIGHLIGHT if i == best else CONTEXT for i in ordered.index],
        customdata=[group_key(v) for v in ordered[by]], name=what, hovertext=labels,
        hovertemplate="%{hovertext}: %{x:.0%}<extra></extra>", textfont=dict(size=size),
    ))
    fig.update_layout(showlegend=False, bargap=0.35 if len(labels) <= 9 else 0.2)
    span = min(1.0, top) * 1.6
    fig.update_xaxes(range=[0, span], tickformat=".0%", tickvals=share_ticks(span), showgrid=True)
    fig.update_yaxes(showgrid=False, ticks="", ticklabelstandoff=6, tickfont=dict(size=size))
    figure = finish(fig, ctx, _breakdown_title(ordered, labels, measure, what, by), subtitle, footer_gap=48)
    return fit_rows(figure, len(labels) + (overall is not None))


def _overall(report: Report, measure: str) -> tuple[float, str] | None:
    """The whole population's rate for `measure`, with its counts, from the report."""
    if measure == "p_production_12m":
        value = report.time_to_production.p_production_12m
        return None if value is None else (value, f"{report.time_to_production.included} followed")
    value = getattr(report.funnel, measure)
    if value is None:
        return None
    _, numerator, denominator = _RATE_WORDS[measure]
    return value, f"{getattr(report.funnel, numerator)} of {getattr(report.funnel, denominator)}"


def _breakdown_title(ordered: pd.DataFrame, labels: list[str], measure: str, what: str, by: str) -> str:
    denominator = _RATE_WORDS[measure][2] or "ttp_included"
    named = ordered.assign(_label=labels)
    big = named.loc[named[denominator].astype(float) >= TITLE_MIN_PILOTS]
    pool = big.loc[big["_rate"].notna()]
    noun = "business unit" if by == "business_unit" else "solution type"
    if pool.empty:
        return f"Too few pilots in any {noun} to compare: none has {TITLE_MIN_PILOTS} or more"
    high, low = pool.iloc[-1], pool.iloc[0]
    if len(pool) == 1 or round(high["_rate"] * 100) == round(low["_rate"] * 100):
        return f"{high['_label']}: {what} {format_pct(high['_rate'])}"
    return (
        f"{what.capitalize()} ranges from {format_pct(high['_rate'])} in {high['_label']} "
        f"to {format_pct(low['_rate'])} in {low['_label']}"
    )
