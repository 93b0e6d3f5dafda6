"""Which columns the Data page offers for mapping by hand.

A workbook may hold hundreds of columns the import did not recognise (1,000 pass the guard);
a selectbox for each made the page take minutes to draw. The page offers the columns mapped by
hand or remembered, plus at most `Limits.max_mapping_columns` unmatched columns that have a
header and data, in sheet order, and says how many it left out.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

from analytics.ingest.model import (
    BY_MAPPING,
    BY_REMEMBERED,
    UNMAPPED,
    ColumnMatch,
    ImportPlan,
)
from analytics.ingest.reader import column_letter
from analytics.limits import DEFAULT_LIMITS, Limits

#: Rows looked at to tell whether an unmatched column holds data: enough for any real column.
ROWS_SAMPLED = 2_000


@dataclass(frozen=True, slots=True)
class MappingChoices:
    columns: tuple[ColumnMatch, ...]   # to show, in sheet order
    left_out: int                      # unmatched columns not shown
    left_out_empty: int                # of those, the ones without any data


def _keys(columns: tuple[ColumnMatch, ...]) -> dict[int, str]:
    """The key each column has in a row's raw_json (duplicated headers carry their letter)."""
    counts: dict[str, int] = {}
    for column in columns:
        counts[column.header] = counts.get(column.header, 0) + 1
    return {
        c.column_index: c.header if counts[c.header] == 1
        else f"{c.header} ({column_letter(c.column_index)})"
        for c in columns
    }


def _with_data(plan: ImportPlan, candidates: list[ColumnMatch]) -> set[int]:
    if "raw_json" not in plan.rows or plan.rows.empty:
        # No rows were read (a required column is still unmapped): every column may be it.
        return {c.column_index for c in candidates}
    keys = _keys(plan.columns)
    wanted = {keys[c.column_index]: c.column_index for c in candidates}
    found: set[int] = set()
    for raw in plan.rows["raw_json"].head(ROWS_SAMPLED):
        try:
            cells = json.loads(raw) if isinstance(raw, str) else {}
        except ValueError:
            continue
        for key, index in wanted.items():
            if index not in found and str(cells.get(key, "")).strip():
                found.add(index)
        if len(found) == len(wanted):
            break
    return found


def mapping_choices(plan: ImportPlan, limits: Limits = DEFAULT_LIMITS) -> MappingChoices:
    """The columns to offer for mapping by hand, and how many unmatched ones were left out."""
    chosen = [c for c in plan.columns if c.how in (BY_MAPPING, BY_REMEMBERED)]
    unmatched = [c for c in plan.columns if c.how == UNMAPPED and c.header.strip()]
    with_data = _with_data(plan, unmatched)
    useful = [c for c in unmatched if c.column_index in with_data]
    shown = useful[:limits.max_mapping_columns]
    columns = tuple(sorted([*chosen, *shown], key=lambda c: c.column_index))
    return MappingChoices(columns, len(unmatched) - len(shown), len(unmatched) - len(useful))
