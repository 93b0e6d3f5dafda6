"""Where a number comes from, as every exported chart and slide states it: the month, the
filters in force, the source file, whether it is sample data, and the money's currency."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from analytics import formatting
from analytics.scope import ReportScope


@dataclass(frozen=True, slots=True)
class ChartContext:
    """What every exported chart must carry so it stands alone on a slide."""

    as_of: date
    source: str = "Portfolio export"
    filters: str = ""     # e.g. "Business unit: Finance"; empty when unfiltered
    is_sample: bool = False
    currency: str = formatting.DEFAULT_CURRENCY   # the as-of snapshot's; every money label

    @classmethod
    def for_scope(cls, scope: ReportScope, *, source: str | None, is_sample: bool,
                  currency: str | None) -> ChartContext:
        """The provenance of a chart drawn for `scope` from the month's export `source`."""
        return cls(as_of=scope.as_of, source=source or "portfolio export",
                   filters=scope.describe(), is_sample=is_sample,
                   currency=currency or formatting.DEFAULT_CURRENCY)

    def footer(self) -> str:
        parts = [f"As of {self.as_of:%B %Y}"]
        if self.filters:
            parts.append(self.filters)
        source = f"Source: {self.source}"
        if self.is_sample:
            source += " (sample data)"
        parts.append(source)
        return "  ·  ".join(parts)

    def file_stem(self, chart: str) -> str:
        return f"{chart}-{self.as_of:%Y-%m}"
