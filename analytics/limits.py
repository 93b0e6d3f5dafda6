"""Bounds on what an upload may be: one place, so the guard, the reader and the UI agree."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Limits:
    max_upload_bytes: int = 25 * 1024 * 1024
    #: Every part inflated; a real monthly export is a few MB. Bounded so that the native
    #: reader's working set for any accepted upload stays well inside `read_address_space`.
    max_uncompressed_bytes: int = 200 * 1024 * 1024
    #: The shared-strings part, which the reader holds in memory whole, string by string.
    max_shared_strings_bytes: int = 64 * 1024 * 1024
    #: Uncompressed/compressed size of one zip part; real sheets stay far below this.
    max_compression_ratio: float = 200.0
    max_rows: int = 200_000
    #: Columns of one sheet's extent: the portfolio has 18 fields plus a tracker's extras.
    max_columns: int = 1_000
    #: Cells of one sheet's declared extent (rows x columns): the reader reserves that much.
    max_extent_cells: int = 8_000_000
    #: Cells the reader child reads whole, all sheets together (the rows limit times 17
    #: columns, 140,000 rows times 25): the native reader holds each in memory, and each
    #: number cell is a Python object in the child and in the server until the import ends, so
    #: this bounds both. At 3.5 million cells of distinct numbers (12 MB) the CLI peaks at 431 MB
    #: and its child at 421 MB; at 4.75 million they took 579 and 562 MB (docs/security.md).
    max_workbook_cells: int = 3_500_000
    max_cell_chars: int = 2_000
    #: Unmatched columns the Data page offers for mapping by hand (those with a header and data).
    max_mapping_columns: int = 50
    #: The child process that parses a workbook: address space, CPU time and wall time.
    read_address_space_bytes: int = 1_200 * 1024 * 1024
    read_cpu_seconds: int = 12
    read_wall_seconds: float = 30.0


DEFAULT_LIMITS = Limits()
