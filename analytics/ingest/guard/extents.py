"""Sheet extents: no sheet of an .xlsx/.xlsm may have far more rows (or columns) than the
import may take, judged from its dimension element and cell references while streaming."""
from __future__ import annotations

import re

from analytics.ingest.guard.formats import refuse
from analytics.limits import Limits
from analytics.problems import ImportRefused

WORKSHEET = re.compile(r"^xl/worksheets/[^/]+\.xml$")
#: Rows a sheet may have beyond the data limit: titles, the header, blank and total rows.
ROW_MARGIN = 1_000


class RowCounter:
    """Counts one worksheet's rows that have content (`<row ...>...</row>`; an empty, only
    formatted row is written `<row .../>` and costs the reader nothing).

    The reader enforces the row limit exactly, but only after the workbook library has parsed
    the whole sheet: 12 s and 770 MB for a 20 MB upload of a million rows. Counting here stops
    such a sheet for the price of the scan the guard makes anyway.
    """

    def __init__(self, limits: Limits) -> None:
        self.limit = limits.max_rows + ROW_MARGIN
        self.max_rows = limits.max_rows
        self.count = 0
        self.tag: bytes | None = None
        self.carry = b""

    def feed(self, chunk: bytes) -> None:
        if self.tag is None:
            # The closing tag carries the namespace prefix the root uses, if any (`</x:row>`).
            root = re.search(rb"<([A-Za-z_][\w.-]{0,30}:)?worksheet[\s>]", chunk)
            prefix = root.group(1) or b"" if root else b""
            self.tag = b"</" + prefix + b"row"
        joined = self.carry + chunk
        # Every closing tag that starts `</row` is counted, in C: `</row>` and `</row >`, and
        # also `</rowBreaks>`, which a sheet holds once. Counting over can only refuse a
        # sheet within a few rows of the margin; matching each `</row>` took twice as long.
        found = joined.count(self.tag)
        self.count += found
        last_end = joined.rfind(self.tag) + len(self.tag) if found else 0
        # Keep what may hold the start of a tag cut by the chunk boundary, never a counted one.
        self.carry = joined[max(last_end, len(joined) - 96):]
        if self.count > self.limit:
            raise refuse(
                "too_many_rows",
                f"A sheet of this workbook has more than {self.limit:,} rows with content; the "
                f"limit is {self.max_rows:,} rows. If most of them are blank or leftovers, delete "
                f"the rows below your data in Excel (select them, right-click > Delete), save "
                f"and upload again; otherwise upload a workbook with just the portfolio.",
            )


def column_number(letters: bytes) -> int:
    """'A' -> 1, 'XFD' -> 16,384."""
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


#: `<dimension ref="A1:XFD1048576"/>`, with any namespace prefix.
_DIMENSION = re.compile(rb"<(?:[A-Za-z_][\w.-]{0,30}:)?dimension\s[^>]{0,200}?\bref=[\"']([^\"']{1,40})[\"']")
_REF = re.compile(rb"([A-Z]{1,3})([0-9]{1,7})")
#: Cell references (`r="XFD1048576"`) or row numbers (`r="1048576"`) that may lie beyond the
#: default limits: three letters (column 703 on), or row 200,000 on. Only these few are looked
#: at closely; a lower row limit is still enforced exactly by the reader. The pattern
#: starts with a literal so the regex engine skips ahead fast; the letters are matched
#: possessively (digits never follow by giving one back), so a near reference fails at once;
#: the attribute's word boundary is checked on the few matches.
_FAR_REF = re.compile(rb"r=[\"']([A-Z]{3}[0-9]{1,7}|[A-Z]{0,2}+(?:[2-9][0-9]{5}|[0-9]{7}))[\"']")
#: The dimension element sits before the cells, at the start of the part.
_DIMENSION_WITHIN = 256 * 1024


class ExtentScanner:
    """Bounds one worksheet's extent before any reader runs: the `dimension` element it
    declares and the farthest cell or row reference present.

    The native reader allocates a sheet's whole extent, dense, from its first used cell to its
    last: a header, three rows and one cell at XFD1048576 (1.8 KB) asks for 549 GB and aborts
    the process. Real portfolio sheets span a few dozen columns.
    """

    def __init__(self, name: str, limits: Limits) -> None:
        self.name = name
        self.max_rows = limits.max_rows + ROW_MARGIN
        self.max_columns = limits.max_columns
        self.max_cells = limits.max_extent_cells
        self.limits = limits
        self.carry = b""
        self.dimension_seen = False
        self.scanned = 0

    def feed(self, chunk: bytes) -> None:
        joined = self.carry + chunk
        if not self.dimension_seen and self.scanned < _DIMENSION_WITHIN:
            found = _DIMENSION.search(joined)
            if found:
                self.dimension_seen = True
                self._check_dimension(found.group(1))
        self.scanned += len(chunk)
        for match in _FAR_REF.finditer(joined):
            before = joined[match.start() - 1:match.start()]
            if before.isspace():
                self._check_ref(match.group(1))
        # A reference cut by the chunk boundary is found whole in the next joined buffer.
        self.carry = joined[-64:]

    def _check_dimension(self, ref: bytes) -> None:
        corners = [_REF.fullmatch(part.strip().upper()) for part in ref.split(b":")]
        if not all(corners) or len(corners) > 2:
            return
        cols = [column_number(c.group(1)) for c in corners if c]
        rows = [int(c.group(2)) for c in corners if c]
        width, height = max(cols) - min(cols) + 1, max(rows) - min(rows) + 1
        where = ref.decode("ascii", "replace")
        self._check(width, height, f"declares its used range as {where}")
        if width * height > self.max_cells:
            raise self._refusal(
                f"declares its used range as {where}, {width * height:,} cells; the limit is "
                f"{self.max_cells:,}"
            )

    def _check_ref(self, ref: bytes) -> None:
        found = _REF.fullmatch(ref)
        column = column_number(found.group(1)) if found else 1
        row = int(found.group(2)) if found else int(ref)
        self._check(column, row, f"has a cell or row at {ref.decode('ascii')}")

    def _check(self, columns: int, rows: int, what: str) -> None:
        if columns > self.max_columns:
            raise self._refusal(f"{what}, {columns:,} columns wide; the limit is "
                                f"{self.max_columns:,} columns")
        if rows > self.max_rows:
            raise self._refusal(f"{what}, {rows:,} rows down; the limit is {self.max_rows:,} rows")

    def _refusal(self, detail: str) -> ImportRefused:
        sheet = self.name.rsplit("/", 1)[-1].removesuffix(".xml")
        return refuse(
            "sheet_too_wide" if "columns" in detail else "sheet_too_long",
            f"Worksheet part '{sheet}' of this workbook {detail}. Real portfolio sheets are far "
            f"smaller; a stray cell far right or far down makes a sheet this large. In Excel, "
            f"press Ctrl+End to find the last cell, delete the empty columns and rows up to it, "
            f"save, and upload it again.",
        )
