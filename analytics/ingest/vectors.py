"""Parsing the distinct values of a column at once: text, IDs, money and dates.

These kinds have a distinct value per row in real exports (names, amounts, dates), so they are
parsed with Arrow compute kernels (RE2 regular expressions, set lookups) over the array of
distinct values instead of a Python call per value. The rules are METRICS.md section 1; the
regular expressions below are the whole grammar of what is accepted.
"""
from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pandas.api.types import infer_dtype

from analytics.domain import EXCEL_ERRORS, PLACEHOLDERS, id_key
from analytics.ingest.reader import BodyColumn
from analytics.ingest.values import CURRENCY_MARKS, Parsed, cell_text
from analytics.problems import Severity

_PLACEHOLDER_SET = pa.array(sorted(PLACEHOLDERS), type=pa.string())
_EXCEL_ERROR_SET = pa.array(sorted(EXCEL_ERRORS), type=pa.string())

DATE_HINT = "write it as 2025-03-15, 15 Mar 2025 or March 2025, or format the cell as a date"
MONEY_HINT = ("write a number, optionally with one currency mark and k/M: 1200000, $1,200,000, "
              "1.2M, €250k")
#: Years outside this range are typing slips, not portfolio dates.
FIRST_YEAR, LAST_YEAR = 1900, 2199


@dataclass(frozen=True)
class UniqueValues:
    """Per distinct value: the canonical value, and the failures by distinct-value index."""

    values: np.ndarray
    failures: dict[int, Parsed] = field(default_factory=dict)


def _fail(code: str, message: str, severity: Severity = Severity.ERROR) -> Parsed:
    return Parsed(None, code, message, severity)


def _keys(strings: pa.Array) -> pa.Array:
    """Trimmed, lower-cased, inner whitespace folded: how placeholders are compared."""
    lowered = pc.utf8_lower(pc.utf8_trim_whitespace(strings))
    return _fold_runs(lowered, r"\s+", r"\s\s|[^\S ]")


def _fold_runs(strings: pa.Array, runs: str, unfolded: str) -> pa.Array:
    """Each match of `runs` (a regex of whitespace runs) as one plain space.

    Searching is cheaper than replacing: when no text holds `unfolded` (two such characters in
    a row, or one that is not a plain space), every run already is one plain space, so the
    texts (nearly all names and IDs) are returned as they are.
    """
    if len(strings) == 0 or not pc.any(pc.match_substring_regex(strings, unfolded)).as_py():
        return strings
    return pc.replace_substring_regex(strings, runs, " ")


def _is_placeholder(strings: pa.Array) -> np.ndarray:
    return pc.is_in(_keys(strings), value_set=_PLACEHOLDER_SET).to_numpy(zero_copy_only=False)


