"""Importing the monthly portfolio export (METRICS.md sections 1 and 2).

prepare_import reads and checks a workbook without writing; commit_import stores a clean plan
as its month's snapshot; import_file (analytics/operations.py) does both, with the backup,
for a path or bytes.

The CLI parser and the Data page import this package just to build a form, so the names that
need pandas, DuckDB and calamine are loaded on first use (PEP 562), not here.
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from analytics.ingest.model import ColumnMatch, ImportPlan, ImportResult
from analytics.ingest.months import as_of_from_name, parse_month

if TYPE_CHECKING:  # the type checker sees the lazily loaded names as what they are
    from analytics.ingest.headers import load_mapping_file
    from analytics.ingest.pipeline import commit_import
    from analytics.ingest.plan import prepare_import
    from analytics.operations import import_file

_HEAVY: dict[str, str] = {
    "commit_import": "analytics.ingest.pipeline",
    "import_file": "analytics.operations",
    "prepare_import": "analytics.ingest.plan",
    "load_mapping_file": "analytics.ingest.headers",
}

__all__ = [
    "ColumnMatch",
    "ImportPlan",
    "ImportResult",
    "as_of_from_name",
    "commit_import",
    "import_file",
    "load_mapping_file",
    "parse_month",
    "prepare_import",
]


def __getattr__(name: str) -> object:
    module = _HEAVY.get(name)
    if module is None:
        raise AttributeError(f"module 'analytics.ingest' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
