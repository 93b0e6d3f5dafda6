"""Byte checks that run before any parser sees an upload.

`check_bytes` decides what the bytes really are (never what the file name claims) and either
returns the workbook format or raises ImportRefused with one Problem whose message stands
alone: what the file is, why it cannot be read, and what the analyst should do.

Checks, in order: the size; the signature (zip, OLE2 compound file, or a named foreign format);
for a zip, its directory (damage, duplicate or encrypted parts, too many parts), the parts a
workbook must have, macros, the declared uncompressed total and each part's compression
ratio; then every part is inflated once, streaming in small chunks, to check that it really
is the size and CRC its directory declares, that no XML part carries a DTD or entity
declaration, and (xlsx, xlsm) that no sheet has far more rows than the import may take.
Nothing is ever inflated into memory whole: a zip bomb costs a bounded buffer and at most
`max_uncompressed_bytes` of CPU work. A legacy .xls is read just far enough to find its
workbook stream and whether it is encrypted.
"""
from __future__ import annotations

import codecs
import io
import re
import struct
import zipfile
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from itertools import pairwise

from analytics.formatting import file_size as _size
from analytics.limits import DEFAULT_LIMITS, Limits
from analytics.problems import ImportRefused, Problem, Severity


class WorkbookFormat(StrEnum):
    XLSX = "xlsx"
    XLSM = "xlsm"   # macros present; read as values only, never run
    XLSB = "xlsb"
    XLS = "xls"
    ODS = "ods"


#: Real workbooks have tens of parts; a directory of thousands is a parser-exhaustion attack.
MAX_PARTS = 10_000
#: The ratio check skips small parts: a few KB of empty styles can compress 100:1 legitimately.
RATIO_FLOOR_BYTES = 1024 * 1024
_CHUNK = 64 * 1024

ACCEPTED = "an .xlsx, .xlsm, .xlsb, .xls or .ods workbook"
_RESAVE = "open it in Excel, save it as .xlsx (File > Save As > Excel Workbook) and upload that file"


def _refuse(code: str, message: str) -> ImportRefused:
    return ImportRefused(message, (Problem(Severity.ERROR, code, message),))


def check_bytes(data: bytes, limits: Limits = DEFAULT_LIMITS) -> WorkbookFormat:
    """The format the bytes really are; ImportRefused (one Problem) when they are no readable workbook."""
    if len(data) > limits.max_upload_bytes:
        raise _refuse(
            "file_too_large",
            f"This file is {_size(len(data))}; the upload limit is "
            f"{_size(limits.max_upload_bytes)}. A monthly portfolio export is normally well "
            f"under 1 MB, so check that this is the right file. If it is, delete images, pivot "
            f"tables and unused sheets in Excel, save, and upload it again.",
        )
    if not data:
        raise _refuse(
            "empty_file",
            "This file is empty (0 bytes): the export or the download did not finish. "
            "Export the workbook from your tracker again and upload the new file.",
        )
    if data.startswith(_ZIP_LOCAL):
        return _check_zip(data, limits)
    if data.startswith(_OLE2):
        return _check_ole2(data)
    raise _refuse("not_a_workbook", _foreign_message(data))


# --------------------------------------------------------------------------------------------
# Foreign formats: name what the file is, so the analyst knows which file they picked.

_ZIP_LOCAL = b"PK\x03\x04"
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"%PDF-", "a PDF document"),
    (b"PK\x05\x06", "an empty zip archive"),
    (b"PK\x07\x08", "one piece of a split zip archive"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"{\\rtf", "a Rich Text (RTF) document"),
    (b"MZ", "a Windows program"),
    (b"\x7fELF", "a Linux program"),
    (b"SQLite format 3\x00", "an SQLite database"),
)


