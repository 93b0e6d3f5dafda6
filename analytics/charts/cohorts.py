"""12-month conversion by pilot-start quarter (METRICS.md section 3, cohorts)."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from analytics.charts.common import MIN_GROUP, empty_state, note, plural, share_ticks
from analytics.charts.theme import (
    GRID,
    HIGHLIGHT,
    IMMATURE,
    IMMATURE_EDGE,
    IMMATURE_PATTERN,
    MUTED,
    NOTE_SIZE,
    finish,
    format_pct,
)
from analytics.metrics.types import Report
from analytics.provenance import ChartContext

MATURE_NAME = "In production within 12 months"
IMMATURE_NAME = "Too young to judge (so far)"


def _cohorts(source: Report | pd.DataFrame) -> pd.DataFrame:
    return source.cohorts if isinstance(source, Report) else source


#: Quarters shown: three years fit a narrow browser column without rotated labels.
MAX_COHORTS = 12


def cohort_chart(
    source: Report | pd.DataFrame, ctx: ChartContext, max_cohorts: int = MAX_COHORTS,
) -> go.Figure:
    """12-month conversion of each pilot-start quarter (the latest `max_cohorts`), with cohort
    sizes under the axis.

    Cohorts younger than 12 months (`mature` false) are never drawn as a rate: they are pale,
    hatched bars of the share in production *so far*, in a shaded band labelled "too young to
    judge", and their bar text reads "so far: k of n".

    customdata: the cohort label (`"2024 Q3"`) of each bar (`drilldown.in_cohort`).
    """
    every = _cohorts(source)
    cohorts = every.iloc[-max_cohorts:]
    fig = go.Figure()
    earlier = len(every) - len(cohorts)
    subtitle = (
        "Share of each pilot-start quarter's pilots in production within 12 months of pilot "
        "start; n = pilots in the cohort"
        + (f"; {plural(earlier, 'earlier quarter')} not shown" if earlier else "")
    )
    if cohorts.empty:
        empty_state(fig, "No pilot has a known start date yet")
        return finish(fig, ctx, "No pilot cohorts to compare yet", subtitle)

    labels = cohorts["cohort"].astype(str).tolist()
    pilots = cohorts["pilots"].astype(int).to_numpy()
    mature = cohorts["mature"].astype(bool).to_numpy()
    so_far = cohorts["reached_production"].astype(int).to_numpy()
    rate = cohorts["conversion_12m"].astype(float).to_numpy()
    to_date = so_far / pilots

    old = cohorts.loc[mature]
    fig.add_trace(go.Bar(
        x=old["cohort"].astype(str), y=old["conversion_12m"].astype(float), name=MATURE_NAME,
        marker_color=HIGHLIGHT, text=[format_pct(v) for v in old["conversion_12m"]],
        textposition="outside", textfont=dict(color=HIGHLIGHT),
        customdata=old["cohort"].astype(str),
        hovertext=[
            f"{r} of {n} pilots in production within 12 months"
            for r, n in zip(old["reached_production_12m"], old["pilots"], strict=True)
        ],
        hovertemplate="%{x}: %{y:.0%}<br>%{hovertext}<extra></extra>",
    ))
    young = cohorts.loc[~mature]
    if not young.empty:
        fig.add_trace(go.Bar(
            x=young["cohort"].astype(str), y=to_date[~mature], name=IMMATURE_NAME,
            marker=dict(
                color=IMMATURE, line=dict(color=IMMATURE_EDGE, width=1.5),
                pattern=dict(shape=IMMATURE_PATTERN, fgcolor=IMMATURE_EDGE, solidity=0.25),
            ),
            text=[f"{k} of {n}<br>so far" for k, n in zip(young["reached_production"], young["pilots"], strict=True)],
            textposition="outside", textfont=dict(color=MUTED, size=NOTE_SIZE),
            customdata=young["cohort"].astype(str),
            hovertext=[
                f"{k} of {n} in production so far; cohort is {int(a) // 30} months past its "
                f"quarter end, too young to judge"
                for k, n, a in zip(young["reached_production"], young["pilots"], young["age_days"], strict=True)
            ],
            hovertemplate="%{x}: %{hovertext}<extra></extra>",
        ))
        first, last = labels.index(young["cohort"].iloc[0]), labels.index(young["cohort"].iloc[-1])
        fig.add_vrect(
            x0=first - 0.5, x1=last + 0.5, fillcolor=GRID, opacity=0.5, line_width=0, layer="below",
        )
        note(
            fig, "Too young<br>to judge" if last - first < 2 else "Too young to judge",
            x=(first + last) / 2, y=1.0, xref="x", yref="paper", yanchor="top", yshift=-4,
            font=dict(size=NOTE_SIZE, color=MUTED),
        )
    top = max([v for v in rate[mature]] + list(to_date[~mature]) + [0.1])
    fig.update_layout(barmode="overlay", bargap=0.3, showlegend=True)
    fig.update_xaxes(
        type="category", categoryorder="array", categoryarray=labels, tickangle=0, ticks="",
        tickvals=labels, ticktext=[_tick(c, n) for c, n in zip(labels, pilots, strict=True)],
    )
    span = min(1.0, top) * 1.35 + 0.05
    fig.update_yaxes(range=[0, span], tickformat=".0%", tickvals=share_ticks(span))
    return finish(fig, ctx, _title(cohorts), subtitle, footer_gap=84)


def _tick(cohort: str, pilots: int) -> str:
    """'2024 Q3' with 12 pilots -> 'Q3 / 2024 / n=12' on three short lines (no rotation)."""
    year, _, quarter = cohort.partition(" ")
    head = f"{quarter}<br>{year}" if quarter else cohort
    return f"{head}<br>n={pilots}"


def _title(cohorts: pd.DataFrame) -> str:
    mature = cohorts.loc[cohorts["mature"].astype(bool)]
    if mature.empty:
        return "No pilot cohort is 12 months old yet: too young to judge"
    # Only quarters with enough pilots state a rate (MIN_GROUP); smaller ones are drawn.
    mature = mature.loc[mature["pilots"].astype(int) >= MIN_GROUP]
    if mature.empty:
        return (
            f"Too few pilots per quarter to judge 12-month conversion: no quarter a year old "
            f"has {MIN_GROUP} or more"
        )
    latest = mature.iloc[-1]
    title = (
        f"{format_pct(latest['conversion_12m'])} of {latest['cohort']} pilots reached "
        f"production within 12 months"
    )
    if len(mature) > 1:
        before = mature.iloc[-2]
        previous, current = round(before["conversion_12m"] * 100), round(latest["conversion_12m"] * 100)
        if current == previous:
            title += f" (level with {before['cohort']})"
        else:
            word = "up" if current > previous else "down"
            title += f" ({word} from {format_pct(before['conversion_12m'])} in {before['cohort']})"
    return title
