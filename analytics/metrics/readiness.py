"""Readiness to scale (METRICS.md section 9): the five causes turned into a gate checklist for
the initiatives at pilot at M, read from M's row (fields only, never the stall-cause column)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.domain import Stage
from analytics.metrics.stalls import CAUSE_KEYS, rule_flags
from analytics.metrics.types import Readiness, readonly_view

PILOT_COLUMNS: tuple[str, ...] = (
    "initiative_id", "name", "business_unit", "stage", "owner", *CAUSE_KEYS, "checks_failed", "ready",
)


def readiness(population: pd.DataFrame) -> Readiness:
    """Section 9 over `population` (M's rows with their resolved stage)."""
    pilots = population.loc[population["stage"] == str(Stage.PILOT)]
    failing = rule_flags(pilots)
    failed = failing.sum(axis=1).astype(np.int64)
    table = pilots.reindex(columns=["initiative_id", "name", "business_unit", "stage", "owner"]).assign(
        **{key: failing[key].astype(bool) for key in CAUSE_KEYS},
        checks_failed=failed,
        ready=failed == 0,
    ).reindex(columns=list(PILOT_COLUMNS))
    table = table.sort_values(["checks_failed", "initiative_id"], ascending=[False, True]).reset_index(drop=True)
    return Readiness(
        pilots=len(pilots),
        ready_to_scale=int((failed == 0).sum()),
        failing=readonly_view({key: int(failing[key].sum()) for key in CAUSE_KEYS}),
        pilots_table=table,
    )


def most_failed(result: Readiness) -> str | None:
    """The cause key whose check most pilots fail (the first in domain order on a tie); None
    when no pilot fails any."""
    counts = dict(result.failing)
    if not counts or max(counts.values()) == 0:
        return None
    return max(CAUSE_KEYS, key=lambda key: (counts[key], -CAUSE_KEYS.index(key)))
