"""What a report is about: one frozen value shared by the sidebar, the CLI, the caches and the
chart footers, so the four choices travel together and are never unpacked and rebuilt."""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

#: Days in pilot or scaling after which an initiative counts as stalled, unless chosen otherwise.
DEFAULT_STALL_DAYS = 180


@dataclass(frozen=True, slots=True)
class ReportScope:
    """The as-of month, the business unit and solution type filters (None: all), and the
    stall threshold in days."""

    as_of: date
    business_unit: str | None = None
    solution_type: str | None = None
    stall_days: int = DEFAULT_STALL_DAYS

    @property
    def is_filtered(self) -> bool:
        """A business unit or solution type narrows the population."""
        return self.business_unit is not None or self.solution_type is not None

    def whole_portfolio(self) -> ReportScope:
        """The same month and threshold without the population filters (for the splits, whose
        split is the filter)."""
        return replace(self, business_unit=None, solution_type=None)

    def at(self, as_of: date) -> ReportScope:
        """The same filters for another month (the previous report)."""
        return replace(self, as_of=as_of)

    def describe(self) -> str:
        """The filters in force as footers and captions word them; empty when none is set."""
        parts = []
        if self.business_unit:
            parts.append(f"Business unit: {self.business_unit}")
        if self.solution_type:
            parts.append(f"Solution: {self.solution_type}")
        if self.stall_days != DEFAULT_STALL_DAYS:
            parts.append(f"Stall threshold: {self.stall_days} days")
        return " · ".join(parts)
