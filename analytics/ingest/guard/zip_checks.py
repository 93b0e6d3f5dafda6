"""The zip checks: directory (damage, duplicate or encrypted parts, too many parts), the parts
a workbook must have, macros, declared sizes and ratios; then every part inflated once, in
small chunks, against its declared size and CRC, through the XML and extent scanners."""
from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import pairwise

from analytics.formatting import file_size
from analytics.ingest.guard.extents import WORKSHEET, ExtentScanner, RowCounter
from analytics.ingest.guard.formats import (
    CHUNK,
    MAX_PARTS,
    PASSWORD_MESSAGE,
    RATIO_FLOOR_BYTES,
    RESAVE,
    ZIP_LOCAL,
    WorkbookFormat,
    refuse,
    upload_instead,
)
from analytics.ingest.guard.xml_scan import DtdScanner
from analytics.limits import Limits
from analytics.problems import ImportRefused

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
    return refuse(
        "damaged_workbook",
        f"The workbook is damaged or incomplete ({detail}). It may have been cut off while "
        f"downloading or copying: export or download it again. If that still fails, open it in "
        f"Excel, which can often repair it, save a new copy as .xlsx and upload that.",
    )


def check_zip(data: bytes, limits: Limits) -> WorkbookFormat:
    # Each directory entry starts with this signature, so its count bounds the entries
    # zipfile would build objects for; checked before zipfile parses anything.
    if data.count(b"PK\x01\x02") > MAX_PARTS:
        raise refuse(
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
        raise refuse("password_protected", PASSWORD_MESSAGE)
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
        raise refuse("not_a_workbook", f"This file is {what}, not a spreadsheet. {upload_instead()}")
    if "word/document.xml" in names:
        raise refuse("not_a_workbook", f"This file is a Word document, not a workbook. {upload_instead()}")
    if "ppt/presentation.xml" in names:
        raise refuse("not_a_workbook", f"This file is a PowerPoint presentation, not a workbook. {upload_instead()}")
    if "Index/Document.iwa" in names:
        raise refuse(
            "not_a_workbook",
            "This file is an Apple Numbers spreadsheet. In Numbers choose File > Export To > "
            "Excel, and upload the .xlsx file it makes.",
        )
    if "[Content_Types].xml" in names:
        raise _missing_parts("an Office document", "xl/workbook.xml")
    inner = sorted(n for n in names if n.lower().endswith((".xlsx", ".xlsm", ".xlsb", ".xls", ".ods")))
    if inner:
        raise refuse(
            "not_a_workbook",
            f"This file is a zip archive holding '{inner[0]}'. Extract the workbook from the "
            f"archive and upload the workbook itself.",
        )
    raise refuse("not_a_workbook", f"This file is a zip archive, not a workbook. {upload_instead()}")


def _missing_parts(what: str, part: str) -> ImportRefused:
    return refuse(
        "missing_workbook_parts",
        f"This file looks like {what} but lacks the part every one has ('{part}'), so it cannot "
        f"be read. It was probably written by a tool that does not produce real workbooks: "
        f"{RESAVE}.",
    )


def _check_declared_sizes(infos: list[zipfile.ZipInfo], limits: Limits) -> None:
    total = sum(info.file_size for info in infos)
    if total > limits.max_uncompressed_bytes:
        raise refuse(
            "too_large_uncompressed",
            f"The workbook expands to {file_size(total)} when opened; the limit is "
            f"{file_size(limits.max_uncompressed_bytes)}. Delete unused sheets, images and "
            f"formatting in Excel (or copy just the portfolio sheet into a new workbook), save, "
            f"and upload it again.",
        )
    for info in infos:
        if (info.filename.lower() == "xl/sharedstrings.xml"
                and info.file_size > limits.max_shared_strings_bytes):
            raise refuse(
                "too_much_text",
                f"The workbook's text (its shared-strings part) expands to "
                f"{file_size(info.file_size)} when opened; the limit is "
                f"{file_size(limits.max_shared_strings_bytes)}. A portfolio export holds far less: "
                f"delete unused sheets and long comments in Excel, save, and upload it again.",
            )
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_FLOOR_BYTES and ratio > limits.max_compression_ratio:
            raise refuse(
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
        if offset < 0 or data[offset:offset + 4] != ZIP_LOCAL or offset + 30 > len(data):
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
        scanner = DtdScanner(info.filename) if _parsed_as_xml(info.filename) else None
        is_sheet = row_limits is not None and WORKSHEET.match(info.filename) is not None
        rows = RowCounter(row_limits) if row_limits is not None and is_sheet else None
        extent = ExtentScanner(info.filename, row_limits) if row_limits is not None and is_sheet else None
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
        for at in range(0, len(compressed), CHUNK):
            yield bytes(compressed[at:at + CHUNK])
        return
    if info.compress_type != zipfile.ZIP_DEFLATED:
        raise _damaged(
            f"part '{info.filename}' uses compression method {info.compress_type}, which Excel "
            f"never writes"
        )
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    try:
        for at in range(0, len(compressed), CHUNK):
            pending: bytes | memoryview = compressed[at:at + CHUNK]
            while pending:
                # max_length bounds each output chunk whatever the input's expansion factor.
                out = inflater.decompress(pending, CHUNK)
                if out:
                    yield out
                pending = inflater.unconsumed_tail
            if inflater.eof:
                break
        while not inflater.eof:
            out = inflater.decompress(b"", CHUNK)
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
