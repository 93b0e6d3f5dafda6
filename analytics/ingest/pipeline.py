"""commit_import and import_file: storing a checked plan as its month's snapshot."""
from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from datetime import date
from pathlib import Path

import duckdb

from analytics import store
from analytics.backup import make_backup
from analytics.domain import header_key, value_key
from analytics.formatting import DEFAULT_CURRENCY
from analytics.ingest.headers import load_mapping_file, remembered_entries
from analytics.ingest.model import IMPORTED, REPLACED, UNCHANGED, ImportPlan, ImportResult
from analytics.ingest.months import as_of_from_name, parse_month
from analytics.ingest.plan import HISTORY_CODES, prepare_import, previous_month_warnings
from analytics.limits import DEFAULT_LIMITS, Limits
from analytics.problems import ImportRefused, PortfolioError, Problem, SampleInDatabase, Severity


def refusal(plan: ImportPlan) -> ImportRefused:
    errors = plan.errors
    where = f" (sheet '{plan.sheet}')" if plan.sheet else ""
    return ImportRefused(
        f"Import refused: {len(errors)} error{'s' if len(errors) != 1 else ''} in "
        f"{plan.file_name}{where}; nothing was written. First: {errors[0].describe()}",
        plan.problems,
    )


def _missing_as_of(file_name: str) -> ImportRefused:
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
        raise _missing_as_of(plan.file_name)
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


def _read_source(
    path_or_bytes: bytes | str | os.PathLike[str], file_name: str | None, limits: Limits,
) -> tuple[bytes, str]:
    if isinstance(path_or_bytes, (bytes, bytearray, memoryview)):
        return bytes(path_or_bytes), file_name or "workbook.xlsx"
    path = Path(path_or_bytes)
    try:
        with path.open("rb") as source:
            # One byte over the limit is enough for the guard to refuse a huge file.
            data = source.read(limits.max_upload_bytes + 1)
    except FileNotFoundError:
        raise PortfolioError(f"file not found: {path}") from None
    except OSError as exc:
        raise PortfolioError(f"cannot read {path}: {exc.strerror or exc}") from None
    return data, file_name or path.name


def import_with_plan(
    path_or_bytes: bytes | str | os.PathLike[str],
    *,
    db: str | os.PathLike[str] | None = None,
    as_of: date | str | None = None,
    mapping: Mapping[str, object] | str | os.PathLike[str] | None = None,
    replace: bool = False,
    imported_by: str = "",
    is_sample: bool = False,
    file_name: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
    sheet: str | None = None,
    replace_sample: bool = False,
) -> tuple[ImportPlan, ImportResult]:
    """import_file, also returning the plan (the CLI summary shows its sheet and header row)."""
    data, name = _read_source(path_or_bytes, file_name, limits)
    month = parse_month(as_of) if isinstance(as_of, str) else as_of
    month = store.month_start(month) if month is not None else as_of_from_name(name)
    if month is None:
        raise _missing_as_of(name)
    if mapping is not None and not isinstance(mapping, Mapping):
        mapping = load_mapping_file(mapping)
    # Read and check under a read-only connection: no write lock is held while the workbook
    # is parsed, and a refused file never pushes a good backup out of the rotation.
    with store.connect(db, read_only=True) as con:
        plan = prepare_import(data, name, as_of=month, mapping=mapping, con=con, limits=limits,
                              sheet=sheet)
        samples = [] if is_sample else sample_months(con)
    if plan.errors:
        raise refusal(plan)
    if samples and not replace_sample:
        raise sample_refusal(samples)
    if not is_sample:
        backup_before_commit(db, plan, replace=replace)
    with store.connect(db) as con:
        result = commit_import(con, plan, replace=replace, imported_by=imported_by,
                               is_sample=is_sample, replace_sample=replace_sample)
    return plan, result


def will_write(con: duckdb.DuckDBPyConnection, plan: ImportPlan, *, replace: bool) -> bool:
    """True when committing `plan` would change the database: not the same file again, and
    not a different file for a stored month without `replace` (that is refused)."""
    if plan.as_of is None or plan.errors:
        return False
    stored = store.snapshot_sha(con, plan.as_of)
    return stored != plan.sha256 and (stored is None or replace)


def backup_before_commit(
    db: str | os.PathLike[str] | None, plan: ImportPlan, *, replace: bool,
) -> Path | None:
    """A backup, only when the database holds a month and committing `plan` will write.

    No-op re-imports and refusals take none, so they never rotate a good backup away.
    """
    with store.connect(db, read_only=True) as con:
        needed = bool(store.list_snapshots(con)) and will_write(con, plan, replace=replace)
    # Taken with no connection open: DuckDB's lock would not cover a copy made under one.
    return make_backup(db, "import") if needed else None


def import_file(
    path_or_bytes: bytes | str | os.PathLike[str],
    *,
    db: str | os.PathLike[str] | None = None,
    as_of: date | str | None = None,
    mapping: Mapping[str, object] | str | os.PathLike[str] | None = None,
    replace: bool = False,
    imported_by: str = "",
    is_sample: bool = False,
    file_name: str | None = None,
    sheet: str | None = None,
    replace_sample: bool = False,
) -> ImportResult:
    """Read, check and store one workbook (a path or its bytes) as its month's snapshot.

    `mapping` is a {header: field} dict or the path of a mapping JSON file; `as_of` a date,
    'YYYY-MM', or None to take the month from the file name.
    """
    return import_with_plan(
        path_or_bytes, db=db, as_of=as_of, mapping=mapping, replace=replace,
        imported_by=imported_by, is_sample=is_sample, file_name=file_name, sheet=sheet,
        replace_sample=replace_sample,
    )[1]
