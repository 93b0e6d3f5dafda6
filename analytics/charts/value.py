"""Value: expected vs realized value in production, and money stuck or spent (section 6)."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from analytics.charts.common import (
    MIN_GROUP,
    empty_state,
    fit_rows,
    group_key,
    note,
    plain,
    plural,
    row_font,
    short_label,
)
from analytics.charts.theme import (
    EXPECTED,
    NOTE_SIZE,
    REALIZED,
    STALLED,
    WASTED,
    currency_prefix,
    finish,
    format_money,
    format_pct,
)
from analytics.domain import Stage
from analytics.formatting import MISSING
from analytics.metrics.outcomes import MONEY_FIGURES
from analytics.metrics.outcomes import outcomes as group_outcomes
from analytics.metrics.types import Outcomes, Report
from analytics.provenance import ChartContext

EXPECTED_NAME = "Expected value / yr"
REALIZED_NAME = "Realized value / yr"
STALLED_NAME = "Budget of stalled initiatives"
STOPPED_NAME = "Spent on stopped initiatives"


_OUTCOME_COLUMNS: tuple[str, ...] = tuple(MONEY_FIGURES)


def by_group(report: Report, by: str) -> pd.DataFrame:
    """Section 6 outcomes per business unit / solution type of the report's population (so
    the sidebar filters hold), computed by the metrics' own `outcomes`, one row a group."""
    population = report.population
    keys = pd.Series([group_key(v) for v in population[by]], index=population.index)
    records = []
    for key, group in population.groupby(keys, sort=True):
        result = group_outcomes(group, group["stalled"].astype(bool))
        records.append({by: key, **{c: getattr(result, c) for c in _OUTCOME_COLUMNS}})
    return pd.DataFrame.from_records(records, columns=[by, *_OUTCOME_COLUMNS])


def _inputs(
    source: Report | pd.DataFrame, outcomes: Report | Outcomes | None, by: str,
) -> tuple[pd.DataFrame, Outcomes | None]:
    if isinstance(source, Report):
        return by_group(source, by), source.outcomes
    return source, outcomes.outcomes if isinstance(outcomes, Report) else outcomes


def _groups(frame: pd.DataFrame, by: str, columns: tuple[str, ...]) -> pd.DataFrame:
    """The groups with any money in `columns`, largest first by the first column, then the
    second (the top of a horizontal chart is its last row)."""
    money = frame.loc[:, list(columns)].astype(float).fillna(0.0)
    keep = frame.loc[money.sum(axis=1) > 0].assign(_first=money[columns[0]], _second=money[columns[1]])
    return keep.sort_values(["_first", "_second", by], ascending=[True, True, False])


def _money_axis(fig: go.Figure, top: float, size: int, currency: str) -> None:
    fig.update_xaxes(range=[0, top * 1.45], tickformat="~s", showgrid=True,
                     tickprefix=currency_prefix(currency))
    fig.update_yaxes(showgrid=False, ticks="", ticklabelstandoff=6, tickfont=dict(size=size))


