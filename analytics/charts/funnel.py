"""The funnel, the conversion of each step, and the stage mix (METRICS.md section 3)."""
from __future__ import annotations

import plotly.graph_objects as go

from analytics.charts.common import (
    MIN_GROUP,
    empty_state,
    note,
    plural,
    reference_label,
    share_ticks,
    stage_label,
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
from analytics.domain import ALL_STAGES, Stage
from analytics.metrics.types import FunnelResult, ReferenceFigure, Report
from analytics.provenance import ChartContext

_FUNNEL_STEPS: tuple[Stage, ...] = (Stage.PILOT, Stage.SCALING, Stage.PRODUCTION)


def _funnel(source: Report | FunnelResult) -> FunnelResult:
    return source.funnel if isinstance(source, Report) else source


def _reached(funnel: FunnelResult, stage: Stage) -> int:
    return {
        Stage.PILOT: funnel.reached_pilot,
        Stage.SCALING: funnel.reached_scaling,
        Stage.PRODUCTION: funnel.reached_production,
    }[stage]


def funnel_chart(
    source: Report | FunnelResult, ctx: ChartContext, reference: ReferenceFigure | None = None,
) -> go.Figure:
    """Initiatives that reached pilot, scaling and production, with the conversion of each step.

    `reference` (a share, e.g. Gartner 2024's 48%) is drawn on the production bar where our
    count would end at that conversion, labelled as a survey figure.

    customdata: the stage (`"pilot"`, `"scaling"`, `"production"`) of each bar: the initiatives
    whose highest stage reached is at least that stage (`drilldown.reached`).
    """
    funnel = _funnel(source)
    fig = go.Figure()
    subtitle = (
        f"Initiatives in the {ctx.as_of:%B %Y} export by the highest stage they ever reached "
        f"({plural(funnel.population, 'initiative')} in all)"
    )
    if funnel.reached_pilot == 0:
        empty_state(fig, "No initiative in this view has reached pilot yet")
        return finish(fig, ctx, "No initiative has reached pilot yet", subtitle)

    counts = [_reached(funnel, s) for s in _FUNNEL_STEPS]
    labels = [f"Reached {stage_label(s).lower()}" for s in _FUNNEL_STEPS]
    span = max(counts) * 1.15
    ref_x = reference.value * funnel.reached_pilot if reference is not None else None
    if ref_x is not None:
        span = max(span, ref_x * 1.15)
    positions = ["outside"] * 3
    if ref_x is not None and 0 <= ref_x - counts[2] < 0.1 * span and counts[2] > 0.15 * span:
        positions[2] = "inside"  # the count would sit on the reference line
    fig.add_trace(go.Bar(
        orientation="h", x=counts, y=labels, name="Initiatives",
        marker_color=[STAGE_COLORS[s] for s in _FUNNEL_STEPS],
        text=[f"{c:,}" for c in counts], textposition=positions, insidetextanchor="end",
        customdata=[str(s) for s in _FUNNEL_STEPS],
        hovertemplate="%{y}: %{x:,} initiatives<extra></extra>",
    ))
    steps = (
        (0.5, funnel.pilot_to_scaling, "went on to scaling"),
        (1.5, funnel.scaling_to_production, "went on to production"),
    )
    for y, rate, words in steps:
        if rate is not None:
            fig.add_annotation(
                text=f"↓ {format_pct(rate)} {words}", x=0, y=y, xref="x", yref="y",
                xanchor="left", yanchor="middle", xshift=6, showarrow=False,
                font=dict(size=NOTE_SIZE, color=MUTED),
            )
    if ref_x is not None and reference is not None:
        _funnel_reference(fig, reference, ref_x, labels[2], span)
    fig.update_layout(bargap=0.5, showlegend=False)
    fig.update_xaxes(visible=False, range=[0, span])
    fig.update_yaxes(
        autorange=False, range=[2.9 if ref_x is not None else 2.5, -0.5], showgrid=False,
        ticks="", ticklabelstandoff=8,
    )
    if funnel.reached_pilot < MIN_GROUP:
        title = (f"Too few pilots to judge conversion: {funnel.reached_production} of "
                 f"{funnel.reached_pilot} reached production")
    else:
        title = (
            f"{format_pct(funnel.pilot_to_production)} of pilots reached production "
            f"({funnel.reached_production} of {funnel.reached_pilot})"
        )
    return finish(fig, ctx, title, subtitle, footer_gap=20)


def _funnel_reference(fig: go.Figure, ref: ReferenceFigure, x: float, row: str, span: float) -> None:
    fig.add_shape(
        type="line", x0=x, x1=x, y0=1.68, y1=2.3, xref="x", yref="y",
        line=dict(color=REFERENCE, width=2.5, dash="dash"),
    )
    fig.add_trace(go.Scatter(
        x=[x], y=[row], mode="markers", marker=dict(size=18, opacity=0), showlegend=False,
        name="Survey figure", hovertemplate=f"{ref.statement}<br>{reference_label(ref)}<extra></extra>",
    ))
    right = x > 0.5 * span
    note(
        fig, f"Survey figure: {format_pct(ref.value)} reach production<br>({reference_label(ref)})",
        x=x, y=2.3, xref="x", yref="y", yanchor="top", yshift=-2,
        xanchor="right" if right else "left", align="right" if right else "left",
    )


_CONVERSIONS: tuple[tuple[Stage, Stage], ...] = (
    (Stage.PILOT, Stage.SCALING),
    (Stage.SCALING, Stage.PRODUCTION),
    (Stage.PILOT, Stage.PRODUCTION),
)


def stage_conversion_chart(
    source: Report | FunnelResult, ctx: ChartContext, reference: ReferenceFigure | None = None,
) -> go.Figure:
    """Pilot → scaling, scaling → production and pilot → production (overall), weakest step
    emphasised. `reference` (a share) marks the overall bar, labelled as a survey figure.

    customdata: the step's destination stage (`"scaling"` or `"production"`): the initiatives
    that made that step (`drilldown.reached`).
    """
    funnel = _funnel(source)
    fig = go.Figure()
    subtitle = "Share of initiatives that reached the first stage and went on to reach the second"
    if funnel.reached_pilot == 0:
        empty_state(fig, "No initiative in this view has reached pilot yet")
        return finish(fig, ctx, "No conversion to show: no initiative has reached pilot", subtitle)

    rates = (funnel.pilot_to_scaling, funnel.scaling_to_production, funnel.pilot_to_production)
    labels = [f"{stage_label(a)} →<br>{stage_label(b).lower()}" for a, b in _CONVERSIONS]
    labels[2] += " (overall)"
    known = [(r, i) for i, r in enumerate(rates[:2]) if r is not None]
    weakest = min(known)[1] if known else None
    colors = [HIGHLIGHT if i == weakest else CONTEXT for i in range(3)]
    text = [
        "–" if r is None else f"<b>{format_pct(r)}</b><br>{_reached(funnel, b)} of {_reached(funnel, a)}"
        for r, (a, b) in zip(rates, _CONVERSIONS, strict=True)
    ]
    fig.add_trace(go.Bar(
        x=labels, y=[0.0 if r is None else r for r in rates], marker_color=colors,
        text=text, textposition="outside", name="Conversion",
        customdata=[str(b) for _, b in _CONVERSIONS],
        hovertext=[label.replace("<br>", " ") for label in labels],
        hovertemplate="%{hovertext}: %{y:.0%}<extra></extra>",
    ))
    top = max([r for r in rates if r is not None] + [reference.value if reference else 0.0])
    if reference is not None and reference.unit == "share":
        fig.add_shape(
            type="line", x0=1.6, x1=2.4, y0=reference.value, y1=reference.value, xref="x",
            yref="y", line=dict(color=REFERENCE, width=2, dash="dash"),
        )
        note(
            fig, f"Survey figure: {format_pct(reference.value)}<br>({reference_label(reference)})",
            x=2.42, y=reference.value, xref="x", yref="y", xanchor="left", align="left",
        )
    fig.update_layout(showlegend=False, bargap=0.45, margin=dict(r=150 if reference else 40))
    span = min(1.0, top) * 1.3 + 0.02
    fig.update_yaxes(range=[0, span], tickformat=".0%", tickvals=share_ticks(span), title_text="")
    fig.update_xaxes(ticks="", tickangle=0)
    if weakest is None:
        title = "No initiative has reached scaling yet"
    elif funnel.reached_pilot < MIN_GROUP:
        title = f"Too few pilots to judge which step is weakest ({funnel.reached_pilot} reached pilot)"
    else:
        a, b = _CONVERSIONS[weakest]
        title = (
            f"{stage_label(a)} → {stage_label(b).lower()} is the weakest step: "
            f"{format_pct(rates[weakest])} ({_reached(funnel, b)} of {_reached(funnel, a)})"
        )
    return finish(fig, ctx, title, subtitle, footer_gap=66)


def stage_mix_chart(source: Report | FunnelResult, ctx: ChartContext) -> go.Figure:
    """Initiatives per current stage (on-hold ones counted in the stage they hold).

    customdata: the stage of each bar (`drilldown.in_stage`).
    """
    funnel = _funnel(source)
    fig = go.Figure()
    on_hold = f", {funnel.on_hold} of them on hold" if funnel.on_hold else ""
    subtitle = f"Initiatives by their stage in the {ctx.as_of:%B %Y} export{on_hold}"
    if funnel.population == 0:
        empty_state(fig, "No initiatives in this view")
        return finish(fig, ctx, "No initiatives in this view", subtitle)
    counts = [int(funnel.stage_counts.get(s, 0)) for s in ALL_STAGES]
    fig.add_trace(go.Bar(
        x=[stage_label(s) for s in ALL_STAGES], y=counts,
        marker_color=[STAGE_COLORS[s] for s in ALL_STAGES],
        text=[f"{c:,}" for c in counts], textposition="outside", name="Initiatives",
        customdata=[str(s) for s in ALL_STAGES],
        hovertemplate="%{x}: %{y:,} initiatives<extra></extra>",
    ))
    fig.update_layout(showlegend=False, bargap=0.35)
    fig.update_yaxes(range=[0, max(counts) * 1.18], visible=False)
    fig.update_xaxes(ticks="", tickangle=0)
    production = funnel.stage_counts.get(Stage.PRODUCTION, 0)
    pilot = funnel.stage_counts.get(Stage.PILOT, 0)
    title = (
        f"{production} of {plural(funnel.population, 'initiative')} are in production; "
        f"{pilot} are in pilot"
    )
    return finish(fig, ctx, title, subtitle, footer_gap=44)
