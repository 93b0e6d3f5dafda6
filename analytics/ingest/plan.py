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
import pyarrow as pa

from analytics import store
from analytics.domain import FIELD_BY_NAME, FIELD_FIGURES, Stage, id_key
from analytics.formatting import DEFAULT_CURRENCY
from analytics.ingest.cell_errors import ErrorCell
from analytics.ingest.choices import ROWS_SAMPLED
from analytics.ingest.headers import (
    HeaderChoice,
    KeyedMapping,
    RememberedLookup,
    choose_header,
    header_problems,
    refuse_empty,
    resolve_mapping,
    resolve_stages,
    split_mapping,
)
from analytics.ingest.model import ImportPlan
from analytics.ingest.months import as_of_from_name
from analytics.ingest.normalise import (
    EXCEL_ERROR_MESSAGE,
    Normalised,
    code_column,
    empty_rows,
    normalise,
    with_raw_json,
)
from analytics.ingest.reader import (
    BodyColumn,
    SheetHead,
    WorkbookRead,
    open_workbook,
    read_body,
    sheet_heads,
)
from analytics.limits import DEFAULT_LIMITS, Limits
from analytics.problems import ImportRefused, Problem, Severity

#: Warnings that depend on the months already stored; recomputed when the plan is committed.
HISTORY_CODES = frozenset({"missing_since_last_month", "field_vanished", "currency_changed"})



def _remembered_lookup(con: duckdb.DuckDBPyConnection | None) -> RememberedLookup | None:
    if con is None:
        return None

    def lookup(signature: str) -> Mapping[str, str | None] | None:
        found = store.load_mapping(con, signature)
        return json.loads(found) if found else None

    return lookup


def _memory(con: duckdb.DuckDBPyConnection | None) -> tuple[KeyedMapping, dict[str, str]]:
    """Header and stage-word mappings remembered from earlier imports."""
    if con is None:
        return {}, {}
    headers, _ = resolve_mapping(store.header_memory(con))
    stages, _ = resolve_stages(store.stage_memory(con))
    return headers, stages


def _pick_sheet(heads: list[SheetHead], sheet: str | None, file_name: str) -> list[SheetHead]:
    if sheet is None:
        return heads
    chosen = [h for h in heads if h.name == sheet] or [
        h for h in heads if h.name.casefold().strip() == sheet.casefold().strip()]
    if chosen:
        return chosen[:1]
    names = ", ".join(f"'{h.name}'" for h in heads)
    problem = Problem(
        Severity.ERROR, "sheet_not_found",
        f"there is no sheet named '{sheet}' holding cells in {file_name}; its sheets are {names}",
    )
    raise ImportRefused(f"Import refused: {problem.message}", (problem,))


def prepare_import(
    data: bytes,
    file_name: str,
    *,
    as_of: date | None = None,
    mapping: Mapping[str, object] | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
    limits: Limits = DEFAULT_LIMITS,
    sheet: str | None = None,
    reading: WorkbookRead | None = None,
) -> ImportPlan:
    """Everything an import would store, and every problem with it; never writes.

    Raises ImportRefused only when no plan can be formed (not a workbook, unreadable, empty,
    too many rows, no such sheet). Cell-level errors are in `plan.errors`; `commit_import`
    refuses them. `mapping` is {"columns": {...}, "stages": {...}} or the flat columns form.
    `con` (optional) supplies remembered mappings and last month's snapshot. `sheet` names
    the sheet to read instead of choosing one. `reading` is the child already started on
    `data` (the CLI starts it before its own imports); the byte guard runs in that child
    before any reader sees the bytes.
    """
    if reading is not None and (reading.data is not data or reading.limits != limits):
        reading.close()  # started on other bytes or limits: not this import's reader
        reading = None
    with reading if reading is not None else WorkbookRead(data, limits) as started:
        return _prepare(data, file_name, as_of, mapping, con, limits, sheet, started)


