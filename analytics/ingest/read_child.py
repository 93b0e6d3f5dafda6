"""The child process that checks and parses a workbook, under resource limits.

Run as `python -I analytics/ingest/read_child.py LIMITS_JSON SCAN_ROWS` with the workbook bytes
on stdin; writes up to three pickles to stdout: the byte guard's verdict
(analytics/ingest/guard/), the parsed sheets, then the cells typed as Excel errors
(analytics/ingest/cell_errors.py). The guard runs here first, and python_calamine is imported only once
it has passed: no native reader ever sees bytes the guard has not accepted. Calamine is native
code: a crafted workbook can make it abort (SIGABRT on a failed allocation) or allocate without
bound, and neither can be caught in Python. Here such a failure ends this process only; the
parent (the Streamlit server or the CLI) sees a dead child and refuses the file. Checking here
rather than in the parent also lets the parent do its own start-up (pandas, DuckDB) meanwhile.

Only the standard library, the guard (itself standard library only) and python_calamine are
imported, so the address-space limit is spent on the workbook, not on pandas or NumPy. The
result holds only plain values (str, float, int, bool, bytes, the datetime types) so the
parent can unpickle it with a class allow-list.

A sheet's cells are sent column by column, dictionary-encoded: per row the index of the first
row holding the same value (an int32 array), and each distinct value once, its text as one
UTF-8 buffer with end offsets (Arrow's string layout). The rows are read in batches, so the
Python objects calamine makes per cell live for one batch only; the parent builds no object
per cell at all. Encoding is `map(dict.setdefault, cells, count(row))`: C loops throughout.
"""
from __future__ import annotations

import io
import json
import pickle
import resource
import sys
from array import array
from itertools import accumulate, count, islice
from operator import itemgetter
from pathlib import Path
from typing import Any

#: Rows converted to Python objects at once: their cells are the child's only per-cell objects.
BATCH_ROWS = 8_192
#: A column with more distinct values than this share of its rows, once this many rows are
#: read, is not deduplicated any further: its values are appended to flat buffers (_Plain).
PLAIN_AFTER_ROWS, PLAIN_SHARE = 4_096, 0.5


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
            # iter_rows starts at the sheet's first row, to_python at its first used row.
            rows = islice(sheet.iter_rows(), start[0], None)
            head = list(islice(rows, scan_rows))
            columns = _encode(head, rows, min(width, max_columns)) if whole else None
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # noqa: BLE001 - calamine reports Rust panics as BaseException
            return {"error": _failure(exc), "sheet": meta.name}
        if not head:
            continue
        if width > max_columns:
            head = [row[:max_columns] for row in head]
        sheets.append({
            "name": meta.name, "index": index,
            "visible": meta.visible is SheetVisibleEnum.Visible,
            "top": start[0], "left": start[1], "height": height, "width": width,
            "complete": whole, "rows": head, "columns": columns,
        })
        del sheet, rows
    return {"sheets": sheets}


class _Plain:
    """The rest of a column whose values hardly repeat (names, notes, free text): each row is
    its own distinct value, appended to flat buffers, so no Python object outlives its batch."""

    def __init__(self, position: int) -> None:
        self.position = position          # distinct values before this part (the dict's)
        self.text = bytearray()
        self.ends = array("q")
        self.rows = array("i")
        self.other_at = array("i")
        self.others: list[Any] = []

    def add(self, cells: tuple[Any, ...], row: int) -> None:
        if set(map(type, cells)) <= {str}:
            encoded = list(map(str.encode, cells))
            self.ends.extend(islice(accumulate(map(len, encoded), initial=len(self.text)), 1, None))
            self.text += b"".join(encoded)
        else:
            for cell in cells:
                if cell.__class__ is str:
                    self.text += cell.encode()
                    self.ends.append(len(self.text))
                else:
                    self.other_at.append(self.position + len(self.ends) + len(self.others))
                    self.others.append(cell)
        self.rows.extend(range(row, row + len(cells)))


