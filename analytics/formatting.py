"""How numbers read, everywhere they are shown: dashboard, charts, deck, exports, CLI.

One home for money, percentages, counts, durations and months, so that a currency or a unit
is never spelled by a caller. Money always carries its snapshot's currency (METRICS.md
section 1): an ISO code in, its symbol (or the code) out; never a hard-coded `$`.
"""
from __future__ import annotations

import math
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

# pandas is imported by the two functions that need it: the byte guard (in the reader child)
# and the CLI's start-up import this module for its words and must not pay for pandas.

#: The currency of a snapshot in which no symbol or code was written (METRICS.md section 1).
DEFAULT_CURRENCY = "USD"

#: Symbols written in front of an amount. A code without a symbol here is written as a prefix
#: code ("CHF 1.2M"), which every reader understands.
CURRENCY_SYMBOLS: dict[str, str] = {
    "USD": "$",
    "EUR": "€",
    "GBP": "£",
    "JPY": "¥",
    "INR": "₹",
}

MISSING = "–"
#: What a money figure reads when the export gives no value for its field at all
#: (metrics.outcomes.not_captured): unknown, never 0.
NOT_IN_EXPORT = "not in the export"


def is_missing(value: object) -> bool:
    if value is None:
        return True
    import pandas as pd

    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def currency_prefix(currency: str | None) -> str:
    """'$' for USD, '€' for EUR, 'CHF ' for a code without a symbol."""
    code = (currency or DEFAULT_CURRENCY).upper()
    return CURRENCY_SYMBOLS.get(code, f"{code} ")


def money(value: float | None, currency: str | None = DEFAULT_CURRENCY) -> str:
    """Compact money as people read it: $1.2M, €250k, £900, CHF 3.4B."""
    if is_missing(value):
        return MISSING
    prefix = currency_prefix(currency)
    v = float(value)  # type: ignore[arg-type]
    sign = "-" if v < 0 else ""
    v = abs(v)
    for threshold, suffix, digits in ((1e9, "B", 1), (1e6, "M", 1), (1e3, "k", 0)):
        if v >= threshold:
            return f"{sign}{prefix}{v / threshold:.{digits}f}{suffix}"
    return f"{sign}{prefix}{v:.0f}"


def money_exact(value: float | None, currency: str | None = DEFAULT_CURRENCY) -> str:
    """Whole units with thousands separators, for notes and summaries: $1,234,567."""
    if is_missing(value):
        return "n/a"
    v = float(value)  # type: ignore[arg-type]
    sign = "-" if v < 0 else ""
    return f"{sign}{currency_prefix(currency)}{abs(v):,.0f}"


def percent(value: float | None, digits: int = 0) -> str:
    """A share (0..1) as a percentage: 0.183 -> '18%'."""
    if is_missing(value):
        return MISSING
    return f"{float(value) * 100:.{digits}f}%"  # type: ignore[arg-type]


def count(value: float | None) -> str:
    """Whole counts with separators; fractional ones (split weights) with two decimals."""
    if is_missing(value):
        return "n/a"
    v = float(value)  # type: ignore[arg-type]
    return f"{v:,.0f}" if v.is_integer() else f"{v:,.2f}"


def file_size(n: float) -> str:
    """Bytes as a reader says them: 512 -> '512 bytes', 1536 -> '1.5 KB', 2**30 -> '1 GB'."""
    for unit, scale in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if n >= scale:
            value = n / scale
            return f"{value:.0f} {unit}" if value == int(value) else f"{value:.1f} {unit}"
    return f"{int(n)} bytes"


#: Days per average month; time to production is shown in months throughout (issue: one unit).
DAYS_PER_MONTH = 365.25 / 12


def days_as_months(days: float | None, digits: int = 1) -> str:
    """A duration in days, read in months: 400 -> '13.1 months'."""
    if is_missing(days):
        return MISSING
    months = float(days) / DAYS_PER_MONTH  # type: ignore[arg-type]
    unit = "month" if math.isclose(round(months, digits), 1.0) else "months"
    return f"{months:.{digits}f} {unit}"


def month_label(value: date | pd.Period | str) -> str:
    """'Nov 2026' for a month, from a date, a Period or 'YYYY-MM'."""
    import pandas as pd

    period = pd.Period(value, freq="M")
    return period.strftime("%b %Y")