def _foreign_message(data: bytes) -> str:
    for signature, what in _SIGNATURES:
        if data.startswith(signature):
            return (
                f"This file is {what}, not a spreadsheet, whatever its name says. Upload the "
                f"portfolio export itself: {ACCEPTED}."
            )
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return (
            "This file is a WebP image, not a spreadsheet, whatever its name says. Upload the "
            f"portfolio export itself: {ACCEPTED}."
        )
    text = _as_text(data[:8192])
    if text is None:
        return (
            "This file is not a workbook: its content matches no spreadsheet format. Upload "
            f"the portfolio export exported by your tracker ({ACCEPTED}); if you only have it "
            f"in another form, {_RESAVE}."
        )
    head = text.lstrip("\ufeff \t\r\n").lower()
    if head.startswith(("<!doctype html", "<html")) or (head.startswith("<") and "<table" in head):
        return (
            "This file is a web page (HTML), not an Excel workbook, even if its name ends in "
            ".xls: some trackers export HTML tables that way. Open it in Excel, save it as "
            ".xlsx (File > Save As > Excel Workbook) and upload that file."
        )
    if head.startswith("<?xml") or head.startswith("<"):
        if "progid=\"excel.sheet\"" in head or "urn:schemas-microsoft-com:office:spreadsheet" in head:
            what = "an Excel 2003 XML spreadsheet, a format too old to read here"
        else:
            what = "an XML file, not an Excel workbook"
        return f"This file is {what}. To use it, {_RESAVE}."
    return (
        "This is a CSV/text file, not an Excel workbook. Open it in Excel, save it as .xlsx "
        "(File > Save As > Excel Workbook) and upload that file."
    )


def _as_text(prefix: bytes) -> str | None:
    """The prefix decoded when it reads as text (UTF-8/16 or a single-byte code page), else None."""
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
                          (codecs.BOM_UTF16_BE, "utf-16-be")):
        if prefix.startswith(bom):
            return codecs.getincrementaldecoder(encoding)("replace").decode(prefix[len(bom):])
    controls = sum(1 for b in prefix if b < 0x20 and b not in b"\t\n\r\f\v" or b == 0x7F)
    if controls > len(prefix) // 200:
        return None
    try:
        return codecs.getincrementaldecoder("utf-8")("strict").decode(prefix)
    except UnicodeDecodeError:
        return prefix.decode("latin-1")


# --------------------------------------------------------------------------------------------
# Zip packages: xlsx, xlsm, xlsb, ods.

_ODS_MIMETYPE = "application/vnd.oasis.opendocument.spreadsheet"
_ODF_KINDS = {
    "application/vnd.oasis.opendocument.text": "an OpenDocument text document (.odt)",
    "application/vnd.oasis.opendocument.presentation": "an OpenDocument presentation (.odp)",
    "application/vnd.oasis.opendocument.graphics": "an OpenDocument drawing (.odg)",
}
#: Parts no workbook reader parses as XML; an SVG may legitimately carry a DOCTYPE.
_UNPARSED_SUFFIXES = (
    ".bin", ".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".emf", ".wmf", ".svg",
    ".wdp", ".jdp", ".ico", ".webp", ".mp3", ".mp4", ".wav", ".pdf",
)
_CORRUPT = (zipfile.BadZipFile, zlib.error, struct.error, ValueError, EOFError, OSError,
            OverflowError, IndexError, KeyError, NotImplementedError, UnicodeDecodeError)


def _damaged(detail: str) -> ImportRefused:
    return _refuse(
        "damaged_workbook",
        f"The workbook is damaged or incomplete ({detail}). It may have been cut off while "
        f"downloading or copying: export or download it again. If that still fails, open it in "
        f"Excel, which can often repair it, save a new copy as .xlsx and upload that.",
    )


def _check_zip(data: bytes, limits: Limits) -> WorkbookFormat:
    # Each directory entry starts with this signature, so its count bounds the entries
    # zipfile would build objects for; checked before zipfile parses anything.
    if data.count(b"PK\x01\x02") > MAX_PARTS:
        raise _refuse(
            "too_many_parts",
            f"The workbook is made of more than {MAX_PARTS:,} internal parts; real workbooks "
            f"have a few dozen. Files like this are built to exhaust the server. Copy the "
            f"portfolio sheet into a new workbook in Excel, save it and upload that.",
        )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except _CORRUPT:
        raise _damaged("its table of contents is missing or broken") from None
    duplicates = [name for name, n in Counter(info.filename for info in infos).items() if n > 1]
    if duplicates:
        # Two readers may pick different copies: what was checked need not be what is read.
        raise _damaged(f"it contains two parts named '{duplicates[0]}'")
    if any(info.flag_bits & 0x1 for info in infos):
        raise _refuse("password_protected", _PASSWORD_MESSAGE)
    workbook_format = _zip_format(data, infos)
    _check_declared_sizes(infos, limits)
    count_rows = workbook_format in (WorkbookFormat.XLSX, WorkbookFormat.XLSM)
    _inflate_all(data, infos, limits if count_rows else None)
    return workbook_format


