"""Excel error cells typed as errors (`t="e"`), which calamine reads as empty cells.

A formula that fails (#N/A from a lookup, #REF! after a deleted column) is stored in the
sheet XML as a cell of type "e". python-calamine returns those as "", the same as a blank, so
the import would read a failed lookup as "no value" (METRICS.md section 1: never). This module
streams each worksheet part of an .xlsx/.xlsm in small chunks (the guard has already checked
the zip's sizes, ratios and that no part declares a DTD) and returns the error cells only.
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
_CELL_REF = re.compile(r"^([A-Z]{1,3})(\d+)$")
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


def _errors_in(stream: IO[bytes], limit: int) -> list[ErrorCell]:
    parser: XMLPullParser = XMLPullParser(events=("end",))
    cell_tag, value_tag = f"{{{_MAIN}}}c", f"{{{_MAIN}}}v"
    found: list[ErrorCell] = []
    while len(found) < limit:
        chunk = stream.read(_CHUNK)
        if not chunk:
            break
        parser.feed(chunk)
        for element in _ended(parser):
            if element.tag != cell_tag:
                continue
            if element.get("t") == "e":
                ref = _CELL_REF.match(element.get("r", ""))
                value = element.find(value_tag)
                if ref is not None:
                    found.append(ErrorCell(int(ref.group(2)) - 1, _column_index(ref.group(1)),
                                           (value.text or "#N/A") if value is not None else "#N/A"))
            element.clear()  # keep memory bounded on long sheets
    return found[:limit]


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
