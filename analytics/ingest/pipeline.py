"""The import pipeline after reading: refusals, and commit_import storing a checked plan as its
month's snapshot. analytics/operations.py runs it with its backup (import_file).
"""
from __future__ import annotations

import hashlib
from datetime import date

import duckdb

from analytics import store
from analytics.domain import header_key, value_key
from analytics.formatting import DEFAULT_CURRENCY
from analytics.ingest.headers import remembered_entries
from analytics.ingest.model import IMPORTED, REPLACED, UNCHANGED, ImportPlan, ImportResult
from analytics.ingest.plan import HISTORY_CODES, previous_month_warnings
from analytics.ingest.source import read_source as read_source  # lives there, without DuckDB
from analytics.problems import ImportRefused, PortfolioError, Problem, SampleInDatabase, Severity


def refusal(plan: ImportPlan) -> ImportRefused:
    errors = plan.errors
    where = f" (sheet '{plan.sheet}')" if plan.sheet else ""
    return ImportRefused(
        f"Import refused: {len(errors)} error{'s' if len(errors) != 1 else ''} in "
        f"{plan.file_name}{where}; nothing was written. First: {errors[0].describe()}",
        plan.problems,
    )


def missing_as_of(file_name: str) -> ImportRefused:
    problem = Problem(
        Severity.ERROR, "missing_as_of",
        f"cannot tell which month '{file_name}' describes; give the month (--as-of YYYY-MM) "
        "or put it in the file name, e.g. portfolio-2025-03.xlsx",
    )
    return ImportRefused(f"Import refused: {problem.message}", (problem,))


SAMPLE_REFUSAL = (
    "the database holds the shipped sample portfolio ({months}); a real export is never mixed "
    "with it. Import again with --replace-sample to remove the sample months and store this "
    "one in the same step (or choose 'remove the sample' on the Data page)"
)


def sample_refusal(samples: list[date]) -> SampleInDatabase:
    months = f"{len(samples)} months, {samples[0]:%Y-%m} to {samples[-1]:%Y-%m}"
    return SampleInDatabase("Import refused: " + SAMPLE_REFUSAL.format(months=months))


def sample_months(con: duckdb.DuckDBPyConnection) -> list[date]:
    return [s.as_of for s in store.list_snapshots(con) if s.is_sample]


def commit_import(
    con: duckdb.DuckDBPyConnection,
    plan: ImportPlan,
    *,
    replace: bool = False,
    imported_by: str = "",
    is_sample: bool = False,
    replace_sample: bool = False,
) -> ImportResult:
    """Store the plan as its month, in one transaction; the same file again changes nothing.

    Raises ImportRefused when the plan has errors or no month, SnapshotExists when the month
    holds a different file and `replace` is false, SampleInDatabase when a real export meets
    sample months and `replace_sample` is false (with it, they are removed in the same
    transaction).
    """
    if plan.as_of is None:
        raise missing_as_of(plan.file_name)
    if plan.errors:
        raise refusal(plan)
    if hashlib.sha256(plan.workbook).hexdigest() != plan.sha256:
        raise PortfolioError(
            f"the plan for {plan.file_name} does not carry the workbook it was read from; "
            "prepare it again from the file"
        )
    samples = [] if is_sample else sample_months(con)
    if samples and not replace_sample:
        raise sample_refusal(samples)
    stored = None if samples else store.snapshot_sha(con, plan.as_of)
    if stored == plan.sha256:
        warnings = (*(p for p in plan.warnings if p.code not in HISTORY_CODES),
                    *_history(con, plan))
        return ImportResult(plan.as_of, UNCHANGED, len(plan.rows), warnings)
    currency = plan.currency or DEFAULT_CURRENCY
    passed = ", ".join(f"'{s}'" for s in plan.sheets_passed)
    meta = store.SnapshotMeta(
        as_of=plan.as_of, file_name=plan.file_name, sha256=plan.sha256, sheet=plan.sheet,
        header_row=plan.header_row, currency=currency, imported_by=imported_by,
        is_sample=is_sample,
        detail=f"sheet '{plan.sheet}'" + (f"; passed over {passed}" if passed else ""),
    )
    # Once the sample is gone the real export has no "last month" to be compared with.
    history = () if samples else _history(con, plan)
    warnings = (*(p for p in plan.warnings if p.code not in HISTORY_CODES), *history)
    store.write_snapshot(con, meta, plan.rows, warnings, plan.workbook, replace=replace,
                         remove_sample=bool(samples))
    remember = remembered_entries(plan.columns)
    if remember is not None:
        store.remember_headers(con, remember, header_key)
    if plan.stage_mapping:
        store.remember_stages(con, {w: s.strip().casefold() for w, s in plan.stage_mapping},
                              lambda w: value_key(" ".join(str(w).split())))
    return ImportResult(plan.as_of, REPLACED if stored else IMPORTED, len(plan.rows), warnings)


def _history(con: duckdb.DuckDBPyConnection, plan: ImportPlan) -> tuple[Problem, ...]:
    # Looked up again here: the plan may have been prepared without a connection, or before
    # another month was imported.
    fields = frozenset(c.field for c in plan.columns if c.field)
    return previous_month_warnings(con, plan.as_of, plan.rows, fields, plan.currency)


def will_write(con: duckdb.DuckDBPyConnection, plan: ImportPlan, *, replace: bool) -> bool:
    """True when committing `plan` would change the database: not the same file again, and
    not a different file for a stored month without `replace` (that is refused)."""
    if plan.as_of is None or plan.errors:
        return False
    stored = store.snapshot_sha(con, plan.as_of)
    return stored != plan.sha256 and (stored is None or replace)
