"""What a chart is built from: the catalog's builders ask a source, and the dashboard (cached,
lazily) and the board pack (computed once) each provide one."""
from __future__ import annotations

from typing import Protocol

import pandas as pd

from analytics.metrics import Report


class ChartSource(Protocol):
    def filtered_report(self) -> Report:
        """The month's report under the business unit / solution filters in force."""
        ...

    def whole_report(self) -> Report:
        """The month's report of the whole portfolio (splits are drawn beside it)."""
        ...

    def monthly_trend(self) -> pd.DataFrame:
        """metrics.trend up to the month, under the filters."""
        ...

    def split(self, by: str) -> pd.DataFrame:
        """metrics.breakdown of the whole portfolio by "business_unit" or "solution_type"."""
        ...

    def initiative(self) -> tuple[pd.DataFrame, str | None]:
        """The selected initiative's monthly history and its name (LookupError when none)."""
        ...