def _zip_format(data: bytes, infos: list[zipfile.ZipInfo]) -> WorkbookFormat:
    names = {info.filename for info in infos}
    if "xl/workbook.xml" in names or "xl/workbook.bin" in names:
        if "[Content_Types].xml" not in names:
            raise _missing_parts("an Excel workbook", "[Content_Types].xml")
        if "xl/workbook.bin" in names:
            return WorkbookFormat.XLSB
        lowered = [n.lower() for n in names]
        if any(n.rsplit("/", 1)[-1] == "vbaproject.bin" or n.startswith("xl/macrosheets/")
               for n in lowered):
            return WorkbookFormat.XLSM
        return WorkbookFormat.XLSX
    if "mimetype" in names:
        mimetype = _read_small(data, next(i for i in infos if i.filename == "mimetype"))
        if mimetype == _ODS_MIMETYPE:
            if "content.xml" not in names:
                raise _missing_parts("an OpenDocument spreadsheet", "content.xml")
            return WorkbookFormat.ODS
        what = _ODF_KINDS.get(mimetype, "an OpenDocument file that is not a spreadsheet")
        raise _refuse("not_a_workbook", f"This file is {what}, not a spreadsheet. {_upload_instead()}")
    if "word/document.xml" in names:
        raise _refuse("not_a_workbook", f"This file is a Word document, not a workbook. {_upload_instead()}")
    if "ppt/presentation.xml" in names:
        raise _refuse("not_a_workbook", f"This file is a PowerPoint presentation, not a workbook. {_upload_instead()}")
    if "Index/Document.iwa" in names:
        raise _refuse(
            "not_a_workbook",
            "This file is an Apple Numbers spreadsheet. In Numbers choose File > Export To > "
            "Excel, and upload the .xlsx file it makes.",
        )
    if "[Content_Types].xml" in names:
        raise _missing_parts("an Office document", "xl/workbook.xml")
    inner = sorted(n for n in names if n.lower().endswith((".xlsx", ".xlsm", ".xlsb", ".xls", ".ods")))
    if inner:
        raise _refuse(
            "not_a_workbook",
            f"This file is a zip archive holding '{inner[0]}'. Extract the workbook from the "
            f"archive and upload the workbook itself.",
        )
    raise _refuse("not_a_workbook", f"This file is a zip archive, not a workbook. {_upload_instead()}")


def _upload_instead() -> str:
    return f"Upload the portfolio export itself: {ACCEPTED}."


def _missing_parts(what: str, part: str) -> ImportRefused:
    return _refuse(
        "missing_workbook_parts",
        f"This file looks like {what} but lacks the part every one has ('{part}'), so it cannot "
        f"be read. It was probably written by a tool that does not produce real workbooks: "
        f"{_RESAVE}.",
    )


def _check_declared_sizes(infos: list[zipfile.ZipInfo], limits: Limits) -> None:
    total = sum(info.file_size for info in infos)
    if total > limits.max_uncompressed_bytes:
        raise _refuse(
            "too_large_uncompressed",
            f"The workbook expands to {_size(total)} when opened; the limit is "
            f"{_size(limits.max_uncompressed_bytes)}. Delete unused sheets, images and "
            f"formatting in Excel (or copy just the portfolio sheet into a new workbook), save, "
            f"and upload it again.",
        )
    for info in infos:
        if (info.filename.lower() == "xl/sharedstrings.xml"
                and info.file_size > limits.max_shared_strings_bytes):
            raise _refuse(
                "too_much_text",
                f"The workbook's text (its shared-strings part) expands to "
                f"{_size(info.file_size)} when opened; the limit is "
                f"{_size(limits.max_shared_strings_bytes)}. A portfolio export holds far less: "
                f"delete unused sheets and long comments in Excel, save, and upload it again.",
            )
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_FLOOR_BYTES and ratio > limits.max_compression_ratio:
            raise _refuse(
                "compression_ratio",
                f"Part '{info.filename}' of the workbook expands {ratio:,.0f} times when "
                f"opened; real spreadsheets stay under {limits.max_compression_ratio:,.0f} "
                f"times. Files like this ('zip bombs') are built to exhaust the server's memory; "
                f"rarely, a sheet formatted down to its last row does the same. Copy the "
                f"portfolio's cells into a new workbook in Excel, save it and upload that.",
            )