@dataclass(frozen=True)
class Distinct:
    """The distinct cells of a column: as Arrow text (Excel's display) and, for the cells that
    were not text (numbers, dates, booleans), as read.

    `values` and `texts` (one Python object per distinct value) are made only when asked for:
    the fields read per distinct value (stage, readiness, ...) have a handful, and the columns
    with a distinct value per row (names, notes, extra columns) are handled in Arrow only.
    """

    arrow: pa.Array             # the texts as an Arrow string array
    is_text: np.ndarray         # bool: the cell held text (not a number, date or boolean)
    others: np.ndarray          # object: the values where ~is_text, in order

    @cached_property
    def clean(self) -> pa.Array:
        """The texts with every Unicode space as a plain space (ASCII text has none: as is)."""
        if len(self.arrow) == 0 or pc.all(pc.string_is_ascii(self.arrow)).as_py():
            return self.arrow
        return unicode_spaces(self.arrow)

    @cached_property
    def texts(self) -> np.ndarray:
        """object: cell_text of each value."""
        found: np.ndarray = self.arrow.to_numpy(zero_copy_only=False)
        return found

    @cached_property
    def values(self) -> np.ndarray:
        """object: str, float, bool, date, datetime, ... as read."""
        values = self.texts.copy()
        values[~self.is_text] = self.others
        return values

    def __len__(self) -> int:
        return len(self.arrow)

    def text(self, index: int) -> str:
        return str(self.arrow[index].as_py())

    def excel_errors(self) -> np.ndarray:
        """Per distinct value: an Excel error value written as text (#N/A, #REF!, ...)."""
        keys = pc.utf8_upper(pc.utf8_trim_whitespace(self.clean))
        return pc.is_in(keys, value_set=_EXCEL_ERROR_SET).to_numpy(zero_copy_only=False)

    def blank(self) -> np.ndarray:
        """Per distinct value: empty or only spaces."""
        return pc.equal(pc.utf8_trim_whitespace(self.clean), "").to_numpy(zero_copy_only=False)

    def longest(self) -> int:
        return int(pc.max(pc.utf8_length(self.arrow)).as_py() or 0) if len(self.arrow) else 0

    def text_cells(self) -> tuple[np.ndarray, pa.Array]:
        """(indices, Arrow texts) of the values that were text cells."""
        where = np.flatnonzero(self.is_text)
        return where, self.clean.take(pa.array(where))

    def non_text(self) -> Iterator[tuple[int, object]]:
        """(index, value) of the values that were not text cells."""
        return zip(np.flatnonzero(~self.is_text).tolist(), self.others, strict=True)

    def text_only(self) -> Distinct:
        """The same texts without the values as read (`others`: a Python object each), for a
        column only ever read as text: `values` and `non_text` then fail loudly."""
        return Distinct(self.arrow, self.is_text, np.empty(0, dtype=object))


def distinct(values: np.ndarray) -> Distinct:
    """Distinct cells (no None/NaN: an absent cell is "") with their text forms."""
    if infer_dtype(values, skipna=False) in ("string", "empty"):  # the usual all-text column
        is_text = np.ones(len(values), dtype=bool)
    else:
        is_text = np.fromiter((type(u) is str for u in values), dtype=bool, count=len(values))
    texts = values.copy()
    if not is_text.all():
        texts[~is_text] = _texts(values[~is_text])
    return Distinct(pa.array(texts, type=pa.string()), is_text, values[~is_text])


def distinct_encoded(column: BodyColumn) -> Distinct:
    """The distinct cells of a column as the reader decoded them, without a Python object per
    text value: the text buffer becomes an Arrow array as it is."""
    offsets = np.concatenate([[0], column.ends]).astype(np.int32)
    every_text = pa.StringArray.from_buffers(
        len(column.ends), pa.py_buffer(offsets), pa.py_buffer(column.text))
    index = column.text_index
    if len(index) and index[-1] - index[0] + 1 == len(index) and bool((np.diff(index) == 1).all()):
        # Every text value of a run of rows once, in order (a column of distinct names or
        # notes): a view of the buffer, not a copy.
        texts = every_text.slice(int(index[0]), len(index))
    else:
        texts = every_text.take(pa.array(index))
    if column.is_text.all():
        return Distinct(texts, column.is_text, column.others)
    other_texts = pa.array(_texts(column.others), type=pa.string())
    order = np.empty(len(column.is_text), dtype=np.int64)
    order[column.is_text] = np.arange(len(texts))
    order[~column.is_text] = len(texts) + np.arange(len(other_texts))
    combined = pa.concat_arrays([texts, other_texts])
    return Distinct(combined.take(pa.array(order)), column.is_text, column.others)


#: Non-breaking, thin, ideographic and zero-width spaces (METRICS.md section 1: all are spaces).
_UNICODE_SPACES = r"[\p{Z}\x{200B}\x{FEFF}\x{180E}]"


def unicode_spaces(strings: pa.Array) -> pa.Array:
    """Every Unicode space as a plain space, so '1\u00a0200\u00a0000' reads as 1 200 000."""
    return pc.replace_substring_regex(strings, _UNICODE_SPACES, " ")


