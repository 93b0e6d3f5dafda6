"""Reading workbook cells with python-calamine (xlsx, xlsm, xlsb, xls, ods).

Cells come back as written: text as text, numbers as floats, date-formatted cells as dates,
empty cells as "". No reader-side list of "missing" strings: each field decides later.
"""
from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from python_calamine import CalamineSheet, CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

from analytics.limits import Limits
from analytics.problems import ImportRefused, Problem, Severity

#: Title rows above the header are common; a header further down than this is not looked for.
HEADER_SCAN_ROWS = 30


@dataclass(frozen=True)
class SheetHead:
    """A sheet's first rows, where its header row is looked for."""

    name: str
    index: int
    visible: bool
    top: int                      # 0-based sheet row of rows[0]
    left: int                     # 0-based sheet column of rows[i][0]
    height: int                   # rows from `top` to the last used row
    rows: Sequence[Sequence[object]]
    sheet: CalamineSheet = field(repr=False, compare=False)

    def excel_row(self, offset: int) -> int:
        """The row number Excel shows for rows[offset] (or any offset below the head)."""
        return self.top + offset + 1


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


def open_workbook(data: bytes) -> CalamineWorkbook:
    try:
        return CalamineWorkbook.from_filelike(io.BytesIO(data))
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # calamine reports Rust panics as BaseException
        raise _refuse(
            "unreadable_workbook",
            f"the workbook cannot be read ({type(exc).__name__}: {exc}); open it in Excel, "
            "save it again as .xlsx and retry",
        ) from exc


def sheet_heads(workbook: CalamineWorkbook) -> list[SheetHead]:
    """Every worksheet that holds cells, with its first HEADER_SCAN_ROWS rows."""
    heads = []
    for index, meta in enumerate(workbook.sheets_metadata):
        if meta.typ is not SheetTypeEnum.WorkSheet:
            continue
        try:
            sheet = workbook.get_sheet_by_name(meta.name)
            start = sheet.start
            rows = sheet.to_python(nrows=HEADER_SCAN_ROWS) if start is not None else []
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # calamine reports Rust panics as BaseException
            raise _refuse(
                "unreadable_workbook",
                f"this sheet cannot be read ({type(exc).__name__}: {exc}); open the workbook "
                "in Excel, save it again as .xlsx and retry",
                sheet=meta.name,
            ) from exc
        if start is None or not rows:
            continue
        heads.append(SheetHead(
            name=meta.name, index=index, visible=meta.visible is SheetVisibleEnum.Visible,
            top=start[0], left=start[1], height=sheet.height, rows=rows, sheet=sheet,
        ))
    return heads


def read_body(head: SheetHead, header_offset: int, limits: Limits) -> np.ndarray:
    """The cells below the header row as a 2-D object array (rows x columns of the head).

    The row limit is checked against the sheet's extent before any cell becomes a Python
    object, so an oversized sheet costs no memory beyond calamine's own.
    """
    body_rows = head.height - header_offset - 1
    if body_rows > limits.max_rows:
        first_over = head.excel_row(header_offset + 1 + limits.max_rows)
        raise _refuse(
            "too_many_rows",
            f"the sheet has {body_rows:,} rows below its header; the limit is "
            f"{limits.max_rows:,}. Remove rows from row {first_over} down, or split the export",
            sheet=head.name, row=first_over,
        )
    if body_rows <= 0:
        return np.empty((0, len(head.rows[0]) if head.rows else 0), dtype=object)
    try:
        rows = head.sheet.to_python()
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # calamine reports Rust panics as BaseException
        raise _refuse(
            "unreadable_workbook",
            f"this sheet cannot be read ({type(exc).__name__}: {exc}); save it again as .xlsx",
            sheet=head.name,
        ) from exc
    body = rows[header_offset + 1:]
    grid = np.empty((len(body), len(rows[0])), dtype=object)
    grid[:] = body
    return grid