@dataclass(frozen=True, slots=True)
class _Span:
    info: zipfile.ZipInfo
    start: int
    end: int


def _spans(data: bytes, infos: list[zipfile.ZipInfo]) -> list[_Span]:
    spans = []
    for info in infos:
        offset = info.header_offset
        if offset < 0 or data[offset:offset + 4] != _ZIP_LOCAL or offset + 30 > len(data):
            raise _damaged(f"part '{info.filename}' is not where the table of contents says")
        name_len, extra_len = struct.unpack_from("<HH", data, offset + 26)
        start = offset + 30 + name_len + extra_len
        end = start + info.compress_size
        if end > len(data):
            raise _damaged(f"part '{info.filename}' is cut off")
        spans.append(_Span(info, start, end))
    spans.sort(key=lambda s: s.start)
    for before, after in pairwise(spans):
        # Overlapping parts are how the largest zip bombs reuse one payload many times.
        if after.start < before.end:
            raise _damaged(f"parts '{before.info.filename}' and '{after.info.filename}' overlap")
    return spans


def _inflate_all(data: bytes, infos: list[zipfile.ZipInfo], row_limits: Limits | None) -> None:
    """Inflate every part once, streaming: sizes, checksums, DTDs and (xlsx) rows per sheet."""
    view = memoryview(data)
    for span in _spans(data, infos):
        info = span.info
        scanner = _DtdScanner(info.filename) if _parsed_as_xml(info.filename) else None
        is_sheet = row_limits is not None and _WORKSHEET.match(info.filename) is not None
        rows = _RowCounter(row_limits) if row_limits is not None and is_sheet else None
        extent = _ExtentScanner(info.filename, row_limits) if row_limits is not None and is_sheet else None
        produced = 0
        crc = 0
        for chunk in _inflate(view[span.start:span.end], info):
            produced += len(chunk)
            if produced > info.file_size:
                raise _damaged(f"part '{info.filename}' is larger than its declared size")
            crc = zlib.crc32(chunk, crc)
            if scanner is not None:
                scanner.feed(chunk)
            if rows is not None:
                rows.feed(chunk)
            if extent is not None:
                extent.feed(chunk)
        if produced != info.file_size or crc != info.CRC:
            raise _damaged(f"part '{info.filename}' fails its checksum")


def _parsed_as_xml(name: str) -> bool:
    return not name.endswith("/") and not name.lower().endswith(_UNPARSED_SUFFIXES)


def _inflate(compressed: memoryview, info: zipfile.ZipInfo) -> Iterator[bytes]:
    if info.compress_type == zipfile.ZIP_STORED:
        for at in range(0, len(compressed), _CHUNK):
            yield bytes(compressed[at:at + _CHUNK])
        return
    if info.compress_type != zipfile.ZIP_DEFLATED:
        raise _damaged(
            f"part '{info.filename}' uses compression method {info.compress_type}, which Excel "
            f"never writes"
        )
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    try:
        for at in range(0, len(compressed), _CHUNK):
            pending: bytes | memoryview = compressed[at:at + _CHUNK]
            while pending:
                # max_length bounds each output chunk whatever the input's expansion factor.
                out = inflater.decompress(pending, _CHUNK)
                if out:
                    yield out
                pending = inflater.unconsumed_tail
            if inflater.eof:
                break
        while not inflater.eof:
            out = inflater.decompress(b"", _CHUNK)
            if not out:
                break
            yield out
    except zlib.error:
        raise _damaged(f"part '{info.filename}' cannot be decompressed") from None
    if not inflater.eof:
        raise _damaged(f"part '{info.filename}' is cut off")