def _texts(values: np.ndarray) -> np.ndarray:
    """cell_text of non-text cells; plain numbers (the bulk of them) at numpy speed."""
    texts = np.empty(len(values), dtype=object)
    floats = np.fromiter((type(u) is float for u in values), dtype=bool, count=len(values))
    numbers = values[floats].astype(float)
    whole = np.isfinite(numbers) & (numbers == np.round(numbers)) & (np.abs(numbers) < 1e15)
    as_text = numbers.astype(str).astype(object)
    as_text[whole] = numbers[whole].astype(np.int64).astype(str).astype(object)
    texts[floats] = as_text
    texts[~floats] = [cell_text(u) for u in values[~floats]]
    return texts


# --- text and IDs ------------------------------------------------------------------------------


def text_values(cells: Distinct) -> pa.Array:
    """Trimmed text, null for placeholders."""
    trimmed = pc.utf8_trim_whitespace(cells.clean)
    return pc.if_else(pa.array(_is_placeholder(cells.clean)), None, trimmed)


@dataclass(frozen=True)
class IdValues:
    """Per distinct value: the ID (trimmed; null for an empty one), a code standing for its
    comparison key (domain.id_key: equal codes, equal keys; -1 for none) and the failures."""

    ids: pa.Array
    keys: np.ndarray
    failures: dict[int, Parsed]


#: What str.split() splits ASCII text on (domain.id_key folds these runs to one space), and
#: what shows a run that is not one plain space already.
_ASCII_SPACES = r"[\t\n\x0b\x0c\r\x1c-\x1f ]+"
_ASCII_UNFOLDED = r"[\t\n\x0b\x0c\r\x1c-\x1f ]{2}|[\t\n\x0b\x0c\r\x1c-\x1f]"


def id_values(cells: Distinct) -> IdValues:
    ids = text_values(cells)
    empty = _fail(
        "empty_id", "the initiative ID is empty; every row needs a unique ID (the tracker's key)"
    )
    missing = ids.is_null().to_numpy(zero_copy_only=False)
    failures = {int(i): empty for i in np.flatnonzero(missing)}
    if pc.all(pc.string_is_ascii(ids)).as_py() is not False:
        # ASCII IDs: id_key is folding whitespace runs and case, done here in Arrow.
        folded = pc.utf8_trim(_fold_runs(ids, _ASCII_SPACES, _ASCII_UNFOLDED), " ")
        keys = pc.fill_null(pc.dictionary_encode(pc.utf8_lower(folded)).indices, -1)
        return IdValues(ids, keys.to_numpy(zero_copy_only=False), failures)
    spelled = np.array([id_key(v) if isinstance(v, str) else None for v in ids.to_pylist()],
                       dtype=object)
    return IdValues(ids, pd.factorize(spelled)[0], failures)


# --- money ----------------------------------------------------------------------------------------