def _prepare(
    data: bytes, file_name: str, as_of: date | None, mapping: Mapping[str, object] | None,
    con: duckdb.DuckDBPyConnection | None, limits: Limits, sheet: str | None,
    reading: WorkbookRead,
) -> ImportPlan:
    month = store.month_start(as_of) if as_of is not None else as_of_from_name(file_name)
    parts = split_mapping(mapping)
    explicit, problems = resolve_mapping(parts.columns)
    own_stages, stage_problems = resolve_stages(parts.stages)
    problems += stage_problems
    remembered_headers, remembered_stages = _memory(con)
    heads = sheet_heads(open_workbook(data, limits, started=reading))
    if not heads:
        raise refuse_empty(file_name)
    sheets = tuple(h.name for h in heads)
    heads = _pick_sheet(heads, sheet, file_name)
    choice = choose_header(heads, explicit, _remembered_lookup(con), remembered_headers)
    problems += header_problems(choice, list(parts.columns))
    if choice.passed_over:
        problems.append(_sheet_warning(choice))
    plan = ImportPlan(
        file_name=file_name, sha256=hashlib.sha256(data).hexdigest(), as_of=month,
        sheet=choice.head.name, header_row=choice.header_row, columns=choice.columns,
        rows=empty_rows(), problems=tuple(problems), currency=None, workbook=data,
        sheets_passed=choice.passed_over, sheets=sheets,
        stage_mapping=tuple((str(k), str(v)) for k, v in parts.stages.items()
                            if str(v).strip().casefold() in {s.value for s in Stage}),
    )
    if any(p.code == "missing_required_column" for p in problems):
        return plan
    # Decoded, the reader's buffers (every sheet's: per row and per distinct value) can go; the
    # body is handed over in a list that _read_rows empties, so nothing here keeps it either.
    body = [read_body(choice.head, choice.offset, limits)]
    choice = replace(choice, head=replace(choice.head, columns=None))
    del heads
    found = _read_rows(choice, body, limits, {**remembered_stages, **own_stages})
    if found is None:
        return replace(plan, problems=(*problems, _no_data(choice)))
    # The reader child scans for typed error cells after the parse, while this process
    # normalised the rows.
    typed = reading.typed_errors()
    cell_problems = _merge_typed(
        found.problems, _typed_errors(typed, choice, found.rows["source_row"].to_numpy()))
    fields = frozenset(c.field for c in choice.columns if c.field)
    # A plan with errors is never stored: its raw cells are kept only for the rows the
    # mapping choices read.
    refused = any(p.severity is Severity.ERROR for p in (*problems, *cell_problems))
    rows = with_raw_json(found, ROWS_SAMPLED if refused else None)
    currency, unknown_stages = found.currency, found.unknown_stages
    # The decoded cells (several times the rows' size) are done with: freed before last
    # month's rows are read beside this month's.
    del choice, found
    pa.default_memory_pool().release_unused()
    history = (previous_month_warnings(con, month, rows, fields, currency)
               if con is not None else ())
    return replace(plan, rows=rows, currency=currency, unknown_stages=unknown_stages,
                   problems=(*problems, *cell_problems, *history))


def _sheet_warning(choice: HeaderChoice) -> Problem:
    others = ", ".join(f"'{name}'" for name in choice.passed_over)
    return Problem(
        Severity.WARNING, "sheet_choice",
        f"more than one sheet could be the export: took '{choice.head.name}' "
        f"({choice.data_rows()} rows below its header{'' if choice.head.visible else ', hidden'}) "
        f"and passed over {others}. If that is wrong, name the sheet (CLI --sheet NAME, or the "
        "sheet choice on the Data page)",
        sheet=choice.head.name, row=choice.header_row,
    )


def _typed_errors(
    typed: Mapping[str, list[ErrorCell]], choice: HeaderChoice, excel_rows: np.ndarray,
) -> list[Problem]:
    """Cells typed as Excel errors (calamine reads them as blank) in the mapped columns."""
    cells = typed.get(choice.head.name, [])
    if not cells:
        return []
    rows = {int(r) for r in excel_rows}
    by_index = {c.column_index: c.header for c in choice.columns if c.field}
    return [
        Problem(Severity.ERROR, "excel_error", EXCEL_ERROR_MESSAGE, choice.head.name,
                cell.row + 1, by_index[cell.column], cell.text)
        for cell in cells if cell.row + 1 in rows and cell.column in by_index
    ]


def _merge_typed(problems: tuple[Problem, ...], typed: list[Problem]) -> tuple[Problem, ...]:
    """The typed errors replace what their cells were read as (blank: e.g. an empty ID)."""
    if not typed:
        return problems
    flagged = {(p.row, p.column) for p in typed}
    kept = [p for p in problems if (p.row, p.column) not in flagged]
    return tuple(sorted([*kept, *typed], key=lambda p: p.row or 0))


