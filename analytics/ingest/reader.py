"""Reading workbook cells with python-calamine (xlsx, xlsm, xlsb, xls, ods) in a child process.

Cells come back as written: text as text, numbers as floats, date-formatted cells as dates,
empty cells as "". No reader-side list of "missing" strings: each field decides later.

Calamine is native code. A crafted workbook can make it abort the process (SIGABRT when an
allocation fails) or allocate gigabytes, which no `except` can catch. So `open_workbook` runs it
in a child process (analytics/ingest/read_child.py) limited in address space and CPU time, and
gets back plain values: a crash, a runaway allocation or a timeout ends the child only and
becomes a refusal ("this workbook could not be read safely: ..."). The server and the CLI stay up.
The child runs the byte guard (analytics/ingest/guard/) first and lets calamine see the bytes
only once it has passed; a guard refusal comes back as the guard words it.

The child sends each sheet's first rows as values (to find the header in) and every column
dictionary-encoded as flat buffers (read_child.py), so the parent never holds a Python object
per cell: a column below the header is an int array of codes plus its distinct values.
"""
from __future__ import annotations

import contextlib
import datetime
import json
import pickle
import signal
import subprocess
import sys
import tempfile
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from analytics.ingest.cell_errors import ErrorCell
from analytics.limits import DEFAULT_LIMITS, Limits
from analytics.problems import ImportRefused, Problem, Severity

if TYPE_CHECKING:
    import numpy as np

# NumPy is imported where columns are decoded, not here: the CLI starts the reader child
# (WorkbookRead) before it loads pandas, NumPy and DuckDB, so that start-up overlaps the parse.

#: Title rows above the header are common; a header further down than this is not looked for.
HEADER_SCAN_ROWS = 30
_CHILD = Path(__file__).with_name("read_child.py")


@dataclass(frozen=True)
class EncodedColumn:
    """One sheet column as the child sent it (all rows from the sheet's first used row)."""

    first: bytes            # int32 per row: the row where this row's value first appears
    rows: bytes             # int32 per distinct value: that first row (ascending)
    text: bytes             # the text distinct values, UTF-8, one after the other
    ends: bytes             # int64 per text distinct value: where it ends in `text`
    other_at: bytes         # int32: positions (among the distinct values) of non-text values
    others: tuple[object, ...]  # those values: float, int, bool, date, datetime, time, timedelta


@dataclass(frozen=True)
class BodyColumn:
    """The cells of one column below the header: cell i is distinct value codes[i].

    The distinct values are those the body uses, in order of first appearance; the text ones
    are `text[text_index[k]]` of the column's text buffer, the others `others` in order.
    """

    codes: np.ndarray       # int32 per body row
    is_text: np.ndarray     # bool per distinct value
    text_index: np.ndarray  # int32 per text distinct value: its index in the column's texts
    text: bytes
    ends: np.ndarray        # int64 per text of the column: its end in `text`
    others: np.ndarray      # object: the non-text distinct values, in order

    def __len__(self) -> int:
        return len(self.codes)


def _body_column(column: EncodedColumn, start: int) -> BodyColumn:
    import numpy as np

    every = np.frombuffer(column.first, dtype=np.int32)
    first = every[start:]
    # The distinct values the body uses, ascending, and each row's rank among them: what
    # np.unique(first, return_inverse=True) gives, by marking rows instead of sorting.
    marked = np.zeros(len(every), dtype=bool)
    marked[first] = True
    used = np.flatnonzero(marked)
    codes = (np.cumsum(marked, dtype=np.int32) - 1)[first]
    position = np.searchsorted(np.frombuffer(column.rows, dtype=np.int32), used)
    count = len(column.rows) // 4
    is_other = np.zeros(count, dtype=bool)
    is_other[np.frombuffer(column.other_at, dtype=np.int32)] = True
    text_rank = np.cumsum(~is_other) - 1
    other_rank = np.cumsum(is_other) - 1
    is_text = ~is_other[position]
    others = np.empty(int((~is_text).sum()), dtype=object)
    if others.size:
        others[:] = [column.others[k] for k in other_rank[position[~is_text]]]
    return BodyColumn(codes.astype(np.int32).reshape(-1), is_text,
                      text_rank[position[is_text]].astype(np.int32), column.text,
                      np.frombuffer(column.ends, dtype=np.int64), others)


@dataclass(frozen=True)
class SheetHead:
    """A sheet's first rows, where its header row is looked for."""

    name: str
    index: int
    visible: bool
    top: int                      # 0-based sheet row of rows[0]
    left: int                     # 0-based sheet column of rows[i][0]
    height: int                   # rows from `top` to the last used row
    rows: list[list[object]]
    #: Every column of the sheet (None when the sheet is beyond the limits and was not read whole).
    columns: tuple[EncodedColumn, ...] | None = field(default=None, repr=False, compare=False)
    width: int = 0                # columns from `left` to the last used column

    def excel_row(self, offset: int) -> int:
        """The row number Excel shows for rows[offset] (or any offset below the head)."""
        return self.top + offset + 1