_MARKS = "|".join(
    "".join("\\" + ch if ch in "$.()" else ch for ch in mark)
    for mark in sorted(CURRENCY_MARKS, key=len, reverse=True)
)
_MULTIPLIERS: dict[str, float] = {
    "k": 1e3, "thousand": 1e3,
    "m": 1e6, "mm": 1e6, "mn": 1e6, "million": 1e6,
    "b": 1e9, "bn": 1e9, "billion": 1e9,
}
#: '$1,200,000', '1.2M', '250k', '€80,000', '(1,200)', '-5 000 EUR', '2.5 million USD'.
MONEY_PATTERN = (
    r"(?i)^\s*(?P<open>\()?\s*(?P<sign>-)?\s*(?:(?P<pre>" + _MARKS + r")\s*)?(?P<sign2>-)?\s*"
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d{1,3}(?: \d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"
    r"\s*(?P<mult>thousand|million|billion|mm|mn|bn|k|m|b)?"
    r"\s*(?P<post>" + _MARKS + r")?\s*(?P<close>\))?\s*$"
)
_MARK_KEYS = pa.array(list(CURRENCY_MARKS), type=pa.string())
_MARK_CODES = np.array(list(CURRENCY_MARKS.values()), dtype=object)
_MULT_KEYS = pa.array(list(_MULTIPLIERS), type=pa.string())
_MULT_FACTORS = np.array(list(_MULTIPLIERS.values()))


@dataclass(frozen=True)
class MoneyValues:
    amounts: np.ndarray          # float per distinct value, NaN when empty or failed
    currencies: np.ndarray       # ISO code written with the value, else None
    failures: dict[int, Parsed]
    plain: np.ndarray            # bool: a number with no k/M of its own (a header scale applies)


def _lookup(keys: pa.Array, table: pa.Array, results: np.ndarray, missing: object) -> np.ndarray:
    index = pc.index_in(pc.utf8_lower(keys), value_set=table).to_numpy(zero_copy_only=False)
    found = ~np.isnan(index.astype(float))
    out = np.full(len(index), missing, dtype=results.dtype)
    out[found] = results[index[found].astype(int)]
    return out


def money_values(cells: Distinct) -> MoneyValues:
    n = len(cells)
    amounts = np.full(n, np.nan)
    currencies = np.full(n, None, dtype=object)
    failures: dict[int, Parsed] = {}
    plain = np.ones(n, dtype=bool)
    for i, cell in cells.non_text():
        if isinstance(cell, (float, int)) and not isinstance(cell, bool) and math.isfinite(cell):
            amounts[i] = cell
        else:
            failures[int(i)] = _fail("bad_money", f"this is not an amount; {MONEY_HINT}")
    where, strings = cells.text_cells()
    if where.size == 0:
        return MoneyValues(amounts, currencies, failures, plain)
    found = pc.extract_regex(strings, MONEY_PATTERN)
    matched = found.is_valid().to_numpy(zero_copy_only=False)
    part = {name: found.field(name) for name in ("open", "close", "pre", "post", "sign", "sign2",
                                                  "num", "mult")}
    has = {name: pc.not_equal(arr, "").to_numpy(zero_copy_only=False) for name, arr in part.items()}
    balanced = has["open"] == has["close"]
    one_mark = ~(has["pre"] & has["post"])
    ok = matched & balanced & one_mark
    digits = pc.replace_substring(pc.replace_substring(part["num"], ",", ""), " ", "")
    number = pc.cast(pc.if_else(pa.array(ok), digits, "0"), pa.float64()).to_numpy()
    factor = _lookup(part["mult"], _MULT_KEYS, _MULT_FACTORS, 1.0)
    negative = has["open"] | has["sign"] | has["sign2"]
    mark = pc.if_else(pa.array(has["pre"]), part["pre"], part["post"])
    written = _lookup(mark, _MARK_KEYS, _MARK_CODES, None)
    amounts[where[ok]] = np.where(negative, -number, number)[ok] * factor[ok]
    currencies[where[ok]] = written[ok]
    plain[where] = ~has["mult"]
    placeholder = _is_placeholder(strings)
    for j in np.flatnonzero(~ok & ~placeholder):
        reason = ("write the currency once" if matched[j] and not one_mark[j]
                  else "this is not an amount we can read")
        failures[int(where[j])] = _fail("bad_money", f"{reason}; {MONEY_HINT}")
    return MoneyValues(amounts, currencies, failures, plain)


# --- dates ----------------------------------------------------------------------------------------

_MONTH_NAMES = ("january", "february", "march", "april", "may", "june", "july", "august",
                "september", "october", "november", "december")
_MONTH_TABLE: dict[str, int] = {
    **{name: i for i, name in enumerate(_MONTH_NAMES, start=1)},
    **{name[:3]: i for i, name in enumerate(_MONTH_NAMES, start=1)},
    "sept": 9,
}
_MONTH_KEYS = pa.array(list(_MONTH_TABLE), type=pa.string())
_MONTH_NUMBERS = np.array(list(_MONTH_TABLE.values()))
_SEP = r"[\s\-/.,]+"
#: ISO (2025-03-15, 2025/03/15, with or without a time), ISO month (2025-03), numeric
#: (03/04/2025: order settled per workbook), day-month name (15 Mar 2025, 15-Mar-25),
#: month name-day (Mar 15, 2025) and month name-year (March 2025 = the 1st).
DATE_PATTERN = (
    r"^(?:"
    r"(?P<iso_y>\d{4})[-/.](?P<iso_m>\d{1,2})[-/.](?P<iso_d>\d{1,2})"
    r"(?:[t ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?z?)?"
    r"|(?P<ym_y>\d{4})-(?P<ym_m>\d{1,2})"
    r"|(?P<num_a>\d{1,2})[-/.](?P<num_b>\d{1,2})[-/.](?P<num_y>\d{4}|\d{2})"
    r"|(?P<dmy_d>\d{1,2})(?:st|nd|rd|th)?" + _SEP + r"(?P<dmy_m>[a-z]+)" + _SEP
    + r"(?P<dmy_y>\d{4}|\d{2})"
    r"|(?P<mdy_m>[a-z]+)" + _SEP + r"(?P<mdy_d>\d{1,2})(?:st|nd|rd|th)?" + _SEP
    + r"(?P<mdy_y>\d{4})"
    r"|(?P<my_m>[a-z]+)" + _SEP + r"(?P<my_y>\d{4})"
    r")$"
)


@dataclass(frozen=True)
class DateValues:
    """Dates per distinct value; numeric ones (03/04/2025) wait for the workbook's order."""

    days: np.ndarray                 # datetime64[D], NaT when empty, failed or pending
    pending: np.ndarray              # indices of numeric dates
    first: np.ndarray                # their first, second part and year
    second: np.ndarray
    year: np.ndarray
    failures: dict[int, Parsed]

    def proof(self) -> tuple[bool, bool]:
        """(some date is only valid day-first, some date is only valid month-first)."""
        day_first = make_days(self.year, self.second, self.first)[1]
        month_first = make_days(self.year, self.first, self.second)[1]
        differ = self.first != self.second
        return (bool((day_first & ~month_first & differ).any()),
                bool((month_first & ~day_first & differ).any()))


def make_days(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """datetime64[D] for each (year, month, day) and whether that day exists."""
    ok = (month >= 1) & (month <= 12) & (day >= 1) & (day <= 31)
    ok &= (year >= FIRST_YEAR) & (year <= LAST_YEAR)
    months = np.where(ok, (year - 1970) * 12 + month - 1, 0).astype("datetime64[M]")
    days = months.astype("datetime64[D]") + np.where(ok, day - 1, 0).astype("timedelta64[D]")
    ok &= days.astype("datetime64[M]") == months
    return np.where(ok, days, np.datetime64("NaT", "D")), ok


def _ints(strings: pa.Array) -> np.ndarray:
    """Digits to int64, -1 where the group did not take part."""
    present = pc.not_equal(strings, "")
    as_int = pc.cast(pc.if_else(present, strings, "-1"), pa.int64())
    return as_int.to_numpy(zero_copy_only=False)


def _years(strings: pa.Array) -> np.ndarray:
    # Two-digit years read the way Excel reads them when typed: 00-29 -> 2000s, else 1900s.
    year = _ints(strings)
    short = pc.equal(pc.utf8_length(strings), 2).to_numpy(zero_copy_only=False)
    return np.where(short, np.where(year < 30, 2000 + year, 1900 + year), year)


def _pick(*candidates: np.ndarray) -> np.ndarray:
    """The first candidate that took part (> -1), per row."""
    out = candidates[0].copy()
    for other in candidates[1:]:
        out = np.where(out >= 0, out, other)
    return out


def date_values(cells: Distinct) -> DateValues:
    n = len(cells)
    days = np.full(n, np.datetime64("NaT", "D"))
    failures: dict[int, Parsed] = {}
    for i, cell in cells.non_text():
        if isinstance(cell, datetime):
            cell = cell.date()
        if isinstance(cell, date):
            if FIRST_YEAR <= cell.year <= LAST_YEAR:
                days[i] = np.datetime64(cell, "D")
            else:
                failures[int(i)] = _fail("bad_date", f"the year looks wrong; {DATE_HINT}")
        elif type(cell) in (float, int):
            failures[int(i)] = _fail(
                "bad_date",
                "a number is not a date here (Excel stores dates as numbers, but this cell is "
                f"not formatted as one); {DATE_HINT}",
            )
        elif cell is not None:
            failures[int(i)] = _fail("bad_date", f"this is not a date; {DATE_HINT}")
    empty = np.array([], dtype=np.int64)
    where, strings = cells.text_cells()
    if where.size == 0:
        return DateValues(days, empty, empty, empty, empty, failures)
    found = pc.extract_regex(pc.utf8_lower(pc.utf8_trim_whitespace(strings)), DATE_PATTERN)
    matched = found.is_valid().to_numpy(zero_copy_only=False)
    group = {name: found.field(name) for name in (
        "iso_y", "iso_m", "iso_d", "ym_y", "ym_m", "num_a", "num_b", "num_y",
        "dmy_d", "dmy_m", "dmy_y", "mdy_m", "mdy_d", "mdy_y", "my_m", "my_y")}
    month_word = pc.if_else(pc.not_equal(group["dmy_m"], ""), group["dmy_m"],
                            pc.if_else(pc.not_equal(group["mdy_m"], ""), group["mdy_m"],
                                       group["my_m"]))
    has_word = pc.not_equal(month_word, "").to_numpy(zero_copy_only=False)
    named_month = _lookup(month_word, _MONTH_KEYS, _MONTH_NUMBERS, -1)
    numeric = matched & (_ints(group["num_a"]) >= 0)
    year = _pick(_ints(group["iso_y"]), _ints(group["ym_y"]), _years(group["dmy_y"]),
                 _ints(group["mdy_y"]), _ints(group["my_y"]))
    month = np.where(has_word, named_month, _pick(_ints(group["iso_m"]), _ints(group["ym_m"])))
    day = _pick(_ints(group["iso_d"]), _ints(group["dmy_d"]), _ints(group["mdy_d"]))
    day = np.where(day >= 0, day, 1)
    made, exists = make_days(year, month, day)
    resolved = matched & ~numeric & exists
    days[where[resolved]] = made[resolved]

    first, second, num_year = (_ints(group["num_a"]), _ints(group["num_b"]),
                               _years(group["num_y"]))
    either = (make_days(num_year, second, first)[1] | make_days(num_year, first, second)[1])
    pending = numeric & either
    placeholder = _is_placeholder(strings)
    for j in np.flatnonzero(~resolved & ~pending & ~placeholder):
        if matched[j] and has_word[j] and named_month[j] < 0:
            reason = "the month name is not one we know"
        elif matched[j]:
            reason = "there is no such day"
        else:
            reason = "this is not a date we can read"
        failures[int(where[j])] = _fail("bad_date", f"{reason}; {DATE_HINT}")
    return DateValues(days, where[pending], first[pending], second[pending], num_year[pending],
                      failures)


def date_order(columns: list[DateValues]) -> bool | None:
    """True: the workbook's numeric dates are day-first; False: month-first; None: unsettled."""
    proofs = [c.proof() for c in columns]
    day_first = any(p[0] for p in proofs)
    month_first = any(p[1] for p in proofs)
    if day_first != month_first:
        return day_first
    return None


def settle_dates(found: DateValues, day_first: bool | None) -> UniqueValues:
    """Every date resolved; a numeric date only one reading makes real needs no settling."""
    days = found.days.copy()
    failures = dict(found.failures)
    by_day, day_ok = make_days(found.year, found.second, found.first)
    by_month, month_ok = make_days(found.year, found.first, found.second)
    if day_first is True:
        chosen = np.where(day_ok, by_day, by_month)
    elif day_first is False:
        chosen = np.where(month_ok, by_month, by_day)
    else:
        only_one = day_ok != month_ok
        same = found.first == found.second
        chosen = np.where(same | (only_one & day_ok), by_day, by_month)
        for index in found.pending[~same & ~only_one]:
            failures[int(index)] = _fail(
                "ambiguous_date",
                "this could be day/month or month/day and no other date in the workbook settles "
                f"which; {DATE_HINT}",
            )
            chosen[found.pending == index] = np.datetime64("NaT", "D")
    days[found.pending] = chosen
    return UniqueValues(days, failures)
