"""Excel error cells typed as errors (`t="e"`), which calamine reads as empty cells.

A formula that fails (#N/A from a lookup, #REF! after a deleted column) is stored in the
sheet XML as a cell of type "e". python-calamine returns those as "", the same as a blank, so
the import would read a failed lookup as "no value" (METRICS.md section 1: never). This module
streams each worksheet part of an .xlsx/.xlsm in chunks (the guard has already checked
the zip's sizes, ratios and that no part declares a DTD) and returns the error cells only,
looking closely only where a `t="e"` attribute can be.
Other formats (.xlsb, .xls, .ods) are not inspected: their typed errors are left to calamine.
"""
from __future__ import annotations

import io
import posixpath
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO
from xml.etree.ElementTree import Element, XMLPullParser

_CHUNK = 64 * 1024
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
#: A workbook with more error cells than this is reported by its first ones only.
MAX_ERRORS = 10_000


@dataclass(frozen=True, slots=True)
class ErrorCell:
    row: int        # 0-based sheet row
    column: int     # 0-based sheet column
    text: str       # '#N/A', '#REF!', ...


def _column_index(letters: str) -> int:
    index = 0
    for ch in letters:
        index = index * 26 + (ord(ch) - 64)
    return index - 1


def _sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> its XML part, from the workbook and its relationships."""
    try:
        workbook = archive.read("xl/workbook.xml")
        rels = archive.read("xl/_rels/workbook.xml.rels")
    except KeyError:
        return {}
    targets: dict[str, str] = {}
    for element in _elements(rels, f"{{{_PKG_REL}}}Relationship"):
        target = element.get("Target", "")
        part = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
            posixpath.join("xl", target))
        targets[element.get("Id", "")] = part
    parts: dict[str, str] = {}
    for element in _elements(workbook, f"{{{_MAIN}}}sheet"):
        sheet_part = targets.get(element.get(f"{{{_REL}}}id", ""))
        if sheet_part:
            parts[element.get("name", "")] = sheet_part
    return parts


def _ended(parser: XMLPullParser) -> Iterator[Element]:
    """The elements the parser has closed so far ("end" events only are asked for)."""
    for event in parser.read_events():
        element = event[1]  # type: ignore[misc]  # typeshed types the events too narrowly
        if isinstance(element, Element):
            yield element


def _elements(xml: bytes, tag: str) -> Iterator[Element]:
    parser: XMLPullParser = XMLPullParser(events=("end",))
    parser.feed(xml)
    parser.close()
    return (element for element in _ended(parser) if element.tag == tag)


#: An element name with an optional namespace prefix (`c`, `x:c`).
_PREFIX = rb"(?:[A-Za-z_][\w.-]*:)?"
#: A cell's start tag; only tags holding a `t="e"` attribute are ever matched against it.
_ERROR_TAG = re.compile(rb"<" + _PREFIX + rb"c(?=[\s/>])([^<>]*?)(/?)>")
_ERROR_TYPE = re.compile(rb"""(?:^|\s)t\s*=\s*(["'])e\1""")
_REF = re.compile(rb"""(?:^|\s)r\s*=\s*["']([A-Z]{1,3})(\d+)["']""")
_VALUE = re.compile(rb"<" + _PREFIX + rb"v\s*>([^<]*)<")
_CELL_END = re.compile(rb"</" + _PREFIX + rb"c\s*>")
#: Bytes carried from one chunk to the next: an unfinished error cell (its formula included).
_MAX_CARRY = 1024 * 1024


def _errors_in(stream: IO[bytes], limit: int) -> list[ErrorCell]:
    """The error cells of one worksheet part, found by a byte scan.

    An XML parse of every cell cost 12 s on a 200,000-row sheet, for cells that almost never
    hold an error; here only the places where `"e"` occurs are looked at, so a sheet without
    errors costs its decompression and one `bytes.find` per chunk.
    """
    found: list[ErrorCell] = []
    carry = b""
    while len(found) < limit:
        chunk = stream.read(_CHUNK * 16)
        last = not chunk
        buffer = carry + chunk
        carry = b""
        resume = _scan(buffer, found, last)
        if not last:
            keep = buffer.rfind(b"<") if resume is None else resume
            if keep >= 0 and len(buffer) - keep <= _MAX_CARRY:
                carry = buffer[keep:]
        if last:
            break
    return found[:limit]


def _scan(buffer: bytes, found: list[ErrorCell], last: bool) -> int | None:
    """Adds the error cells complete in `buffer`; the offset of one still open at its end."""
    at = 0
    while True:
        hits = [i for i in (buffer.find(b'"e"', at), buffer.find(b"'e'", at)) if i >= 0]
        if not hits:
            return None
        hit = min(hits)
        at = hit + 3
        start = buffer.rfind(b"<", 0, hit)
        tag = _ERROR_TAG.match(buffer, start) if start >= 0 else None
        if tag is None or tag.end() <= hit or not _ERROR_TYPE.search(tag.group(1)):
            continue
        if tag.group(2):                       # <c r="B2" t="e"/>: an error without its text
            text = "#N/A"
        else:
            end = _CELL_END.search(buffer, tag.end())
            if end is None:
                if last:
                    return None
                return start                   # the rest of this cell is in the next chunk
            value = _VALUE.search(buffer, tag.end(), end.start())
            text = value.group(1).decode("utf-8", "replace") if value and value.group(1) else "#N/A"
            at = end.end()
        ref = _REF.search(tag.group(1))
        if ref is not None:
            found.append(ErrorCell(int(ref.group(2)) - 1, _column_index(ref.group(1).decode()), text))


def error_cells(data: bytes) -> dict[str, list[ErrorCell]]:
    """Per sheet name, the cells typed as Excel errors; {} for a non-zip workbook."""
    if not data.startswith(b"PK"):
        return {}
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            result: dict[str, list[ErrorCell]] = {}
            for name, part in _sheet_parts(archive).items():
                try:
                    with archive.open(part) as stream:
                        cells = _errors_in(stream, MAX_ERRORS)
                except KeyError:
                    continue
                if cells:
                    result[name] = cells
            return result
    except (zipfile.BadZipFile, OSError, SyntaxError):
        # The guard and calamine have read this file already; a part they accept but this
        # streaming parser cannot is left to them rather than refusing the workbook here.
        return {}
