"""An upload's bytes from a path or from memory, read no further than the guard needs.

Kept apart from the pipeline (DuckDB, pandas): the CLI reads the file and starts the reader
child before it loads those.
"""
from __future__ import annotations

import os
from pathlib import Path

from analytics.limits import Limits
from analytics.problems import PortfolioError


def read_source(
    path_or_bytes: bytes | str | os.PathLike[str], file_name: str | None, limits: Limits,
) -> tuple[bytes, str]:
    """The bytes and the file name the import reports (bytes without a name: workbook.xlsx)."""
    if isinstance(path_or_bytes, (bytes, bytearray, memoryview)):
        return bytes(path_or_bytes), file_name or "workbook.xlsx"
    path = Path(path_or_bytes)
    try:
        with path.open("rb") as source:
            # One byte over the limit is enough for the guard to refuse a huge file.
            data = source.read(limits.max_upload_bytes + 1)
    except FileNotFoundError:
        raise PortfolioError(f"file not found: {path}") from None
    except OSError as exc:
        raise PortfolioError(f"cannot read {path}: {exc.strerror or exc}") from None
    return data, file_name or path.name
