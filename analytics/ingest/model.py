"""What an import found (ImportPlan) and what it did (ImportResult)."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import TYPE_CHECKING

from analytics.problems import Problem, Severity

if TYPE_CHECKING:  # the CLI parser and the Data page import this module before pandas
    import pandas as pd

#: How a column was matched to a field.
BY_SYNONYM = "synonym"
BY_MAPPING = "mapping"
BY_REMEMBERED = "remembered"
UNMAPPED = "unmapped"


@dataclass(frozen=True)
class ColumnMatch:
    header: str             # as written in the workbook, trimmed
    column_index: int       # 0-based sheet column (0 = A)
    field: str | None       # canonical field, None when ignored or unmapped
    how: str                # BY_SYNONYM | BY_MAPPING | BY_REMEMBERED | UNMAPPED
    currency: str | None = None   # a money column's currency named in its header
    scale: float = 1.0            # a money column's scale named in its header ($k, 000s, m)


@dataclass(frozen=True)
class ImportPlan:
    """A workbook read and checked, ready to commit; computing it never writes."""

    file_name: str
    sha256: str
    as_of: date | None      # first day of the as-of month
    sheet: str
    header_row: int         # as Excel shows it
    columns: tuple[ColumnMatch, ...]
    rows: pd.DataFrame      # store.ROW_COLUMNS except as_of
    problems: tuple[Problem, ...]
    currency: str | None
    workbook: bytes = field(default=b"", repr=False)
    sheets_passed: tuple[str, ...] = ()     # other sheets that could have been the export
    stage_mapping: tuple[tuple[str, str], ...] = ()  # stage words mapped by hand (as written)
    unknown_stages: tuple[str, ...] = ()    # stage words that map to no stage, as written
    sheets: tuple[str, ...] = ()            # every sheet of the workbook that holds cells

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity is Severity.ERROR)

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity is Severity.WARNING)

    @property
    def unmapped_headers(self) -> tuple[str, ...]:
        return tuple(c.header for c in self.columns if c.how == UNMAPPED)

    @property
    def ok(self) -> bool:
        return not self.errors

    def stored(self) -> ImportPlan:
        """The plan without its rows and workbook, once they are stored: all a summary of the
        import reads."""
        return replace(self, rows=self.rows.iloc[:0], workbook=b"")


@dataclass(frozen=True)
class ImportResult:
    as_of: date
    status: str             # "imported" | "replaced" | "unchanged"
    rows: int
    warnings: tuple[Problem, ...]


IMPORTED = "imported"
REPLACED = "replaced"
UNCHANGED = "unchanged"

#: Each problem code as the Data page and the warnings download name it (a code not listed
#: reads as itself). Codes are stable; these labels may be reworded.
PROBLEM_LABELS: dict[str, str] = {
    "missing_required_column": "Required column not found",
    "duplicate_column": "Two columns read as one field",
    "unknown_mapping_field": "Mapping names an unknown field",
    "unknown_mapping_stage": "Mapping names an unknown stage",
    "mapping_header_not_found": "Mapped header not in the workbook",
    "no_data_rows": "No initiative rows under the header",
    "sheet_not_found": "No such sheet",
    "sheet_choice": "Sheet chosen among several",
    "empty_id": "Empty initiative ID",
    "duplicate_id": "Duplicate initiative ID",
    "empty_stage": "Empty stage",
    "unknown_stage": "Unknown stage word",
    "bad_date": "Unreadable date",
    "ambiguous_date": "Ambiguous date (day/month order)",
    "bad_money": "Unreadable amount",
    "mixed_currency": "More than one currency",
    "negative_amount": "Negative budget or spend",
    "negative_value": "Negative value (kept)",
    "excel_error": "Excel error value (#N/A, #REF!, ...)",
    "cell_too_long": "Cell too long",
    "empty_name": "Initiative without a name",
    "production_before_pilot": "Production date before pilot start",
    "unknown_readiness": "Unknown data-readiness value",
    "unknown_integration": "Unknown integration status",
    "unknown_solution_type": "Unknown solution type",
    "missing_since_last_month": "Missing since last month",
    "field_vanished": "Column present last month, missing now",
    "currency_changed": "Currency changed since last month",
}


def problem_label(code: str) -> str:
    return PROBLEM_LABELS.get(code, code.replace("_", " ").capitalize())
