"""Stalls by cause: the Pareto of causes and the business unit × cause heatmap (section 5)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from analytics.charts.common import (
    cause_label,
    empty_state,
    fit_rows,
    group_key,
    lower_first,
    plain,
    plural,
    row_font,
    short_label,
    unreadable_note,
    wrap_label,
)
from analytics.charts.theme import (
    CAUSE_COLORS,
    CLICK_TARGET,
    INK,
    MUTED,
    NOTE_SIZE,
    finish,
    format_money,
    format_pct,
)
from analytics.domain import CAUSES, UNATTRIBUTED
from analytics.metrics.types import Report, StallResult
from analytics.provenance import ChartContext

MEASURES = ("count", "budget")
CUMULATIVE_NAME = "Cumulative share"


def _stalls(source: Report | StallResult) -> StallResult:
    return source.stalls if isinstance(source, Report) else source


def _ordered_causes(causes: pd.DataFrame, column: str) -> pd.DataFrame:
    """The five causes, largest first (ties in the domain's order), then `unattributed` when
    it holds anything: it is not a cause, so it never leads the Pareto."""
    rank = {key: i for i, key in enumerate(CAUSES)}
    named = causes.loc[[c for c in causes.index if c != UNATTRIBUTED]]
    named = named.assign(_rank=[rank.get(c, len(rank)) for c in named.index])
    named = named.sort_values([column, "_rank"], ascending=[False, True]).drop(columns="_rank")
    if UNATTRIBUTED in causes.index and float(causes.at[UNATTRIBUTED, column]) > 0:
        named = pd.concat([named, causes.loc[[UNATTRIBUTED]]])
    return named


def cause_pareto_chart(
    source: Report | StallResult, ctx: ChartContext, measure: str = "count",
) -> go.Figure:
    """Stall causes, largest first, each in its fixed colour, with the cumulative share on a
    second axis. `measure="count"` plots the weighted count (each stalled initiative split
    evenly over its causes, so bars sum to the stalled count; flagged counts in the text);
    `measure="budget"` plots the budget split the same way.

    customdata: the cause key (`"ownership"`, …, `"unattributed"`) of each bar
    (`drilldown.stalled_with_cause`).
    """
    if measure not in MEASURES:
        raise ValueError(f"measure {measure!r}: choose 'count' or 'budget'")
    stalls = _stalls(source)
    fig = go.Figure()
    threshold = f"on hold, or more than {stalls.stall_days} days in pilot or scaling"
    if measure == "count":
        # One measure: initiatives flagged with each cause, the number the title and a click use.
        subtitle = (
            f"Stalled initiatives ({threshold}) flagged with each cause; one with several causes "
            f"counts under each"
        )
    else:
        subtitle = f"Budget of stalled initiatives ({threshold}), split evenly over each one's causes"
    if stalls.count == 0:
        empty_state(fig, f"No initiative is stalled at the {stalls.stall_days}-day threshold")
        return finish(fig, ctx, "No stalled initiatives this month", subtitle)
    if (measure == "budget" and isinstance(source, Report)
            and source.outcomes.stalled_budget is None):
        # Unknown, not zero: bars of 0 would say the causes hold no budget.
        title = "Budget is not in this export: weigh the causes by number of initiatives"
        empty_state(fig, title)
        return finish(fig, ctx, title, subtitle)
    note = unreadable_note(stalls.unreadable)

    column = "_flagged" if measure == "count" else "budget_weighted"
    causes = _ordered_causes(_with_flagged(stalls.causes), column)
    values = causes[column].astype(float).to_numpy()
    total = stalls.budget
    keys = [str(c) for c in causes.index]
    text = [f"{v:,.0f}" if measure == "count" else format_money(v, ctx.currency) for v in values]
    if measure == "count":
        hover = [f"{cause_label(k)}: flagged in {v:,.0f} of {plural(stalls.count, 'stalled initiative')}"
                 for k, v in zip(keys, values, strict=True)]
    else:
        hover = [f"{cause_label(k)}: {format_money(v, ctx.currency)} of stalled budget (each initiative's budget "
                 f"split evenly over its causes)" for k, v in zip(keys, values, strict=True)]
    categories = [wrap_label(cause_label(k), 12) for k in keys]
    fig.add_trace(go.Bar(
        x=categories, y=values, name="Stalled",
        marker_color=[CAUSE_COLORS[k] for k in keys], text=text, textposition="outside",
        # Hatched: a cause the export gives no value for (see the subtitle).
        marker_pattern_shape=["/" if k in stalls.unreadable else "" for k in keys],
        customdata=keys, hovertext=hover, hovertemplate="%{hovertext}<extra></extra>",
    ))
    top = float(values.max()) if len(values) else 1.0
    fig.update_xaxes(tickangle=0, ticks="", tickfont=dict(size=NOTE_SIZE + 1))
    if measure == "count":
        # Counts overlap (several causes per initiative), so a cumulative share would mislead.
        fig.update_layout(showlegend=False, bargap=0.3,
                          yaxis=dict(range=[0, top * 1.15], visible=False))
        return finish(fig, ctx, _pareto_title(stalls, causes, measure, ctx.currency), subtitle, footer_gap=56,
                      note=note)
    # The cumulative share gets its own strip above the bars (a second y axis with its own
    # domain) so the line never runs through the bar labels.
    share = np.cumsum(values) / total if total else np.zeros(len(values))
    fig.add_trace(go.Scatter(
        x=categories, y=share, name=CUMULATIVE_NAME, yaxis="y2", mode="lines+markers+text",
        line=dict(color=INK, width=2), marker=dict(size=8), text=[format_pct(v) for v in share],
        textposition="top center", textfont=dict(size=NOTE_SIZE, color=INK), cliponaxis=False,
        customdata=keys, hovertemplate="Cumulative: %{y:.0%}<extra></extra>",
    ))
    fig.add_annotation(
        text=CUMULATIVE_NAME, x=0, y=1.0, xref="paper", yref="y2 domain", xanchor="left",
        yanchor="bottom", yshift=2, showarrow=False, font=dict(size=NOTE_SIZE, color=MUTED),
    )
    fig.update_layout(
        showlegend=False, bargap=0.3,
        yaxis=dict(domain=[0.0, 0.7], range=[0, top * 1.15], visible=False),
        yaxis2=dict(domain=[0.78, 0.95], range=[0, 1.0], visible=False),
    )
    return finish(fig, ctx, _pareto_title(stalls, causes, measure, ctx.currency), subtitle, footer_gap=56,
                  note=note)


def _with_flagged(causes: pd.DataFrame) -> pd.DataFrame:
    """`_flagged`: stalled initiatives flagged with each cause; for `unattributed` (no cause)
    the stalled initiatives without one (its weighted count: each weighs 1)."""
    flagged = causes["flagged"].astype(float)
    if UNATTRIBUTED in causes.index:
        flagged = flagged.where(flagged.index != UNATTRIBUTED, causes["weighted"].astype(float))
    return causes.assign(_flagged=flagged.fillna(0.0))


def _pareto_title(stalls: StallResult, causes: pd.DataFrame, measure: str, currency: str) -> str:
    # A cause the export gives no value for never leads the title: its count describes the export.
    named = causes.loc[[c for c in causes.index if c != UNATTRIBUTED and c not in stalls.unreadable]]
    column = "_flagged" if measure == "count" else "budget_weighted"
    named = _with_flagged(named)
    if named.empty or float(named[column].max()) <= 0:
        if stalls.unreadable:
            return f"No cause this export can show for the {plural(stalls.count, 'stalled initiative')}"
        return f"No cause identified for the {plural(stalls.count, 'stalled initiative')}"
    top = named.index[0]
    label = cause_label(top)
    if measure == "count":
        return (
            f"{label} is the top stall cause: flagged in {int(named.at[top, column])} of "
            f"{plural(stalls.count, 'stalled initiative')}"
        )
    return (
        f"{label} ties up the most stalled budget: {format_money(named.at[top, column], currency)} "
        f"of {format_money(stalls.budget, currency)}"
    )


def cause_heatmap_chart(source: Report | StallResult, ctx: ChartContext) -> go.Figure:
    """Stalled initiatives flagged with each cause (columns) in each business unit (rows, most
    stalled at the top), cells annotated with the count; `Unattributed` counts the stalled
    initiatives with no cause. An initiative with several causes counts in each of them.

    customdata: `[business_unit, cause]` of each cell (business unit NOT_SET when missing):
    `drilldown.stalled_with_cause(report, cause, business_unit)`.
    """
    stalls = _stalls(source)
    fig = go.Figure()
    subtitle = (
        "Stalled initiatives flagged with each cause, by business unit; one initiative can "
        "count under several causes"
    )
    if stalls.count == 0:
        empty_state(fig, f"No initiative is stalled at the {stalls.stall_days}-day threshold")
        return finish(fig, ctx, "No stalled initiatives this month", subtitle)

    stalled = stalls.stalled.assign(_unit=[group_key(v) for v in stalls.stalled["business_unit"]])
    keys = [str(c) for c in CAUSES]
    if (stalled["k"] == 0).any():
        keys.append(UNATTRIBUTED)
    units = stalled["_unit"].value_counts()
    order = sorted(units.index, key=lambda u: (-units[u], u))
    counts = np.zeros((len(order), len(keys)), dtype=int)
    for row, unit in enumerate(order):
        mine = stalled.loc[stalled["_unit"] == unit]
        for col, key in enumerate(keys):
            if key == UNATTRIBUTED:
                counts[row, col] = int((mine["k"] == 0).sum())
            else:
                counts[row, col] = int(mine["causes"].map(lambda causes, k=key: k in causes).sum())
    columns = [wrap_label(cause_label(k), 12) for k in keys]
    # Long unit names are abbreviated on the axis; the full name is in each cell's hover.
    rows = [f"{plain(short_label(u))} ({units[u]})" for u in order]
    size = row_font(len(order))
    fig.add_trace(go.Heatmap(
        z=counts, x=columns, y=rows,
        text=[[str(v) if v else "" for v in row] for row in counts],
        texttemplate="%{text}", textfont=dict(size=size),
        customdata=[[[u, k] for k in keys] for u in order],
        hoverinfo="skip", showscale=False, zmin=0, name="Stalled",
    ))
    # Streamlit reports no selection for heatmap cells (streamlit#8760), so each cell also
    # carries an invisible marker, which is selectable: a click lists the cell's initiatives.
    cells = [(r, c) for r in range(len(order)) for c in range(len(keys))]
    fig.add_trace(go.Scatter(
        x=[columns[c] for _, c in cells], y=[rows[r] for r, _ in cells], mode="markers",
        marker=dict(size=30, symbol="square", color=CLICK_TARGET),
        customdata=[[order[r], keys[c]] for r, c in cells],
        text=[f"{plain(order[r])} · {cause_label(keys[c])}: {counts[r, c]} stalled" for r, c in cells],
        hovertemplate="%{text}<extra></extra>", name="cells",
    ))
    # Every row and column labelled: the overlay markers would otherwise let Plotly thin them.
    fig.update_yaxes(autorange="reversed", showgrid=False, ticks="", ticklabelstandoff=6,
                     tickmode="array", tickvals=rows, ticktext=rows, tickfont=dict(size=size))
    fig.update_xaxes(tickangle=0, ticks="", showline=False, tickfont=dict(size=NOTE_SIZE + 1),
                     tickmode="array", tickvals=columns, ticktext=columns)
    fig.update_layout(showlegend=False)
    title = _heatmap_title(stalls, counts, order, keys, units)
    return fit_rows(finish(fig, ctx, title, subtitle, footer_gap=84, note=unreadable_note(stalls.unreadable)),
                    len(order))


def _heatmap_title(
    stalls: StallResult, counts: np.ndarray, order: list[str], keys: list[str], units: pd.Series,
) -> str:
    """The one largest business unit × cause cell when it stands alone; otherwise (ties) the
    business unit(s) with the most stalled initiatives."""
    named = [i for i, k in enumerate(keys) if k != UNATTRIBUTED and k not in stalls.unreadable]
    block = counts[:, named]
    total = plural(stalls.count, "stalled initiative")
    if block.size and block.max() > 0 and (block == block.max()).sum() == 1:
        row, col = np.unravel_index(int(np.argmax(block)), block.shape)
        cause = lower_first(cause_label(keys[named[col]]))
        return f"Largest cluster: {cause} in {plain(order[row])}, {block[row, col]} of {total}"
    most = int(units.max())
    leaders = [plain(u) for u in order if units[u] == most]
    if len(leaders) == 1:
        return f"{leaders[0]} has the most stalled initiatives: {most} of {stalls.count}"
    named_units = ", ".join(leaders[:-1]) + f" and {leaders[-1]}" if len(leaders) <= 3 else f"{len(leaders)} units"
    return f"{named_units} have the most stalled initiatives: {most} each of {stalls.count}"
