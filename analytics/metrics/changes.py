"""What changed since the previous snapshot month (the latest month before M in the data)."""
from __future__ import annotations

from datetime import date

import pandas as pd

from analytics.domain import Stage
from analytics.metrics.stalls import LIST_COLUMNS, is_stalled
from analytics.metrics.types import Changes

CHANGE_COLUMNS: tuple[str, ...] = (*LIST_COLUMNS, "solution_type")


def _listing(frame: pd.DataFrame, *extra: str) -> pd.DataFrame:
    return frame.reindex(columns=[*CHANGE_COLUMNS, *extra]).sort_values("initiative_id").reset_index(drop=True)


def changes(current: pd.DataFrame, previous: pd.DataFrame | None, previous_as_of: date | None,
            stall_days: int) -> Changes:
    """Compare M's population with the previous month's (both unfiltered, one row each)."""
    if previous is None:
        empty = _listing(current.iloc[0:0])
        return Changes(None, _listing(current.iloc[0:0], "from_stage"), empty, empty, empty, empty)
    before = previous[["initiative_id", "stage", "rank"]].assign(was_stalled=is_stalled(previous, stall_days))
    joined = current[["initiative_id"]].merge(before, on="initiative_id", how="left", suffixes=("", "_before"))
    known = pd.Series(joined["rank"].notna().to_numpy(), index=current.index)
    prior_stage = pd.Series(joined["stage"].to_numpy(), index=current.index)
    prior_rank = pd.Series(joined["rank"].to_numpy(), index=current.index)
    was_stalled = pd.Series(joined["was_stalled"].fillna(False).astype(bool).to_numpy(), index=current.index)
    # Both on the ladder (stopped has no rank), and higher now.
    moved_up = known & (prior_rank >= 0) & (current["rank"] > prior_rank)
    stopped = current["stage"] == str(Stage.STOPPED)
    return Changes(
        previous_as_of=previous_as_of,
        moved_up=_listing(current.loc[moved_up].assign(from_stage=prior_stage[moved_up]), "from_stage"),
        newly_stalled=_listing(current.loc[is_stalled(current, stall_days) & ~was_stalled]),
        stopped=_listing(current.loc[known & stopped & (prior_stage != str(Stage.STOPPED))]),
        new=_listing(current.loc[~known]),
        vanished=_listing(previous.loc[~previous["initiative_id"].isin(current["initiative_id"])]),
    )
