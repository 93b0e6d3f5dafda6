"""The XML scan: no part a reader parses as XML may carry a DTD or entity declaration, even
one split across two inflated chunks or written in UTF-16."""
from __future__ import annotations

import codecs
import re

from analytics.ingest.guard.formats import RESAVE, refuse

_DTD_BYTES = re.compile(rb"<!(?:[Dd][Oo][Cc][Tt][Yy][Pp][Ee]|[Ee][Nn][Tt][Ii][Tt][Yy])")
_DTD_TEXT = re.compile(r"<!(?:doctype|entity)", re.IGNORECASE)
_CARRY = 16


class DtdScanner:
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
            self.decoder = utf16_decoder(chunk)
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
            raise refuse(
                "xml_dtd",
                f"Part '{self.name}' of the workbook declares a DTD or entities (<!DOCTYPE or "
                f"<!ENTITY>). Excel never writes these; files that carry them are crafted to "
                f"attack the software that reads them, so this file is not read. Ask whoever "
                f"sent it where it came from, or {RESAVE}.",
            )


def utf16_decoder(first: bytes) -> codecs.IncrementalDecoder | None:
    if first.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return codecs.getincrementaldecoder("utf-16")("replace")
    if first[:2] == b"<\x00":
        return codecs.getincrementaldecoder("utf-16-le")("replace")
    if first[:2] == b"\x00<":
        return codecs.getincrementaldecoder("utf-16-be")("replace")
    return None
