"""What the bytes are: the formats accepted, the refusal every check raises, and the names of
foreign formats (so the analyst knows which file they picked)."""
from __future__ import annotations

import codecs
from enum import StrEnum

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
CHUNK = 64 * 1024

ACCEPTED = "an .xlsx, .xlsm, .xlsb, .xls or .ods workbook"
RESAVE = "open it in Excel, save it as .xlsx (File > Save As > Excel Workbook) and upload that file"


PASSWORD_MESSAGE = (
    "This workbook is password-protected (or encrypted by a sensitivity label), so it cannot be "
    "read. Open it in Excel with the password, remove the password (File > Info > Protect "
    "Workbook > Encrypt with Password, then clear it) or choose a label without encryption, "
    "save, and upload it again."
)


def upload_instead() -> str:
    return f"Upload the portfolio export itself: {ACCEPTED}."


def refuse(code: str, message: str) -> ImportRefused:
    return ImportRefused(message, (Problem(Severity.ERROR, code, message),))



# --------------------------------------------------------------------------------------------
# Foreign formats: name what the file is, so the analyst knows which file they picked.

ZIP_LOCAL = b"PK\x03\x04"
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

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


def foreign_message(data: bytes) -> str:
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
            f"in another form, {RESAVE}."
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
        return f"This file is {what}. To use it, {RESAVE}."
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
