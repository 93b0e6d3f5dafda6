"""prepare_import: read, locate, match and normalise a workbook without writing anything."""
from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import replace
from datetime import date

import duckdb
import numpy as np
import pandas as pd

from analytics import store
from analytics.domain import Stage
from analytics.ingest.guard import check_bytes
from analytics.ingest.headers import (
    HeaderChoice,
    RememberedLookup,
    choose_header,
    header_problems,
    refuse_empty,
    resolve_mapping,
)
from analytics.ingest.model import ImportPlan
from analytics.ingest.months import as_of_from_name
from analytics.ingest.normalise import Normalised, code_column, empty_rows, normalise
from analytics.ingest.reader import open_workbook, read_body, sheet_heads
from analytics.limits import DEFAULT_LIMITS, Limits
from analytics.problems import Problem, Severity

def _remembered_lookup(con: duckdb.DuckDBPyConnection | None) -> RememberedLookup | None:
    if con is None:
        return None

    def lookup(signature: str) -> Mapping[str, str | None] | None:
        found = store.load_mapping(con, signature)
        return json.loads(found) if found else None

    return lookup


def prepare_import(
    data: bytes,
    file_name: str,
    *,
    as_of: date | None = None,
    mapping: Mapping[str, str | None] | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> ImportPlan:
    """Everything an import would store, and every problem with it; never writes.

    Raises ImportRefused only when no plan can be formed (not a workbook, unreadable, empty,
    too many rows). Cell-level errors are in `plan.errors`; `commit_import` refuses them.
    `con` (optional) supplies remembered mappings and last month's initiatives.
    """
    check_bytes(data, limits)
    month = store.month_start(as_of) if as_of is not None else as_of_from_name(file_name)
    explicit, problems = resolve_mapping(mapping)
    heads = sheet_heads(open_workbook(data, limits))
    if not heads:
        raise refuse_empty(file_name)
    choice = choose_header(heads, explicit, _remembered_lookup(con))
    problems += header_problems(choice, list(mapping or {}))
    plan = ImportPlan(
        file_name=file_name, sha256=hashlib.sha256(data).hexdigest(), as_of=month,
        sheet=choice.head.name, header_row=choice.header_row, columns=choice.columns,
        rows=empty_rows(), problems=tuple(problems), currency=None, workbook=data,
    )
    if any(p.code == "missing_required_column" for p in problems):
        return plan
    found = _read_rows(choice, limits)
    if found is None:
        return replace(plan, problems=(*problems, _no_data(choice)))
    history = previous_month_warnings(con, month, found.rows) if con is not None else ()
    return replace(plan, rows=found.rows, currency=found.currency,
                   problems=(*problems, *found.problems, *history))


def _read_rows(choice: HeaderChoice, limits: Limits) -> Normalised | None:
    """The normalised data rows below the header, or None when there are none."""
    head = choice.head
    grid = read_body(head, choice.offset, limits)
    columns = [
        code_column(match, grid[:, match.column_index - head.left])
        for match in choice.columns
    ]
    if not columns or grid.shape[0] == 0:
        return None
    blank = np.logical_and.reduce([c.blank() for c in columns])
    kept = np.flatnonzero(~blank)
    if kept.size == 0:
        return None
    excel_rows = choice.header_row + 1 + kept
    return normalise(head.name, excel_rows, [c.keep(kept) for c in columns], limits)


def _no_data(choice: HeaderChoice) -> Problem:
    found = ", ".join(f"'{c.header}'" for c in choice.columns)
    return Problem(
        Severity.ERROR, "no_data_rows",
        f"the header row was found (columns: {found}) but no initiative rows below it; "
        "export the portfolio with its rows",
        sheet=choice.head.name, row=choice.header_row,
    )


def previous_month_warnings(
    con: duckdb.DuckDBPyConnection, as_of: date | None, rows: pd.DataFrame,
) -> tuple[Problem, ...]:
    """Initiatives in the latest stored month before `as_of` that this export lacks."""
    if as_of is None:
        return ()
    earlier = [s.as_of for s in store.list_snapshots(con) if s.as_of < as_of]
    if not earlier:
        return ()
    previous = max(earlier)
    stored = store.read_month(con, previous)
    missing = stored[~stored["initiative_id"].isin(rows["initiative_id"].dropna())]
    return tuple(
        Problem(
            Severity.WARNING, "missing_since_last_month",
            f"this initiative was in the {previous:%Y-%m} snapshot (row {source_row} there) and "
            f"is missing from this export; if it ended, keep its row with stage "
            f"'{Stage.STOPPED.value}' so the funnel still counts it",
            column=None, value=str(initiative_id),
        )
        for initiative_id, source_row in zip(missing["initiative_id"], missing["source_row"])
    )