@dataclass(frozen=True)
class ParsedWorkbook:
    """What the child process read: the worksheets that hold cells, in workbook order."""

    sheets: tuple[SheetHead, ...]


def column_letter(index: int) -> str:
    """0-based sheet column -> 'A', 'B', ..., 'AA'."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _refuse(code: str, message: str, *, sheet: str | None = None, row: int | None = None,
            column: str | None = None, value: str | None = None) -> ImportRefused:
    problem = Problem(Severity.ERROR, code, message, sheet, row, column, value)
    return ImportRefused(f"Import refused: {problem.describe()}", (problem,))


def _unsafe(detail: str) -> ImportRefused:
    return _refuse(
        "unsafe_workbook",
        f"this workbook could not be read safely: {detail}. Nothing was imported. Open it in "
        "Excel, copy the portfolio's cells into a new workbook, save it as .xlsx and upload that",
    )


class _PlainValues(pickle.Unpickler):
    """Unpickles the child's answer allowing no class but the datetime types cells hold."""

    _ALLOWED: ClassVar[frozenset[tuple[str, str]]] = frozenset(
        ("datetime", n) for n in ("date", "datetime", "time", "timedelta", "timezone"))

    def find_class(self, module: str, name: str) -> type:
        if (module, name) in self._ALLOWED:
            found: type = getattr(datetime, name)
            return found
        raise pickle.UnpicklingError(f"{module}.{name} is not a cell value")


def child_command(limits: Limits) -> list[str]:
    """The command that runs the reader child for `limits` (the workbook goes to its stdin)."""
    return [sys.executable, "-I", str(_CHILD), json.dumps(asdict(limits)), str(HEADER_SCAN_ROWS)]


class WorkbookRead:
    """A workbook being checked and parsed in the child process, from the moment it is started.

    Starting the child before the caller's own heavy imports (pandas, DuckDB) lets the guard
    and the parse run on the other core meanwhile. Use it as a context manager, so a child
    whose answer is never collected is ended; `answer` collects it (once).
    """

    def __init__(self, data: bytes, limits: Limits = DEFAULT_LIMITS) -> None:
        self.data = data
        self.limits = limits
        # Closed by close(): the child's words, read once it has ended.
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115
        self._child = subprocess.Popen(child_command(limits), stdin=subprocess.PIPE,
                                       stdout=subprocess.PIPE, stderr=self._stderr)
        self._timed_out = threading.Event()
        self._timer = threading.Timer(limits.read_wall_seconds, self._stop)
        self._timer.start()
        # Fed from a thread: the caller goes on with its own start-up while the child reads.
        self._feeder = threading.Thread(target=self._feed, daemon=True)
        self._feeder.start()

    def _feed(self) -> None:
        stdin = self._child.stdin
        assert stdin is not None
        # A child that ended early (a crash, the timer) breaks the pipe: its status says why.
        with contextlib.suppress(BrokenPipeError, OSError, ValueError):
            try:
                stdin.write(self.data)
            finally:
                stdin.close()

    def _stop(self) -> None:
        # A child that has ended did so in time, whenever its last message is read.
        if self._child.poll() is None:
            self._timed_out.set()
            self._child.kill()

    def close(self) -> None:
        """End the child if it still runs; release its pipes and timer."""
        self._timer.cancel()
        if self._child.poll() is None:
            self._child.kill()
        self._child.wait()
        self._feeder.join()
        if self._child.stdout is not None:
            self._child.stdout.close()
        self._stderr.close()

    def __enter__(self) -> WorkbookRead:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _load(self) -> object:
        assert self._child.stdout is not None
        try:
            return _PlainValues(self._child.stdout).load()
        except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError,
                MemoryError):
            return None

    def _finish(self) -> None:
        """Wait for the child to end (its last message read) and raise if it did not end well."""
        try:
            assert self._child.stdout is not None
            self._child.stdout.read()
            code = self._child.wait()
            self._stderr.seek(0)
            detail = self._stderr.read(4096)
        finally:
            self.close()
        if self._timed_out.is_set():
            raise _unsafe(f"reading it took longer than {self.limits.read_wall_seconds:.0f} s")
        if code != 0:
            raise _unsafe(_why_child_ended(code, detail, self.limits))

    def answer(self) -> dict[str, object]:
        """The child's parse, unpickled as it streams in (the parent never holds the pickle's
        bytes and the cells at once); a guard refusal is raised as the guard words it. The
        child goes on to scan for typed error cells (`typed_errors`) unless this is a refusal."""
        verdict = self._load()
        answer = self._load() if verdict == {"accepted": True} else None
        if isinstance(answer, dict) and isinstance(answer.get("sheets"), list):
            return answer
        self._finish()
        if isinstance(verdict, dict) and "refused" in verdict:
            raise _guard_refusal(verdict)
        if not isinstance(answer, dict):
            raise _unsafe("the reader returned no usable answer")
        return answer

    def typed_errors(self) -> dict[str, list[ErrorCell]]:
        """Per sheet, the cells typed as Excel errors: the child's last message, after
        `answer`. Ends the child."""
        found = self._load()
        self._finish()
        try:
            if isinstance(found, dict):
                return {str(sheet): [ErrorCell(int(r), int(c), str(t)) for r, c, t in cells]
                        for sheet, cells in found.items()}
        except (TypeError, ValueError):
            pass  # not what a reader sends: refused below, never a traceback
        raise _unsafe("the reader returned no usable answer")


