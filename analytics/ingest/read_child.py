"""The child process that parses a workbook with python-calamine, under resource limits.

Run as `python -I analytics/ingest/read_child.py MAX_ROWS MAX_COLUMNS SCAN_ROWS MAX_CELLS
AS_BYTES CPU_SECONDS` with the workbook bytes on stdin; writes one pickle to stdout. Calamine is native
code: a crafted workbook can make it abort (SIGABRT on a failed allocation) or allocate without
bound, and neither can be caught in Python. Here such a failure ends this process only; the
parent (the Streamlit server or the CLI) sees a dead child and refuses the file.

Only the standard library and python_calamine are imported, so the address-space limit is spent
on the workbook, not on pandas or NumPy. The result holds only plain values (str, float, int,
bool, the datetime types) so the parent can unpickle it with a class allow-list.
"""
from __future__ import annotations

import io
import pickle
import resource
import sys
from typing import Any


def _limit(max_address_space: int, cpu_seconds: int) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (max_address_space, max_address_space))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
    # A core dump of a refused workbook is neither wanted nor small.
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _failure(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {str(exc)[:300]}"


def parse(
    data: bytes, max_rows: int, max_columns: int, scan_rows: int, max_cells: int,
) -> dict[str, object]:
    """Every worksheet: name, index, visibility, extent and cells (all rows when the sheet is
    within the limits and the workbook's cell budget, else only the first `scan_rows`, so the
    parent can say which limit)."""
    from python_calamine import CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # noqa: BLE001 - calamine reports Rust panics as BaseException
        return {"error": _failure(exc), "sheet": None}
    sheets = []
    budget = max_cells
    for index, meta in enumerate(workbook.sheets_metadata):
        if meta.typ is not SheetTypeEnum.WorkSheet:
            continue
        try:
            sheet = workbook.get_sheet_by_name(meta.name)
            start = sheet.start
            if start is None:
                continue
            height, width = sheet.height, sheet.width
            whole = (height <= max_rows + scan_rows and width <= max_columns
                     and height * width <= budget)
            if whole:
                budget -= height * width
            rows = sheet.to_python() if whole else sheet.to_python(nrows=scan_rows)
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # noqa: BLE001 - calamine reports Rust panics as BaseException
            return {"error": _failure(exc), "sheet": meta.name}
        if not rows:
            continue
        if width > max_columns:
            rows = [row[:max_columns] for row in rows]
        _share_repeated_text(rows)
        sheets.append({
            "name": meta.name, "index": index,
            "visible": meta.visible is SheetVisibleEnum.Visible,
            "top": start[0], "left": start[1], "height": height, "width": width,
            "complete": whole, "rows": rows,
        })
        del sheet
    return {"sheets": sheets}


def _share_repeated_text(rows: list[Any]) -> None:
    """One object per distinct text: stages, business units and blanks repeat on every row, and
    pickle sends an object it has already sent as a reference, so the parent holds each once."""
    seen: dict[str, str] = {}
    for row in rows:
        for j, value in enumerate(row):
            if type(value) is str:
                row[j] = seen.setdefault(value, value)


def main(argv: list[str]) -> int:
    max_rows, max_columns, scan_rows, max_cells, address_space, cpu_seconds = (
        int(a) for a in argv[:6])
    _limit(address_space, cpu_seconds)
    data = sys.stdin.buffer.read()
    try:
        result = parse(data, max_rows, max_columns, scan_rows, max_cells)
    except MemoryError:
        return 3
    del data
    pickle.dump(result, sys.stdout.buffer, protocol=pickle.HIGHEST_PROTOCOL)
    sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
