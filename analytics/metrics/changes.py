"""What changed since the previous snapshot month (the latest month before M in the data)."""
from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from analytics.domain import Stage
from analytics.metrics.history import NO_RANK
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
    in_previous = _positions_in(current["initiative_id"], previous["initiative_id"])
    known = in_previous >= 0
    take = np.maximum(in_previous, 0)
    prior_stage = pd.Series(np.where(known, previous["stage"].to_numpy(dtype=object)[take], None),
                            index=current.index)
    prior_rank = np.where(known, previous["rank"].to_numpy()[take], NO_RANK)
    was_stalled = known & is_stalled(previous, stall_days).to_numpy()[take]
    # Both on the ladder (stopped has no rank), and higher now.
    moved_up = known & (prior_rank >= 0) & (current["rank"].to_numpy() > prior_rank)
    stopped = (current["stage"] == str(Stage.STOPPED)).to_numpy()
    gone = _positions_in(previous["initiative_id"], current["initiative_id"]) < 0
    return Changes(
        previous_as_of=previous_as_of,
        moved_up=_listing(current.loc[moved_up].assign(from_stage=prior_stage[moved_up]), "from_stage"),
        newly_stalled=_listing(current.loc[is_stalled(current, stall_days).to_numpy() & ~was_stalled]),
        stopped=_listing(current.loc[known & stopped & (prior_stage != str(Stage.STOPPED)).to_numpy()]),
        new=_listing(current.loc[~known]),
        vanished=_listing(previous.loc[gone]),
    )


def _positions_in(ids: pd.Series, other: pd.Series) -> np.ndarray:
    """For each id: its position in `other`, -1 when absent (ids are unique within a month)."""
    codes, uniques = pd.factorize(pd.concat([ids, other], ignore_index=True))
    where = np.full(len(uniques), -1, dtype=np.int64)
    where[codes[len(ids):]] = np.arange(len(other))
    return where[codes[: len(ids)]]