def _read_small(data: bytes, info: zipfile.ZipInfo, limit: int = 256) -> str:
    """A tiny part's text (the ODF mimetype), reading at most one chunk whatever it declares."""
    span = _spans(data, [info])[0]
    first = next(_inflate(memoryview(data)[span.start:span.end], info), b"")
    return first[:limit].decode("ascii", "replace").strip()


_DTD_BYTES = re.compile(rb"<!(?:[Dd][Oo][Cc][Tt][Yy][Pp][Ee]|[Ee][Nn][Tt][Ii][Tt][Yy])")
_DTD_TEXT = re.compile(r"<!(?:doctype|entity)", re.IGNORECASE)
_CARRY = 16


class _DtdScanner:
    """Finds `<!DOCTYPE`/`<!ENTITY` in one part fed chunk by chunk (UTF-8 or UTF-16).

    Excel never writes a DTD; one in a workbook is an entity-expansion or external-entity
    attack on whatever parser reads it, so any occurrence refuses the file.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.decoder: codecs.IncrementalDecoder | None = None
        self.started = False
        # The end of the previous chunk, so a keyword split across chunks is still found.
        self.carry_text = ""
        self.carry_bytes = b""

    def feed(self, chunk: bytes) -> None:
        if not self.started:
            self.started = True
            self.decoder = _utf16_decoder(chunk)
        found: re.Match[str] | re.Match[bytes] | None
        if self.decoder is not None:
            text = self.carry_text + self.decoder.decode(chunk)
            found = _DTD_TEXT.search(text)
            self.carry_text = text[-_CARRY:]
        else:
            joined = self.carry_bytes + chunk
            found = _DTD_BYTES.search(joined)
            self.carry_bytes = joined[-_CARRY:]
        if found:
            raise _refuse(
                "xml_dtd",
                f"Part '{self.name}' of the workbook declares a DTD or entities (<!DOCTYPE or "
                f"<!ENTITY>). Excel never writes these; files that carry them are crafted to "
                f"attack the software that reads them, so this file is not read. Ask whoever "
                f"sent it where it came from, or {_RESAVE}.",
            )


def _utf16_decoder(first: bytes) -> codecs.IncrementalDecoder | None:
    if first.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return codecs.getincrementaldecoder("utf-16")("replace")
    if first[:2] == b"<\x00":
        return codecs.getincrementaldecoder("utf-16-le")("replace")
    if first[:2] == b"\x00<":
        return codecs.getincrementaldecoder("utf-16-be")("replace")
    return None


_WORKSHEET = re.compile(r"^xl/worksheets/[^/]+\.xml$")
#: Rows a sheet may have beyond the data limit: titles, the header, blank and total rows.
ROW_MARGIN = 1_000


class _RowCounter:
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
        self.pattern: re.Pattern[bytes] | None = None
        self.carry = b""

    def feed(self, chunk: bytes) -> None:
        if self.pattern is None:
            # The closing tag carries the namespace prefix the root uses, if any (`</x:row>`).
            root = re.search(rb"<([A-Za-z_][\w.-]{0,30}:)?worksheet[\s>]", chunk)
            prefix = root.group(1) or b"" if root else b""
            self.pattern = re.compile(rb"</" + re.escape(prefix) + rb"row\s{0,64}>")
        joined = self.carry + chunk
        last_end = 0
        for match in self.pattern.finditer(joined):
            self.count += 1
            last_end = match.end()
        # Keep what may hold the start of a tag cut by the chunk boundary, never a counted one.
        self.carry = joined[max(last_end, len(joined) - 96):]
        if self.count > self.limit:
            raise _refuse(
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
#: starts with a literal so the regex engine skips ahead fast; the attribute's word boundary
#: is checked on the few matches.
_FAR_REF = re.compile(rb"r=[\"']([A-Z]{3}[0-9]{1,7}|[A-Z]{0,2}(?:[2-9][0-9]{5}|[0-9]{7}))[\"']")
#: The dimension element sits before the cells, at the start of the part.
_DIMENSION_WITHIN = 256 * 1024


class _ExtentScanner:
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
        return _refuse(
            "sheet_too_wide" if "columns" in detail else "sheet_too_long",
            f"Worksheet part '{sheet}' of this workbook {detail}. Real portfolio sheets are far "
            f"smaller; a stray cell far right or far down makes a sheet this large. In Excel, "
            f"press Ctrl+End to find the last cell, delete the empty columns and rows up to it, "
            f"save, and upload it again.",
        )


# --------------------------------------------------------------------------------------------
# OLE2 compound files: legacy .xls, and the container Excel wraps encrypted workbooks in.

_PASSWORD_MESSAGE = (
    "This workbook is password-protected (or encrypted by a sensitivity label), so it cannot be "
    "read. Open it in Excel with the password, remove the password (File > Info > Protect "
    "Workbook > Encrypt with Password, then clear it) or choose a label without encryption, "
    "save, and upload it again."
)
_FREE, _END_OF_CHAIN, _MAX_REGULAR = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFA


class _CfbDamaged(Exception):
    """Internal: the compound file's structure is inconsistent."""