def _guard_refusal(verdict: dict[object, object]) -> ImportRefused:
    problems = verdict.get("problems")
    try:
        if isinstance(problems, list) and all(isinstance(p, tuple) and len(p) == 7
                                              for p in problems):
            return ImportRefused(str(verdict["refused"]),
                                 tuple(Problem(Severity(p[0]), *p[1:]) for p in problems))
    except (TypeError, ValueError):
        pass  # not what the guard sends: refused below, never a traceback
    return _unsafe("the reader returned no usable answer")


def _why_child_ended(code: int, stderr: bytes, limits: Limits) -> str:
    text = stderr.decode("utf-8", "replace")
    memory = f"{limits.read_address_space_bytes // (1024 * 1024):,} MB"
    if code == -signal.SIGXCPU or code == -signal.SIGKILL and "CPU" in text:
        return f"reading it needed more than {limits.read_cpu_seconds} s of processor time"
    if code in (-signal.SIGABRT, -signal.SIGSEGV, -signal.SIGBUS, 3) or "memory" in text.lower():
        return (f"the spreadsheet reader stopped (it needed more than the {memory} a workbook "
                "may use, or the file is built to crash it)")
    if code < 0:
        return f"the spreadsheet reader was stopped by signal {signal.Signals(-code).name}"
    return f"the spreadsheet reader failed (exit status {code})"


def open_workbook(data: bytes, limits: Limits = DEFAULT_LIMITS,
                  started: WorkbookRead | None = None) -> ParsedWorkbook:
    """The workbook's worksheets, checked by the byte guard and then parsed, in a
    resource-limited child process. `started` is the same read begun earlier
    (`WorkbookRead(data, limits)`); its owner ends it, after `typed_errors` if wanted."""
    if started is not None and (started.data is not data or started.limits != limits):
        started = None
    if started is not None:
        answer = started.answer()
    else:
        with WorkbookRead(data, limits) as reading:
            answer = reading.answer()
    if "error" in answer:
        sheet = answer.get("sheet")
        named = sheet if isinstance(sheet, str) else None
        what = "this sheet" if named else "the workbook"
        raise _refuse(
            "unreadable_workbook",
            f"{what} cannot be read ({answer['error']}); open the workbook in Excel, save it "
            "again as .xlsx and retry",
            sheet=named,
        )
    sheets = answer.get("sheets")
    if not isinstance(sheets, list):
        raise _unsafe("the reader returned no usable answer")
    return ParsedWorkbook(tuple(
        SheetHead(
            name=str(s["name"]), index=int(s["index"]), visible=bool(s["visible"]),
            top=int(s["top"]), left=int(s["left"]), height=int(s["height"]),
            rows=s["rows"][:HEADER_SCAN_ROWS],
            columns=_columns(s["columns"]) if s["complete"] else None, width=int(s["width"]),
        )
        for s in sheets
    ))


def _columns(sent: object) -> tuple[EncodedColumn, ...]:
    if not isinstance(sent, list):
        raise _unsafe("the reader returned no usable answer")
    return tuple(
        EncodedColumn(bytes(c["first"]), bytes(c["rows"]), bytes(c["text"]), bytes(c["ends"]),
                      bytes(c["other_at"]), tuple(c["others"]))
        for c in sent
    )


def sheet_heads(workbook: ParsedWorkbook) -> list[SheetHead]:
    """Every worksheet that holds cells, with its first HEADER_SCAN_ROWS rows."""
    return list(workbook.sheets)


def read_body(head: SheetHead, header_offset: int, limits: Limits) -> list[BodyColumn]:
    """The cells below the header row, column by column (index 0 is the head's `left`);
    [] when there are no rows below the header."""
    body_rows = head.height - header_offset - 1
    if body_rows > limits.max_rows:
        first_over = head.excel_row(header_offset + 1 + limits.max_rows)
        raise _refuse(
            "too_many_rows",
            f"the sheet has {body_rows:,} rows below its header; the limit is "
            f"{limits.max_rows:,}. Remove rows from row {first_over} down, or split the export",
            sheet=head.name, row=first_over,
        )
    if head.width > limits.max_columns:
        raise _refuse(
            "too_many_columns",
            f"the sheet's cells span {head.width:,} columns; the limit is "
            f"{limits.max_columns:,}. Delete the columns right of the portfolio's last column "
            f"({column_letter(head.left + limits.max_columns - 1)}) in Excel, save and retry",
            sheet=head.name,
        )
    if body_rows <= 0:
        return []
    if head.columns is None:
        raise _refuse(
            "too_many_cells",
            f"the workbook's sheets hold more than {limits.max_workbook_cells:,} cells "
            f"(this one spans {head.height:,} rows x {head.width:,} columns); delete the other "
            "sheets and the unused columns in Excel, save and retry",
            sheet=head.name,
        )
    return [_body_column(column, header_offset + 1) for column in head.columns]