def _encode(head: list[list[Any]], rest: Any, width: int) -> list[dict[str, object]]:
    """Every column of the sheet, dictionary-encoded (see the module's docstring)."""
    seen: list[dict[Any, int]] = [{} for _ in range(width)]
    firsts = [array("i") for _ in range(width)]
    plain: list[_Plain | None] = [None] * width
    # One column of a batch at a time, by an item getter: zip(*batch) would step through
    # thousands of row iterators in lockstep, almost three times slower.
    columns = [itemgetter(j) for j in range(width)]
    batch, row = head, 0
    while batch:
        for j in range(min(width, *map(len, batch))):
            cells = tuple(map(columns[j], batch))
            tail = plain[j]
            if tail is not None:
                tail.add(cells, row)
                firsts[j].extend(range(row, row + len(cells)))
                continue
            if bool in set(map(type, cells)):
                # True == 1.0 as a dict key: a boolean cell must not share a number's entry.
                cells = tuple((bool, v) if v.__class__ is bool else v for v in cells)
            firsts[j].extend(map(seen[j].setdefault, cells, count(row)))
            read = row + len(cells)
            if read >= PLAIN_AFTER_ROWS and len(seen[j]) > read * PLAIN_SHARE:
                plain[j] = _Plain(len(seen[j]))
        row += len(batch)
        batch = list(islice(rest, BATCH_ROWS))
    return [_distinct(index, first, tail) for index, first, tail in zip(seen, firsts, plain, strict=True)]


def _distinct(index: dict[Any, int], first: array, tail: _Plain | None) -> dict[str, object]:
    keys = list(index)
    texts: list[str] = []
    other_at = array("i")
    others: list[Any] = []
    if set(map(type, keys)) <= {str}:
        texts = keys
    else:
        for position, key in enumerate(keys):
            if key.__class__ is str:
                texts.append(key)
            else:
                other_at.append(position)
                others.append(key[1] if key.__class__ is tuple else key)
    encoded = list(map(str.encode, texts))
    ends = array("q", accumulate(map(len, encoded)))
    text = b"".join(encoded)
    rows = array("i", index.values())
    if tail is not None:
        ends.extend(map(len(text).__add__, tail.ends))
        text += tail.text
        rows += tail.rows
        other_at += tail.other_at
        others += tail.others
    return {
        "first": first.tobytes(), "rows": rows.tobytes(), "text": bytes(text),
        "ends": ends.tobytes(), "other_at": other_at.tobytes(), "others": others,
    }


def _guard(data: bytes, limits_json: str) -> dict[str, object] | None:
    """The byte guard's refusal as plain values, or None when the bytes may be parsed."""
    # The project's root, not this script's directory: `-I` puts neither on sys.path.
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from analytics.ingest.guard import check_bytes
    from analytics.limits import Limits
    from analytics.problems import ImportRefused

    try:
        check_bytes(data, Limits(**json.loads(limits_json)))
    except ImportRefused as refused:
        # Plain values only (the severity as its text): the parent allows no other class.
        return {"refused": str(refused),
                "problems": [(str(p.severity), p.code, p.message, p.sheet, p.row, p.column,
                              p.value) for p in refused.problems or ()]}
    return None


def main(argv: list[str]) -> int:
    limits_json, scan_rows = argv[0], int(argv[1])
    limits = json.loads(limits_json)
    _limit(limits["read_address_space_bytes"], limits["read_cpu_seconds"])
    data = sys.stdin.buffer.read()
    try:
        verdict = _guard(data, limits_json)
    except MemoryError:
        return 3
    out = sys.stdout.buffer
    pickle.dump(verdict or {"accepted": True}, out, protocol=pickle.HIGHEST_PROTOCOL)
    out.flush()
    if verdict is not None:
        return 0
    try:
        result = parse(data, limits["max_rows"], limits["max_columns"], scan_rows,
                       limits["max_workbook_cells"])
    except MemoryError:
        return 3
    pickle.dump(result, out, protocol=pickle.HIGHEST_PROTOCOL)
    out.flush()
    if "sheets" not in result:
        return 0
    del result
    # Third, the cells typed as Excel errors (calamine reads them as blank): the parent
    # normalises the rows meanwhile and takes these when it reports problems.
    from analytics.ingest.cell_errors import error_cells

    typed = {sheet: [(c.row, c.column, c.text) for c in cells]
             for sheet, cells in error_cells(data).items()}
    pickle.dump(typed, out, protocol=pickle.HIGHEST_PROTOCOL)
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
