"""Legacy .xls (an OLE2 compound file): read just far enough to find the workbook stream and
whether it is encrypted."""
from __future__ import annotations

import struct
from dataclasses import dataclass

from analytics.ingest.guard.formats import PASSWORD_MESSAGE, WorkbookFormat, refuse, upload_instead

# --------------------------------------------------------------------------------------------
# OLE2 compound files: legacy .xls, and the container Excel wraps encrypted workbooks in.

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


def check_ole2(data: bytes) -> WorkbookFormat:
    try:
        cfb = _Cfb(data)
        entries = cfb.root_names()
        if "ENCRYPTEDPACKAGE" in entries or "ENCRYPTIONINFO" in entries:
            raise refuse("password_protected", PASSWORD_MESSAGE)
        book = entries.get("WORKBOOK") or entries.get("BOOK")
        if book is not None:
            if _biff_is_encrypted(cfb.read_prefix(book, 64 * 1024)):
                raise refuse("password_protected", PASSWORD_MESSAGE)
            return WorkbookFormat.XLS
    except _CfbDamaged as exc:
        raise refuse(
            "damaged_workbook",
            f"This file looks like an old-format Excel workbook (.xls) but its internal "
            f"structure is damaged ({exc}). Export or download it again; if that still fails, "
            f"open it in Excel, which can often repair it, save it as .xlsx and upload that.",
        ) from None
    for stream, what in (("WORDDOCUMENT", "an old-format Word document (.doc)"),
                         ("POWERPOINT DOCUMENT", "an old-format PowerPoint presentation (.ppt)")):
        if stream in entries:
            raise refuse("not_a_workbook", f"This file is {what}, not a workbook. {upload_instead()}")
    if any(name.startswith("__SUBSTG1.0_") for name in entries):
        raise refuse(
            "not_a_workbook",
            "This file is an Outlook message (.msg). Open it in Outlook, save the attached "
            "workbook, and upload that.",
        )
    raise refuse(
        "not_a_workbook",
        f"This file is an Office container with no workbook in it. {upload_instead()}",
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