@dataclass(frozen=True, slots=True)
class _Entry:
    name: str
    kind: int
    left: int
    right: int
    child: int
    start: int
    size: int


class _Cfb:
    """Just enough of [MS-CFB] to list root entries and read a stream's first bytes, bounded
    and defensive against loops and out-of-range sectors in crafted files."""

    def __init__(self, data: bytes) -> None:
        if len(data) < 512:
            raise _CfbDamaged("shorter than its header")
        major, _, shift, mini_shift = struct.unpack_from("<HHHH", data, 0x1A)
        if shift not in (9, 12) or mini_shift != 6 or major not in (3, 4):
            raise _CfbDamaged("unknown header")
        self.data = data
        self.sector_size = 1 << shift
        self.sector_count = (len(data) - self.sector_size + self.sector_size - 1) // self.sector_size
        fat_sectors, first_dir = struct.unpack_from("<II", data, 0x2C)
        self.cutoff, self.first_minifat, _, first_difat, difat_count = struct.unpack_from(
            "<IIIII", data, 0x38)
        difat = list(struct.unpack_from("<109I", data, 0x4C))
        sector = first_difat
        for _ in range(min(difat_count, self.sector_count)):
            if sector >= self.sector_count:
                break
            values = self._words(sector)
            difat.extend(values[:-1])
            sector = values[-1]
        if fat_sectors > self.sector_count:
            raise _CfbDamaged("more FAT sectors than the file holds")
        self.fat: list[int] = []
        for sector in difat[:fat_sectors]:
            if sector >= self.sector_count:
                raise _CfbDamaged("FAT sector out of range")
            self.fat.extend(self._words(sector))
        directory = b"".join(self._sector(s) for s in self._chain(first_dir))
        self.entries = [self._entry(directory, at) for at in range(0, len(directory) - 127, 128)]
        if not self.entries or self.entries[0].kind != 5:
            raise _CfbDamaged("no root entry")
        self.is_v3 = major == 3

    def _sector(self, sector: int) -> bytes:
        at = (sector + 1) * self.sector_size
        return self.data[at:at + self.sector_size].ljust(self.sector_size, b"\0")

    def _words(self, sector: int) -> tuple[int, ...]:
        return struct.unpack(f"<{self.sector_size // 4}I", self._sector(sector))

    def _chain(self, start: int, table: list[int] | None = None, limit: int | None = None) -> list[int]:
        table = self.fat if table is None else table
        chain: list[int] = []
        seen: set[int] = set()
        sector = start
        while sector != _END_OF_CHAIN:
            if sector >= len(table) or sector > _MAX_REGULAR or sector in seen:
                raise _CfbDamaged("broken sector chain")
            seen.add(sector)
            chain.append(sector)
            if limit is not None and len(chain) >= limit:
                break
            sector = table[sector]
        return chain

    @staticmethod
    def _entry(directory: bytes, at: int) -> _Entry:
        name_len = struct.unpack_from("<H", directory, at + 64)[0]
        name = directory[at:at + max(0, min(name_len, 64) - 2)].decode("utf-16-le", "replace")
        kind = directory[at + 66]
        left, right, child = struct.unpack_from("<III", directory, at + 68)
        start, size = struct.unpack_from("<IQ", directory, at + 116)
        return _Entry(name, kind, left, right, child, start, size)

    def root_names(self) -> dict[str, _Entry]:
        """The entries directly under the root, by upper-cased name (CFB names ignore case)."""
        found: dict[str, _Entry] = {}
        pending = [self.entries[0].child]
        seen: set[int] = set()
        while pending:
            index = pending.pop()
            if index == _FREE:
                continue
            if index >= len(self.entries) or index in seen:
                raise _CfbDamaged("broken directory tree")
            seen.add(index)
            entry = self.entries[index]
            found[entry.name.upper()] = entry
            pending.extend((entry.left, entry.right))
        return found

    def read_prefix(self, entry: _Entry, limit: int) -> bytes:
        size = entry.size & 0xFFFFFFFF if self.is_v3 else entry.size
        want = min(size, limit)
        if size < self.cutoff:
            root = self.entries[0]
            mini_stream = b"".join(self._sector(s) for s in self._chain(root.start))
            minifat = [w for s in self._chain(self.first_minifat) for w in self._words(s)]
            pieces = (mini_stream[s * 64:(s + 1) * 64]
                      for s in self._chain(entry.start, minifat, -(-want // 64)))
        else:
            pieces = (self._sector(s)
                      for s in self._chain(entry.start, None, -(-want // self.sector_size)))
        return b"".join(pieces)[:want]


_BIFF_BOF = {0x0809, 0x0409, 0x0209, 0x0009}
_BIFF_FILEPASS = 0x002F
_BIFF_EOF = 0x000A


def _check_ole2(data: bytes) -> WorkbookFormat:
    try:
        cfb = _Cfb(data)
        entries = cfb.root_names()
        if "ENCRYPTEDPACKAGE" in entries or "ENCRYPTIONINFO" in entries:
            raise _refuse("password_protected", _PASSWORD_MESSAGE)
        book = entries.get("WORKBOOK") or entries.get("BOOK")
        if book is not None:
            if _biff_is_encrypted(cfb.read_prefix(book, 64 * 1024)):
                raise _refuse("password_protected", _PASSWORD_MESSAGE)
            return WorkbookFormat.XLS
    except _CfbDamaged as exc:
        raise _refuse(
            "damaged_workbook",
            f"This file looks like an old-format Excel workbook (.xls) but its internal "
            f"structure is damaged ({exc}). Export or download it again; if that still fails, "
            f"open it in Excel, which can often repair it, save it as .xlsx and upload that.",
        ) from None
    for stream, what in (("WORDDOCUMENT", "an old-format Word document (.doc)"),
                         ("POWERPOINT DOCUMENT", "an old-format PowerPoint presentation (.ppt)")):
        if stream in entries:
            raise _refuse("not_a_workbook", f"This file is {what}, not a workbook. {_upload_instead()}")
    if any(name.startswith("__SUBSTG1.0_") for name in entries):
        raise _refuse(
            "not_a_workbook",
            "This file is an Outlook message (.msg). Open it in Outlook, save the attached "
            "workbook, and upload that.",
        )
    raise _refuse(
        "not_a_workbook",
        f"This file is an Office container with no workbook in it. {_upload_instead()}",
    )


def _biff_is_encrypted(stream: bytes) -> bool:
    """True when the workbook stream's globals carry a FILEPASS record (an encrypted .xls)."""
    if len(stream) < 4 or struct.unpack_from("<H", stream, 0)[0] not in _BIFF_BOF:
        raise _CfbDamaged("the workbook stream does not start with a BIFF header")
    at = 0
    while at + 4 <= len(stream):
        record, length = struct.unpack_from("<HH", stream, at)
        if record == _BIFF_FILEPASS:
            return True
        if record == _BIFF_EOF:
            return False
        at += 4 + length
    return False