def _read_rows(
    choice: HeaderChoice, handed: list[list[BodyColumn]], limits: Limits,
    stage_mapping: dict[str, str],
) -> Normalised | None:
    """The normalised data rows below the header (`handed`: the decoded body, taken out of
    the list), or None when there are none."""
    head = choice.head
    body = handed.pop()
    if not body:
        return None
    columns = [code_column(match, body[match.column_index - head.left]) for match in choice.columns]
    del body  # each column's values as read now live in its Coded column only
    if not columns:
        return None
    blank = np.logical_and.reduce([c.blank() for c in columns])
    kept = np.flatnonzero(~blank)
    if kept.size == 0:
        return None
    excel_rows = choice.header_row + 1 + kept
    found = normalise(head.name, excel_rows, [c.keep(kept) for c in columns], limits,
                      stage_mapping)
    # Arrow's allocator keeps the pages of the intermediate columns it freed; handed back
    # now, they do not add to the peak of the database write that follows (tens of MB at the
    # rows limit).
    pa.default_memory_pool().release_unused()
    return found


def _no_data(choice: HeaderChoice) -> Problem:
    found = ", ".join(f"'{c.header}'" for c in choice.columns)
    return Problem(
        Severity.ERROR, "no_data_rows",
        f"the header row was found (columns: {found}) but no initiative rows below it; "
        "export the portfolio with its rows",
        sheet=choice.head.name, row=choice.header_row,
    )


def _previous_month(con: duckdb.DuckDBPyConnection, as_of: date | None) -> date | None:
    if as_of is None:
        return None
    earlier = [s.as_of for s in store.list_snapshots(con) if s.as_of < as_of]
    return max(earlier) if earlier else None


def previous_month_warnings(
    con: duckdb.DuckDBPyConnection, as_of: date | None, rows: pd.DataFrame,
    fields: frozenset[str] | None = None, currency: str | None = None,
) -> tuple[Problem, ...]:
    """What changed since the latest stored month before `as_of`: initiatives this export
    lacks (IDs compared ignoring case and spaces), fields it no longer has, its currency."""
    previous = _previous_month(con, as_of)
    if previous is None:
        return ()
    # Not raw_json: it is as large as the rest of the month together.
    stored = store.read_month(con, previous,
                              ("initiative_id", "source_row", *FIELD_FIGURES))
    here = {id_key(str(i)) for i in rows["initiative_id"].dropna()}
    missing = stored[[id_key(str(i)) not in here for i in stored["initiative_id"]]]
    warnings = [
        Problem(
            Severity.WARNING, "missing_since_last_month",
            f"this initiative was in the {previous:%Y-%m} snapshot (row {source_row} there) and "
            f"is missing from this export; if it ended, keep its row with stage "
            f"'{Stage.STOPPED.value}' so the funnel still counts it",
            column=None, value=str(initiative_id),
        )
        for initiative_id, source_row in zip(missing["initiative_id"], missing["source_row"], strict=True)
    ]
    if fields is not None:
        warnings += _vanished_fields(stored, previous, fields)
    if fields is not None:
        warnings += _currency_change(con, previous, currency)
    return tuple(warnings)


def _vanished_fields(stored: pd.DataFrame, previous: date, fields: frozenset[str]) -> list[Problem]:
    """A field last month's export had (some value in it) and this export has no column for."""
    return [
        Problem(
            Severity.WARNING, "field_vanished",
            f"the {previous:%Y-%m} export had a {FIELD_BY_NAME[name].label.lower()} column and "
            f"this one has none, so {FIELD_FIGURES[name]} for this month. If the column was "
            "renamed, map it to this field; if it was dropped on purpose, this warning stays "
            "with the month",
            value=FIELD_BY_NAME[name].label,
        )
        for name in FIELD_FIGURES
        if name not in fields and name in stored.columns and stored[name].notna().any()
    ]


def _currency_change(
    con: duckdb.DuckDBPyConnection, previous: date, currency: str | None,
) -> list[Problem]:
    before = store.snapshot_currencies(con).get(previous) or DEFAULT_CURRENCY
    now = currency or DEFAULT_CURRENCY
    if before == now:
        return []
    return [Problem(
        Severity.WARNING, "currency_changed",
        f"this export's amounts are in {now}, the {previous:%Y-%m} snapshot's were in {before}; "
        f"views across both months show each month in its own currency and never add them. "
        f"If the amounts are really in {before}, write the currency in the money headers, "
        f"e.g. 'Budget ({before})'",
        value=now,
    )]
