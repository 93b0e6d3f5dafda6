"""CSV and Excel exports that are safe to open: no cell runs as a formula.

Workbooks come from many hands, so any text cell (a name, a note, an extra column kept in
`raw_json`) may hold `=HYPERLINK(...)` or `@SUM(...)|cmd`. Per OWASP's CSV-injection advice a text
cell starting with `=`, `+`, `-`, `@`, tab, CR or LF gets a leading apostrophe, so the
spreadsheet shows it as text. In a CSV the apostrophe is a character in the file. In an .xlsx
it is Excel's own quote prefix (the cell style Excel gives to text typed as `'=...`): the cell is
stored as a string, shows its exact text, and stays text when someone edits it. Numbers stay
numbers: -5 is a number, not text, and is never touched. Headers are cells too.
"""
from __future__ import annotations

import io
import math
import numbers
import re
from datetime import date, datetime, timedelta
from typing import TypeGuard

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.worksheet.worksheet import Worksheet

FORMULA_TRIGGERS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r", "\n")
#: Excel's limits: longer text is refused or repaired by Excel on open.
MAX_CELL_CHARS = 32_767
MAX_SHEET_NAME = 31
_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def is_formula_like(value: object) -> TypeGuard[str]:
    """True for text a spreadsheet would run as a formula (numbers never are)."""
    return isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)


def neutralise(value: object) -> object:
    """The value as a CSV cell: formula-like text gets a leading apostrophe."""
    return "'" + value if is_formula_like(value) else value


def _is_text_column(column: pd.Series) -> bool:
    return not (pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column)
                or pd.api.types.is_datetime64_any_dtype(column)
                or pd.api.types.is_timedelta64_dtype(column))


def _flat_columns(frame: pd.DataFrame) -> list[str]:
    if isinstance(frame.columns, pd.MultiIndex):
        return [" / ".join(str(level) for level in col if str(level)) for col in frame.columns]
    return [str(col) for col in frame.columns]


def _tabular(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame as the table a reader expects: a meaningful index becomes leading columns."""
    default_index = isinstance(frame.index, pd.RangeIndex) and frame.index.name is None
    table = frame if default_index else frame.reset_index()
    return table.set_axis(_flat_columns(table), axis=1)


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` with formula-like text cells and headers neutralised."""
    table = _tabular(frame)
    safe = table.copy()
    for at in range(table.shape[1]):
        if _is_text_column(table.iloc[:, at]):
            safe.isetitem(at, table.iloc[:, at].map(neutralise))
    return safe.set_axis([str(neutralise(name)) for name in table.columns], axis=1)


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 CSV with a byte-order mark (so Excel reads accents right), formula text neutralised."""
    return safe_frame(frame).to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def safe_sheet_name(name: str) -> str:
    """`name` as Excel accepts it: no []:*?/\\, at most 31 characters, not blank."""
    cleaned = _SHEET_NAME_FORBIDDEN.sub("-", name).strip().strip("'")[:MAX_SHEET_NAME].strip()
    return cleaned or "Sheet1"


def to_xlsx_bytes(frame: pd.DataFrame, sheet_name: str = "Data") -> bytes:
    """An .xlsx of `frame` (header row frozen) in which no cell is a formula."""
    table = _tabular(frame)
    book = Workbook(write_only=True)
    sheet = book.create_sheet(safe_sheet_name(sheet_name))
    sheet.freeze_panes = "A2"
    for at, header in enumerate(table.columns, start=1):
        sheet.column_dimensions[_column_letter(at)].width = min(50, max(10, len(header) + 2))
    sheet.append([_cell(sheet, header) for header in table.columns])
    for row in table.itertuples(index=False, name=None):
        sheet.append([_cell(sheet, value) for value in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _column_letter(index: int) -> str:
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _cell(sheet: Worksheet, value: object) -> WriteOnlyCell | None:
    value = _excel_value(value)
    if value is None:
        return None
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        # openpyxl turns any text starting with "=" into a formula unless told otherwise.
        cell.data_type = "s"
        if is_formula_like(value):
            cell.quotePrefix = True
    return cell


def _excel_value(value: object) -> object:
    """What a cell can hold: None for missing, Python scalars, dates without time zones, text."""
    if isinstance(value, np.datetime64):
        value = pd.Timestamp(value)
    elif isinstance(value, np.timedelta64):
        value = pd.Timedelta(value)
    elif isinstance(value, np.generic):
        value = value.item()
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, numbers.Real):
        number = float(value) if not isinstance(value, int) else value
        return None if isinstance(number, float) and not math.isfinite(number) else number
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    elif isinstance(value, pd.Timedelta):
        value = value.to_pytimedelta()
    if isinstance(value, datetime):
        # Excel has no time zones: keep the wall-clock time the dashboard shows.
        return value.replace(tzinfo=None)
    if isinstance(value, (date, timedelta)):
        return value
    text = ILLEGAL_CHARACTERS_RE.sub("", value if isinstance(value, str) else str(value))
    return text[:MAX_CELL_CHARS]
