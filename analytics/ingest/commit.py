"""commit_import and import_file: storing a checked plan as its month's snapshot."""
from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from datetime import date
from pathlib import Path

import duckdb

from analytics import store
from analytics.backup import make_backup
from analytics.ingest.headers import load_mapping_file, remembered_entries, signature
from analytics.ingest.model import IMPORTED, REPLACED, UNCHANGED, ImportPlan, ImportResult
from analytics.ingest.months import as_of_from_name, parse_month
from analytics.ingest.plan import prepare_import, previous_month_warnings
from analytics.limits import DEFAULT_LIMITS, Limits
from analytics.problems import ImportRefused, PortfolioError, Problem, Severity

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


def commit_import(
    con: duckdb.DuckDBPyConnection,
    plan: ImportPlan,
    *,
    replace: bool = False,
    imported_by: str = "",
    is_sample: bool = False,
) -> ImportResult:
    """Store the plan as its month, in one transaction; the same file again changes nothing.

    Raises ImportRefused when the plan has errors or no month, SnapshotExists when the month
    holds a different file and `replace` is false.
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
    # Last month's initiatives are looked up again here: the plan may have been prepared
    # without a connection, or before another month was imported.
    history = previous_month_warnings(con, plan.as_of, plan.rows)
    warnings = (*(p for p in plan.warnings if p.code != "missing_since_last_month"), *history)
    stored = store.snapshot_sha(con, plan.as_of)
    if stored == plan.sha256:
        return ImportResult(plan.as_of, UNCHANGED, len(plan.rows), warnings)
    meta = store.SnapshotMeta(
        as_of=plan.as_of, file_name=plan.file_name, sha256=plan.sha256, sheet=plan.sheet,
        header_row=plan.header_row, currency=plan.currency, imported_by=imported_by,
        is_sample=is_sample,
    )
    store.write_snapshot(con, meta, plan.rows, warnings, plan.workbook, replace=replace)
    remember = remembered_entries(plan.columns)
    if remember is not None:
        store.save_mapping(con, signature([c.header for c in plan.columns]), json.dumps(remember))
    return ImportResult(plan.as_of, REPLACED if stored else IMPORTED, len(plan.rows), warnings)


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
    mapping: Mapping[str, str | None] | str | os.PathLike[str] | None = None,
    replace: bool = False,
    imported_by: str = "",
    is_sample: bool = False,
    file_name: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
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
        plan = prepare_import(data, name, as_of=month, mapping=mapping, con=con, limits=limits)
    if plan.errors:
        raise refusal(plan)
    if not is_sample:
        backup_before_commit(db, plan, replace=replace)
    with store.connect(db) as con:
        result = commit_import(con, plan, replace=replace, imported_by=imported_by,
                               is_sample=is_sample)
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
    mapping: Mapping[str, str | None] | str | os.PathLike[str] | None = None,
    replace: bool = False,
    imported_by: str = "",
    is_sample: bool = False,
    file_name: str | None = None,
) -> ImportResult:
    """Read, check and store one workbook (a path or its bytes) as its month's snapshot.

    `mapping` is a {header: field} dict or the path of a mapping JSON file; `as_of` a date,
    'YYYY-MM', or None to take the month from the file name.
    """
    return import_with_plan(
        path_or_bytes, db=db, as_of=as_of, mapping=mapping, replace=replace,
        imported_by=imported_by, is_sample=is_sample, file_name=file_name,
    )[1]
