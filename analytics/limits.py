"""Bounds on what an upload may be: one place, so the guard, the reader and the UI agree."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Limits:
    max_upload_bytes: int = 25 * 1024 * 1024
    max_uncompressed_bytes: int = 300 * 1024 * 1024
    #: Uncompressed/compressed size of one zip part; real sheets stay far below this.
    max_compression_ratio: float = 200.0
    max_rows: int = 200_000
    max_cell_chars: int = 2_000


DEFAULT_LIMITS = Limits()