def value_chart(
    source: Report | pd.DataFrame, ctx: ChartContext, by: str = "business_unit",
    outcomes: Report | Outcomes | None = None,
) -> go.Figure:
    """Expected vs realized value a year of the initiatives in production, per business unit
    (grouped horizontal bars, largest at the top); value capture (realized / expected) in the
    title and on each realized bar.

    `source` is the Report (groups from its population, so the filters hold), or a frame with
    one row per group such as `analytics.metrics.breakdown(rows, as_of, by=by)`; with a frame,
    `outcomes` gives the title's totals, else the frame's sums are used.

    customdata: the business unit (NOT_SET when missing) of each bar: `drilldown.in_group`.
    """
    frame, totals = _inputs(source, outcomes, by)
    expected_total = ((totals.expected_in_production or 0.0) if totals
                      else float(frame["expected_in_production"].fillna(0).sum()))
    realized_total = ((totals.realized_in_production or 0.0) if totals
                      else float(frame["realized_in_production"].fillna(0).sum()))
    fig = go.Figure()
    noun = "business unit" if by == "business_unit" else "solution type"
    subtitle = f"Initiatives in production, by {noun}: value a year in their business case vs reported"
    if totals is not None and {"expected_value", "realized_value"} <= set(totals.not_captured):
        # Unknown, not zero: "no value reported yet" would read as nothing delivered.
        title = "Value is not in this export: it has no expected or realized value column"
        empty_state(fig, title)
        return finish(fig, ctx, title, subtitle)
    groups = _groups(frame, by, ("expected_in_production", "realized_in_production")) if not frame.empty else frame
    if groups.empty or expected_total + realized_total <= 0:
        empty_state(fig, "No value reported yet for initiatives in production")
        return finish(fig, ctx, "No value reported yet for initiatives in production", subtitle)

    # Abbreviated on the axis; the full name is in the hover.
    labels = [plain(short_label(group_key(v))) for v in groups[by]]
    names = [plain(group_key(v)) for v in groups[by]]
    size = row_font(len(labels))
    keys = [group_key(v) for v in groups[by]]
    expected = groups["expected_in_production"].astype(float).fillna(0.0)
    realized = groups["realized_in_production"].astype(float).fillna(0.0)
    capture = [r / e if e > 0 else None for r, e in zip(realized, expected, strict=True)]
    # A bullet chart: the promise as a wide pale bar, what was delivered as a narrow bar
    # inside it; one label per unit keeps the text full size in a narrow column.
    fig.add_trace(go.Bar(
        orientation="h", x=expected, y=labels, name=EXPECTED_NAME, marker_color=EXPECTED,
        width=0.75, customdata=keys, constraintext="none", textposition="outside",
        text=[
            f"{format_money(r, ctx.currency)} of {format_money(e, ctx.currency)}"
            + ("" if c is None else f" ({format_pct(c)})")
            for r, e, c in zip(realized, expected, capture, strict=True)
        ],
        hovertext=names, textfont=dict(size=size),
        hovertemplate=f"%{{hovertext}}: {currency_prefix(ctx.currency)}%{{x:,.0f}} expected a year"
                      "<extra></extra>",
    ))
    fig.add_trace(go.Bar(
        orientation="h", x=realized, y=labels, name=REALIZED_NAME, marker_color=REALIZED,
        width=0.4, customdata=keys,
        hovertext=names,
        hovertemplate=f"%{{hovertext}}: {currency_prefix(ctx.currency)}%{{x:,.0f}} realized a year"
                      "<extra></extra>",
    ))
    fig.update_layout(barmode="overlay", showlegend=True)
    _money_axis(fig, float(max(expected.max(), realized.max())), size, ctx.currency)
    capture_total = realized_total / expected_total if expected_total > 0 else None
    in_production = (int(source.funnel.stage_counts.get(Stage.PRODUCTION, 0))
                     if isinstance(source, Report) else None)
    if totals is not None and "realized_value" in totals.not_captured:
        title = (f"{format_money(expected_total, ctx.currency)} a year expected in production; "
                 "realized value is not in this export")
    elif in_production is not None and in_production < MIN_GROUP:
        # Too few to state a share as a finding: the amounts, and how few they come from.
        title = (f"Only {plural(in_production, 'initiative')} in production so far: "
                 f"{format_money(realized_total, ctx.currency)} realized of "
                 f"{format_money(expected_total, ctx.currency)} expected a year")
    elif capture_total is None:
        title = (f"{format_money(realized_total, ctx.currency)} a year realized in production, "
                 "with no expected value on record")
    else:
        title = (
            f"Production initiatives deliver {format_pct(capture_total)} of their expected value: "
            f"{format_money(realized_total, ctx.currency)} of {format_money(expected_total, ctx.currency)} a year"
        )
    return fit_rows(finish(fig, ctx, title, subtitle, footer_gap=48), len(labels))


