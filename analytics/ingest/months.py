"""Which month an export describes: from its file name, or as the analyst writes it (YYYY-MM).

Kept free of heavy imports: the Data page and the CLI parser use it before any import runs.
"""
from __future__ import annotations

import calendar
import re
from datetime import date
from pathlib import PurePath

from analytics.problems import PortfolioError

_NUMERIC_MONTH = re.compile(r"(?<!\d)((?:19|20)\d{2})[-_. ]?(0[1-9]|1[0-2])(?!\d)")
_NAMED_MONTH = re.compile(
    r"(?<![a-z])(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*[-_. ]?((?:19|20)\d{2})(?!\d)"
)
_MONTH_NUMBER = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1)}
_MONTH = re.compile(r"(\d{4})-(\d{1,2})")


def as_of_from_name(file_name: str) -> date | None:
    """The month a file name carries: 'portfolio-2025-03.xlsx', 'export_202503', 'March 2025'."""
    name = PurePath(file_name).name.casefold()
    if match := _NUMERIC_MONTH.search(name):
        return date(int(match[1]), int(match[2]), 1)
    if match := _NAMED_MONTH.search(name):
        return date(int(match[2]), _MONTH_NUMBER[match[1]], 1)
    return None


def parse_month(text: str) -> date:
    """'2025-03' -> date(2025, 3, 1); anything else is an error saying what to write."""
    match = _MONTH.fullmatch(text.strip())
    if not match or not 1 <= int(match[2]) <= 12:
        raise PortfolioError(f"'{text}' is not a month; write it as YYYY-MM, e.g. 2025-03")
    return date(int(match[1]), int(match[2]), 1)


def month_start(value: date | str) -> date:
    """The first day of the month `value` falls in (a date, datetime or Timestamp; a string is
    read as YYYY-MM or YYYY-MM-DD)."""
    if isinstance(value, str):
        text = value.strip()
        value = parse_month(text) if len(text) <= 7 else date.fromisoformat(text)
    return date(value.year, value.month, 1)


def month_end(value: date | str) -> date:
    """The as-of date of a month: its last calendar day."""
    first = month_start(value)
    return first.replace(day=calendar.monthrange(first.year, first.month)[1])
