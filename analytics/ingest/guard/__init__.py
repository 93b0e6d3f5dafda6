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

formats     the formats accepted, the refusal every check raises, foreign formats named
zip_checks  the zip directory, required parts, sizes and ratios; every part inflated once
xml_scan    no DTD or entity declaration in any XML part
extents     no sheet far larger than the import may take
legacy_xls  the OLE2 compound file of a legacy .xls
"""
from __future__ import annotations

from analytics.formatting import file_size
from analytics.ingest.guard.extents import column_number
from analytics.ingest.guard.formats import (
    CHUNK,
    OLE2,
    ZIP_LOCAL,
    WorkbookFormat,
    foreign_message,
    refuse,
)
from analytics.ingest.guard.legacy_xls import check_ole2
from analytics.ingest.guard.zip_checks import check_zip
from analytics.limits import DEFAULT_LIMITS, Limits

__all__ = ["CHUNK", "WorkbookFormat", "check_bytes", "column_number"]


def check_bytes(data: bytes, limits: Limits = DEFAULT_LIMITS) -> WorkbookFormat:
    """The format the bytes really are; ImportRefused (one Problem) when they are no readable workbook."""
    if len(data) > limits.max_upload_bytes:
        raise refuse(
            "file_too_large",
            f"This file is {file_size(len(data))}; the upload limit is "
            f"{file_size(limits.max_upload_bytes)}. A monthly portfolio export is normally well "
            f"under 1 MB, so check that this is the right file. If it is, delete images, pivot "
            f"tables and unused sheets in Excel, save, and upload it again.",
        )
    if not data:
        raise refuse(
            "empty_file",
            "This file is empty (0 bytes): the export or the download did not finish. "
            "Export the workbook from your tracker again and upload the new file.",
        )
    if data.startswith(ZIP_LOCAL):
        return check_zip(data, limits)
    if data.startswith(OLE2):
        return check_ole2(data)
    raise refuse("not_a_workbook", foreign_message(data))