def stalled_budget_chart(
    source: Report | pd.DataFrame, ctx: ChartContext, by: str = "business_unit",
    outcomes: Report | Outcomes | None = None,
) -> go.Figure:
    """Budget of stalled initiatives and spend to date on stopped ones, per business unit
    (grouped horizontal bars, largest at the top).

    `source`: as for `value_chart`.

    customdata: the business unit (NOT_SET when missing) of each bar: `drilldown.in_group`.
    """
    frame, totals = _inputs(source, outcomes, by)
    stuck_total = (totals.stalled_budget or 0.0) if totals else float(frame["stalled_budget"].fillna(0).sum())
    stopped_total = (totals.spend_on_stopped or 0.0) if totals else float(frame["spend_on_stopped"].fillna(0).sum())
    missing = set(totals.not_captured) if totals is not None else set()
    fig = go.Figure()
    noun = "business unit" if by == "business_unit" else "solution type"
    subtitle = (
        f"By {noun}: approved budget of the initiatives stalled now, and spend to date of "
        f"those stopped"
    )
    groups = _groups(frame, by, ("stalled_budget", "spend_on_stopped")) if not frame.empty else frame
    if "budget" in missing and stopped_total <= 0:
        # Unknown, not zero: "no budget is stuck" would read as good news.
        title = "Budget is not in this export: what the stalled initiatives hold is unknown"
        empty_state(fig, title)
        return finish(fig, ctx, title, subtitle)
    if groups.empty or stuck_total + stopped_total <= 0:
        empty_state(fig, "No budget stuck in stalls and no spend on stopped initiatives")
        return finish(fig, ctx, "No budget is stuck in stalled or stopped initiatives", subtitle)

    # Abbreviated on the axis; the full name is in the hover.
    labels = [plain(short_label(group_key(v))) for v in groups[by]]
    names = [plain(group_key(v)) for v in groups[by]]
    size = row_font(len(labels))
    keys = [group_key(v) for v in groups[by]]
    stuck = groups["stalled_budget"].astype(float).fillna(0.0)
    stopped = groups["spend_on_stopped"].astype(float).fillna(0.0)
    # Two panels sharing the unit axis: each bar gets a full-height row and its own label.
    fig = make_subplots(rows=1, cols=2, shared_yaxes=True, horizontal_spacing=0.06)
    for col, (values, name, color, words, field) in enumerate((
        (stuck, STALLED_NAME, STALLED, "budget in stalled initiatives", "budget"),
        (stopped, STOPPED_NAME, WASTED, "spent on stopped initiatives", "spend_to_date"),
    ), start=1):
        fig.add_trace(go.Bar(
            orientation="h", x=values, y=labels, name=name, marker_color=color,
            # A unit with none says so (0), rather than leaving a blank row; an amount the
            # export does not give is no 0 ("–", and the title says why).
            text=[MISSING if field in missing else format_money(v, ctx.currency) for v in values],
            textposition="outside",
            constraintext="none", customdata=keys, hovertext=names, textfont=dict(size=size),
            hovertemplate=f"%{{hovertext}}: {currency_prefix(ctx.currency)}%{{x:,.0f}} {words}"
                          "<extra></extra>",
        ), row=1, col=col)
        note(fig, f"<b>{name}</b>", x=0, y=1.0, xref=f"x{'' if col == 1 else col} domain",
             yref="y domain", xanchor="left", yanchor="bottom", yshift=6,
             font=dict(size=NOTE_SIZE + 1, color=color))
    top = float(max(stuck.max(), stopped.max()))
    fig.update_xaxes(range=[0, top * 1.35], tickformat="~s", showgrid=True, nticks=4,
                     tickprefix=currency_prefix(ctx.currency))
    fig.update_yaxes(showgrid=False, ticks="", ticklabelstandoff=6, tickfont=dict(size=size))
    fig.update_layout(showlegend=False, bargap=0.3)
    stuck_text = ("budget is not in this export" if "budget" in missing
                  else f"{format_money(stuck_total, ctx.currency)} of budget sits in stalled initiatives")
    stopped_text = ("spend is not in this export" if "spend_to_date" in missing
                    else f"{format_money(stopped_total, ctx.currency)} was spent on stopped ones")
    title = f"{stuck_text[:1].upper()}{stuck_text[1:]}; {stopped_text}"
    return fit_rows(finish(fig, ctx, title, subtitle, footer_gap=48), len(labels))
