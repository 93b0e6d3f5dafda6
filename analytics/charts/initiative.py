"""One initiative's path over the ladder, month by month (for the initiative page)."""
from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go

from analytics.charts.common import (
    DAYS_PER_MONTH,
    empty_state,
    is_missing,
    month_label,
    plain,
    stage_label,
)
from analytics.charts.theme import (
    BACKGROUND,
    INK,
    ON_HOLD,
    STAGE_COLORS,
    finish,
)
from analytics.domain import LADDER, LADDER_RANK, Stage
from analytics.provenance import ChartContext

#: Where `stopped` sits on the y axis: below the ladder, since it leaves it.
STOPPED_LEVEL = -1
ON_HOLD_NAME = "On hold"
STOPPED_NAME = "Stopped"
STAGE_NAME = "Stage at month-end"


def _level(stage: object) -> int | None:
    if is_missing(stage):
        return None
    if str(stage) == Stage.STOPPED:
        return STOPPED_LEVEL
    return LADDER_RANK.get(Stage(str(stage)))


def stage_timeline_chart(history: pd.DataFrame, ctx: ChartContext, name: str | None = None) -> go.Figure:
    """The stage at each snapshot month as a step line over the ladder (stopped below it),
    each month's marker in its stage colour, on-hold months ringed, stopped months crossed.

    `history` is `analytics.metrics.initiative_history(rows, initiative_id)` (as_of, stage
    resolved through on-hold months, on_hold, name, stage_since); `name` overrides its name.

    customdata: the month (`"2025-06-01"`) of each marker.
    """
    frame = history.loc[history["stage"].map(lambda s: not is_missing(s))].sort_values("as_of")
    has_name = "name" in frame and frame["name"].notna().any()
    shown = plain(name or (frame["name"].dropna().iloc[-1] if has_name else "This initiative"))
    fig = go.Figure()
    subtitle = "Stage at each month-end snapshot; on-hold months keep the stage they held"
    if frame.empty:
        empty_state(fig, "This initiative appears in no snapshot up to this month")
        return finish(fig, ctx, f"{shown}: no snapshot yet", subtitle)

    months = pd.to_datetime(frame["as_of"])
    keys = [f"{m:%Y-%m-%d}" for m in months]
    levels = [_level(s) for s in frame["stage"]]
    stages = [str(s) for s in frame["stage"]]
    on_hold = frame["on_hold"].fillna(False).astype(bool).to_numpy() if "on_hold" in frame else [False] * len(frame)
    fig.add_trace(go.Scatter(
        x=months, y=levels, mode="lines+markers", line_shape="hv", name=STAGE_NAME,
        line=dict(color=INK, width=2.5),
        marker=dict(size=12, color=[STAGE_COLORS[s] for s in stages], line=dict(color=BACKGROUND, width=2)),
        customdata=keys, hovertext=[stage_label(s) for s in stages],
        hovertemplate="%{x|%b %Y}: %{hovertext}<extra></extra>",
    ))
    held = [i for i, h in enumerate(on_hold) if h]
    if held:
        fig.add_trace(go.Scatter(
            x=months.iloc[held], y=[levels[i] for i in held], mode="markers", name=ON_HOLD_NAME,
            marker=dict(size=22, symbol="circle-open", color=ON_HOLD, line=dict(width=3)),
            customdata=[keys[i] for i in held],
            hovertemplate="%{x|%b %Y}: on hold<extra></extra>",
        ))
    stopped = [i for i, s in enumerate(stages) if s == Stage.STOPPED]
    if stopped:
        fig.add_trace(go.Scatter(
            x=months.iloc[stopped], y=[STOPPED_LEVEL] * len(stopped), mode="markers", name=STOPPED_NAME,
            marker=dict(size=16, symbol="x-thin", color=STAGE_COLORS[Stage.STOPPED],
                        line=dict(width=3, color=STAGE_COLORS[Stage.STOPPED])),
            customdata=[keys[i] for i in stopped],
            hovertemplate="%{x|%b %Y}: stopped<extra></extra>",
        ))
    ticks = [STOPPED_LEVEL, *(LADDER_RANK[s] for s in LADDER)]
    fig.update_yaxes(
        tickvals=ticks, ticktext=[stage_label(Stage.STOPPED), *(stage_label(s) for s in LADDER)],
        range=[STOPPED_LEVEL - 0.5, LADDER_RANK[Stage.PRODUCTION] + 0.5], showgrid=True,
        zeroline=False,
    )
    pad = pd.Timedelta(days=20)
    fig.update_xaxes(range=[months.min() - pad, months.max() + pad], tickformat="%b<br>%Y",
                     dtick="M3" if len(months) > 8 else "M1")
    fig.update_layout(showlegend=bool(held or stopped))
    return finish(fig, ctx, _title(shown, frame, stages, on_hold), subtitle, footer_gap=62)


def _title(shown: str, frame: pd.DataFrame, stages: list[str], on_hold: Sequence[bool]) -> str:
    current = stages[-1]
    months = pd.to_datetime(frame["as_of"]).tolist()
    start = len(stages) - 1
    while start > 0 and stages[start - 1] == current:
        start -= 1
    since = month_label(months[start])
    if "stage_since" in frame and not is_missing(frame["stage_since"].iloc[-1]):
        # The metrics' own start of time in stage (stage_entered when the export gives it).
        since = month_label(frame["stage_since"].iloc[-1])
    if current == Stage.STOPPED:
        text = f"{shown}: stopped in {since}"
    else:
        text = f"{shown}: in {stage_label(current).lower()} since {since}"
    last = frame.iloc[-1]
    days = last.get("days_in_stage")
    if current in (Stage.PILOT, Stage.SCALING) and not is_missing(days):
        text += f" ({round(float(days) / DAYS_PER_MONTH)} months)"
    held = 0
    for flag in reversed(list(on_hold)):
        if not flag:
            break
        held += 1
    if held and current != Stage.STOPPED:
        text += f", on hold for the last {held} month{'s' if held > 1 else ''}"
    elif bool(last.get("stalled", False)) is True:
        text += ", stalled"
    return text
