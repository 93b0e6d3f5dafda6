"""Problems found in a workbook, and the domain exceptions the product raises.

Every problem names its place (sheet, Excel row, column header), the value, what is wrong
and how to fix it. Codes are stable: scripts and tests match on them, never on wording.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"      # blocks the import; nothing is written
    WARNING = "warning"  # kept with the snapshot


@dataclass(frozen=True, slots=True)
class Problem:
    severity: Severity
    code: str
    message: str
    sheet: str | None = None
    row: int | None = None          # as Excel shows it (1-based)
    column: str | None = None       # the header as written in the workbook
    value: str | None = None

    def where(self) -> str:
        parts = []
        if self.sheet is not None:
            parts.append(f"sheet '{self.sheet}'")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column is not None:
            parts.append(f"column '{self.column}'")
        return ", ".join(parts)

    def describe(self) -> str:
        where = self.where()
        value = f" value '{self.value}':" if self.value is not None else ""
        head = f"{where}:" if where else ""
        return " ".join(p for p in (f"[{self.code}]", head, value.strip(), self.message) if p)

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


class PortfolioError(Exception):
    """Base of every error the product explains to its user in words."""


class ImportRefused(PortfolioError):
    """An import that was refused; nothing was written. Carries every problem found."""

    def __init__(self, message: str, problems: tuple[Problem, ...] = ()) -> None:
        super().__init__(message)
        self.problems = problems

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity is Severity.ERROR)


class SnapshotExists(PortfolioError):
    """The month already has a snapshot and the caller did not ask to replace it."""


class SnapshotMissing(PortfolioError):
    """No snapshot for the month asked about."""


class DatabaseUnusable(PortfolioError):
    """The database path is no DuckDB database, or the file is damaged."""


class StoreLocked(PortfolioError):
    """Another process holds the database's write lock."""


class SampleInDatabase(PortfolioError):
    """A real export was about to be imported beside the shipped sample portfolio."""
