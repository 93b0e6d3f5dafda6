"""Turning the data cells of a sheet into canonical rows, one distinct value at a time.

Each column is factorised (codes + distinct values); a parser runs once per distinct value and
the results are spread back over the rows with numpy takes. Problems are built only for the
cells that have one.
"""
from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import DTypeLike

from analytics.domain import FIELD_BY_NAME, FIELDS, NON_NEGATIVE_MONEY, Kind
from analytics.ingest.model import ColumnMatch
from analytics.ingest.reader import BodyColumn, column_letter
from analytics.ingest.values import (
    Parsed,
    currency_in_header,
    parse_integration,
    parse_readiness,
    parse_solution,
    parse_stage,
)
from analytics.ingest.vectors import (
    Distinct,
    UniqueValues,
    date_order,
    date_values,
    distinct_encoded,
    id_values,
    money_values,
    settle_dates,
    text_values,
)
from analytics.limits import Limits
from analytics.problems import Problem, Severity
from analytics.store import ROW_COLUMNS

#: The columns of ImportPlan.rows: the stored row without its as-of month.
PLAN_COLUMNS: tuple[str, ...] = tuple(c for c in ROW_COLUMNS if c != "as_of")

#: Kinds with few distinct values per workbook, read by a plain function per distinct value.
_SIMPLE_PARSERS: dict[Kind, Callable[[object], Parsed]] = {
    Kind.READINESS: parse_readiness,
    Kind.INTEGRATION: parse_integration,
    Kind.SOLUTION: parse_solution,
}


@dataclass(frozen=True)
class Coded:
    """One sheet column, factorised: cell i is distinct.values[codes[i]]."""

    match: ColumnMatch
    codes: np.ndarray
    distinct: Distinct

    @property
    def field(self) -> str:
        """The canonical field this column was matched to (only matched columns are coded)."""
        if self.match.field is None:
            raise ValueError(f"column '{self.match.header}' is not matched to a field")
        return self.match.field

    @property
    def uniques(self) -> np.ndarray:
        return self.distinct.values

    @property
    def texts(self) -> np.ndarray:
        return self.distinct.texts

    def keep(self, rows: np.ndarray) -> Coded:
        """Only `rows` (ascending); every row kept is this column as it is, not a copy."""
        if len(rows) == len(self.codes):
            return self
        return Coded(self.match, self.codes[rows], self.distinct)

    def blank(self) -> np.ndarray:
        """Per row: the cell is empty or only spaces."""
        return self.distinct.blank()[self.codes]


def code_column(match: ColumnMatch, cells: BodyColumn) -> Coded:
    """A column as the reader decoded it: already factorised, so nothing here is per cell.
    A column mapped to no field is only read as text (raw_json, cell lengths): its values as
    read go (22 columns of distinct numbers at 115,000 rows are 2.5 million Python objects)."""
    found = distinct_encoded(cells)
    return Coded(match, cells.codes, found if match.field else found.text_only())


def _spread(per_unique: Sequence[object], codes: np.ndarray, dtype: DTypeLike = object) -> np.ndarray:
    values = np.fromiter(per_unique, dtype=dtype, count=len(per_unique))
    return values[codes]


def _spread_text(per_unique: Sequence[str | None], codes: np.ndarray) -> pa.Array:
    """Text per distinct value, spread over the rows in Arrow: no Python object per row."""
    return pa.array(per_unique, type=pa.string()).take(pa.array(codes))


def _spread_small_ints(per_unique: Sequence[object], codes: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """Whole numbers (or None) per distinct value, spread over the rows as nullable Int16."""
    missing = np.fromiter((v is None for v in per_unique), dtype=bool, count=len(per_unique))
    values = np.fromiter((0 if v is None else v for v in per_unique), dtype=np.int16,
                         count=len(per_unique))
    return pd.arrays.IntegerArray(values[codes], missing[codes])


@dataclass(frozen=True)
class Normalised:
    """The rows, their `raw_json` still null (with_raw_json fills it), and the problems."""

    rows: pd.DataFrame
    problems: tuple[Problem, ...]
    currency: str | None
    unknown_stages: tuple[str, ...] = ()
    #: The sheet's columns as read, for with_raw_json.
    cells: tuple[Coded, ...] = field(default=(), repr=False, compare=False)


def with_raw_json(found: Normalised, rows: int | None = None) -> pd.DataFrame:
    """`found.rows` with each row's original cells as JSON in `raw_json`: every row's, or
    only the first `rows` ones' (the others null).

    Built once the plan's problems are all known: a plan with errors is never stored, and
    its first rows are all the mapping choices read (at a 24 MB upload, 80 MB not built)."""
    total = len(found.rows)
    n = total if rows is None else min(rows, total)
    built = _raw_json(found.cells, n)
    chunks = [*built.chunks] if isinstance(built, pa.ChunkedArray) else [pa.array(built, pa.string())]
    if n < total:
        chunks.append(pa.nulls(total - n, pa.string()))
    return found.rows.assign(raw_json=pd.array(pa.chunked_array(chunks, type=pa.string()), dtype="str"))


@dataclass(frozen=True)
class _Context:
    sheet: str
    excel_rows: np.ndarray      # the Excel row number of each data row

    def cell_problems(self, column: Coded, failures: dict[int, Parsed]) -> list[Problem]:
        """One problem per cell whose distinct value failed (failures by distinct index)."""
        if not failures:
            return []
        failed = np.zeros(len(column.distinct), dtype=bool)
        failed[list(failures)] = True
        problems = []
        for i in np.flatnonzero(failed[column.codes]):
            code = int(column.codes[i])
            found = failures[code]
            if found.code is None or found.message is None:
                raise ValueError("a failed cell must carry a problem code and message")
            problems.append(Problem(
                found.severity, found.code, found.message, self.sheet,
                int(self.excel_rows[i]), column.match.header, str(column.texts[code]),
            ))
        return problems


def _failures(parsed: Sequence[Parsed]) -> dict[int, Parsed]:
    return {i: p for i, p in enumerate(parsed) if p.failed}


def normalise(
    sheet: str, excel_rows: np.ndarray, columns: Sequence[Coded], limits: Limits,
    stage_mapping: dict[str, str] | None = None,
) -> Normalised:
    """Canonical rows (PLAN_COLUMNS) and every per-cell problem of one sheet's data.

    `stage_mapping` holds the analyst's stage words (value_key -> stage).
    """
    ctx = _Context(sheet, excel_rows)
    problems: list[Problem] = []
    for column in columns:
        problems += _too_long(ctx, column, limits.max_cell_chars)
    errors = _excel_errors(ctx, [c for c in columns if c.match.field])
    by_field = {c.match.field: c for c in columns if c.match.field}
    n = len(excel_rows)
    data: dict[str, object] = {"source_row": excel_rows.astype("int32")}

    ids, id_problems = _ids(ctx, by_field["initiative_id"])
    data["initiative_id"] = ids
    problems += id_problems
    _hand_back()

    stage, on_hold, stage_raw, stage_problems = _stages(ctx, by_field["stage"], stage_mapping)
    data |= {"stage": stage, "on_hold": on_hold, "stage_raw": stage_raw}
    problems += stage_problems

    dates, date_problems = _dates(ctx, [by_field[f.name] for f in FIELDS
                                        if f.kind is Kind.DATE and f.name in by_field])
    problems += date_problems
    money, currency, money_problems = _money(ctx, [by_field[f.name] for f in FIELDS
                                                   if f.kind is Kind.MONEY and f.name in by_field])
    problems += money_problems
    _hand_back()

    for f in FIELDS:
        if f.kind is Kind.DATE:
            data[f.name] = dates.get(f.name, np.full(n, np.datetime64("NaT"), "datetime64[s]"))
        elif f.kind is Kind.MONEY:
            data[f.name] = money.get(f.name, np.full(n, np.nan))
        elif f.kind in _SIMPLE_PARSERS or f.kind is Kind.TEXT:
            coded = by_field.get(f.name)
            if coded is None:
                data[f.name] = pa.nulls(n, pa.string())
            elif f.kind is Kind.TEXT:
                data[f.name] = text_values(coded.distinct).take(pa.array(coded.codes))
            else:
                parsed = [_SIMPLE_PARSERS[f.kind](u) for u in coded.uniques]
                values = [p.value for p in parsed]
                data[f.name] = (_spread_small_ints(values, coded.codes) if f.kind is Kind.READINESS
                                else _spread_text(values, coded.codes))  # type: ignore[arg-type]
                problems += ctx.cell_problems(coded, _failures(parsed))

    problems += _empty_names(ctx, by_field["name"], data["name"])
    problems += _production_before_pilot(ctx, by_field, data)
    _hand_back()
    data["raw_json"] = pa.nulls(n, pa.string())  # with_raw_json, once the problems are known
    frame = _frame(data, n)
    # An Excel error is reported as itself, not as the unreadable value it also is.
    flagged = {(p.row, p.column) for p in errors}
    problems = [p for p in problems if (p.row, p.column) not in flagged] + errors
    problems.sort(key=lambda p: (p.row or 0, _column_order(columns, p.column)))
    unknown = tuple(dict.fromkeys(
        p.value for p in problems if p.code == "unknown_stage" and p.value
    ))
    return Normalised(frame, tuple(problems), currency, unknown, tuple(columns))


EXCEL_ERROR_MESSAGE = (
    "an Excel error value, not a value: fix the formula or the cell in the workbook (it is "
    "never read as blank)"
)


def _hand_back() -> None:
    """Return the pages of the arrays a step freed to the system. Arrow's allocator keeps
    them otherwise, and the next step's NumPy and Arrow arrays pile up on top: about 20 MB of
    the import's peak at the rows limit, for a few milliseconds."""
    pa.default_memory_pool().release_unused()


def _excel_errors(ctx: _Context, columns: Sequence[Coded]) -> list[Problem]:
    """Excel error values written as text (#N/A, #REF!, ...) in mapped columns."""
    problems = []
    for column in columns:
        flags = column.distinct.excel_errors()
        if flags.any():
            failures = {int(i): Parsed(None, "excel_error", EXCEL_ERROR_MESSAGE)
                        for i in np.flatnonzero(flags)}
            problems += ctx.cell_problems(column, failures)
    return problems


def _column_order(columns: Sequence[Coded], header: str | None) -> int:
    for position, column in enumerate(columns):
        if column.match.header == header:
            return position
    return -1


def _frame(data: dict[str, object], n: int) -> pd.DataFrame:
    typed: dict[str, object] = {}
    for name in PLAN_COLUMNS:
        values = data[name]
        kind = FIELD_BY_NAME[name].kind if name in FIELD_BY_NAME else None
        if kind is Kind.READINESS:
            typed[name] = values if isinstance(values, pd.arrays.IntegerArray) else pd.array(
                values, dtype="Int16")
        elif kind in (Kind.DATE, Kind.MONEY) or name in ("source_row", "on_hold"):
            typed[name] = values
        else:
            typed[name] = pd.array(values, dtype="str")
    return pd.DataFrame(typed, index=pd.RangeIndex(n))


def empty_rows() -> pd.DataFrame:
    """A plan's rows when nothing could be read: the right columns and types, no rows."""
    data: dict[str, object] = {name: np.array([], dtype=object) for name in PLAN_COLUMNS}
    data |= {"source_row": np.array([], dtype="int32"), "on_hold": np.array([], dtype=bool)}
    for f in FIELDS:
        if f.kind is Kind.DATE:
            data[f.name] = np.array([], dtype="datetime64[s]")
        elif f.kind is Kind.MONEY:
            data[f.name] = np.array([], dtype=float)
    return _frame(data, 0)


# --- the checks, one per concern ---------------------------------------------------------------


def _too_long(ctx: _Context, column: Coded, max_chars: int) -> list[Problem]:
    if column.distinct.longest() <= max_chars:
        return []
    failures = {
        i: Parsed(None, "cell_too_long",
                  f"the cell holds {len(t):,} characters; the limit is {max_chars:,}. Shorten it "
                  "(long commentary belongs in the tracker, not the export)")
        for i, t in enumerate(column.texts) if len(t) > max_chars
    }
    return [
        Problem(p.severity, p.code, p.message, p.sheet, p.row, p.column, (p.value or "")[:80] + "...")
        for p in ctx.cell_problems(column, failures)
    ]


def _ids(ctx: _Context, column: Coded) -> tuple[pa.Array, list[Problem]]:
    """IDs trimmed; two that differ only in case or spaces are one ID written twice.

    Compared by integer key codes per row, so the rows hold no Python string."""
    found = id_values(column.distinct)
    ids = found.ids.take(pa.array(column.codes))
    problems = ctx.cell_problems(column, found.failures)
    key_codes = found.keys[column.codes]   # -1: no ID
    distinct_keys, first_at = np.unique(key_codes, return_index=True)
    first = first_at[np.searchsorted(distinct_keys, key_codes)]
    later = (key_codes >= 0) & (first != np.arange(len(key_codes)))
    for i in np.flatnonzero(later):
        row = int(ctx.excel_rows[first[i]])
        spelling = found.ids[int(column.codes[first[i]])].as_py()
        written = found.ids[int(column.codes[i])].as_py()
        same = "" if spelling == written else f" as '{spelling}' (IDs ignore case and spaces)"
        problems.append(Problem(
            Severity.ERROR, "duplicate_id",
            f"this initiative ID is already used on row {row}{same}; each "
            "initiative must have exactly one row with its own ID",
            ctx.sheet, int(ctx.excel_rows[i]), column.match.header, column.texts[column.codes[i]],
        ))
    return ids, problems


def _stages(
    ctx: _Context, column: Coded, mapped: dict[str, str] | None,
) -> tuple[pa.Array, np.ndarray, pa.Array, list[Problem]]:
    parsed = [parse_stage(u, mapped) for u in column.uniques]
    # A read stage is (stage or None, on hold); a failed one has no value.
    read = [p.value if isinstance(p.value, tuple) else (None, False) for p in parsed]
    stage = _spread_text([value[0] for value in read], column.codes)
    on_hold = _spread([bool(value[1]) for value in read], column.codes, bool)
    stage_raw = _spread_text([t.strip() or None for t in column.texts], column.codes)
    return stage, on_hold, stage_raw, ctx.cell_problems(column, _failures(parsed))


def _dates(ctx: _Context, columns: Sequence[Coded]) -> tuple[dict[str, np.ndarray], list[Problem]]:
    """All date columns together: their numeric dates share one day/month order."""
    found = [date_values(column.distinct) for column in columns]
    day_first = date_order(found)
    dates, problems = {}, []
    for column, values in zip(columns, found, strict=True):
        settled: UniqueValues = settle_dates(values, day_first)
        dates[column.field] = settled.values[column.codes].astype("datetime64[s]")
        problems += ctx.cell_problems(column, settled.failures)
    return dates, problems


def _money(
    ctx: _Context, columns: Sequence[Coded],
) -> tuple[dict[str, np.ndarray], str | None, list[Problem]]:
    """Amounts, and the workbook's one currency (from the cells' marks and the headers)."""
    amounts, problems = {}, []
    currency_by_column: list[tuple[Coded, np.ndarray]] = []
    seen: Counter[str] = Counter()
    for column in columns:
        found = money_values(column.distinct)
        problems += ctx.cell_problems(column, found.failures)
        scaled = np.where(found.plain, found.amounts * column.match.scale, found.amounts)
        amounts[column.field] = scaled[column.codes]
        problems += ctx.cell_problems(column, _negative(column.field, scaled))
        hint = column.match.currency or currency_in_header(column.match.header)
        has_amount = ~np.isnan(found.amounts)
        currencies = np.where(has_amount & (found.currencies == None),  # noqa: E711
                              np.array(hint, dtype=object),
                              found.currencies)
        cells = np.bincount(column.codes, minlength=len(currencies))
        for currency, count in zip(currencies, cells, strict=True):
            if currency and count:
                seen[currency] += int(count)
        currency_by_column.append((column, currencies))
    if len(seen) <= 1:
        return amounts, next(iter(seen), None), problems
    currency, count = max(seen.items(), key=lambda item: (item[1], item[0]))
    for column, currencies in currency_by_column:
        failures = {
            i: Parsed(None, "mixed_currency",
                      f"most amounts in this workbook are {currency} ({count} cells) but this one "
                      f"is {c}; one currency per workbook: convert it to {currency}")
            for i, c in enumerate(currencies) if c and c != currency
        }
        problems += ctx.cell_problems(column, failures)
    return amounts, currency, problems


def _negative(name: str | None, amounts: np.ndarray) -> dict[int, Parsed]:
    """A negative budget or spend is an error; a negative value is kept with a warning."""
    below = np.flatnonzero(amounts < 0)
    if below.size == 0:
        return {}
    if name in NON_NEGATIVE_MONEY:
        found = Parsed(None, "negative_amount",
                       "a budget or spend cannot be negative (-250000 and (250,000) both are); "
                       "write the amount without a sign, or leave the cell empty")
    else:
        found = Parsed(None, "negative_value",
                       "a negative value is kept as written (a business case that loses "
                       "money); check the sign", Severity.WARNING)
    return {int(i): found for i in below}


def _empty_names(ctx: _Context, column: Coded, names: pa.Array) -> list[Problem]:
    return [
        Problem(Severity.WARNING, "empty_name",
                "the initiative has no name; charts will show its ID instead",
                ctx.sheet, int(ctx.excel_rows[i]), column.match.header, column.texts[column.codes[i]])
        for i in np.flatnonzero(names.is_null().to_numpy(zero_copy_only=False))
    ]


def _production_before_pilot(
    ctx: _Context, by_field: dict[str, Coded], data: dict[str, object],
) -> list[Problem]:
    if "production_date" not in by_field or "pilot_start" not in by_field:
        return []
    production, pilot = np.asarray(data["production_date"]), np.asarray(data["pilot_start"])
    prod_col, pilot_col = by_field["production_date"], by_field["pilot_start"]
    return [
        Problem(Severity.WARNING, "production_before_pilot",
                f"the production date is before the pilot start "
                f"({pilot_col.texts[pilot_col.codes[i]]} in '{pilot_col.match.header}'); "
                "check both dates",
                ctx.sheet, int(ctx.excel_rows[i]), prod_col.match.header,
                prod_col.texts[prod_col.codes[i]])
        for i in np.flatnonzero(production < pilot)
    ]


def _raw_json(columns: Sequence[Coded], n: int) -> pa.ChunkedArray | np.ndarray:
    """The first `n` rows' original cells as JSON {header: text}, extra columns included.

    Built with Arrow string kernels: each distinct value is escaped once, then the rows are
    joined column-wise, instead of serialising 10,000 dicts one by one.
    """
    if n == 0 or not columns:
        return np.full(n, "{}", dtype=object)
    names: Counter[str] = Counter(c.match.header for c in columns)
    keys: list[str] = []
    for position, column in enumerate(columns):
        header = column.match.header
        key = header if names[header] == 1 else f"{header} ({column_letter(column.match.column_index)})"
        keys.append(("{" if position == 0 else ",") + json.dumps(key, ensure_ascii=False) + ":")
    # Each distinct value escaped once and put after its key (a column of a few stages or
    # dates: a few literals), so a row is one piece per column. A column of mostly distinct
    # text is escaped a slice at a time instead: its literals would be a second copy of all
    # its text, alive at once (90 MB at a 24 MB upload of distinct text).
    literals = [pc.binary_join_element_wise(key, json_strings(column.distinct.arrow), "")
                if len(column.distinct.arrow) <= _RAW_JSON_ROWS else None
                for key, column in zip(keys, columns, strict=True)]
    # Joined a slice of rows at a time: the pieces of one slice are alive at once, not all.
    chunks = []
    for start in range(0, n, _RAW_JSON_ROWS):
        pieces: list[object] = []
        for key, column, entries in zip(keys, columns, literals, strict=True):
            codes = pa.array(column.codes[start:min(start + _RAW_JSON_ROWS, n)])
            pieces += ([entries.take(codes)] if entries is not None
                       else [key, json_strings(column.distinct.arrow.take(codes))])
        chunks.append(pc.binary_join_element_wise(*pieces, "}", ""))
    return pa.chunked_array(chunks, type=pa.string())


#: Rows of `raw_json` built at once: each slice's pieces (every column's JSON text, then the
#: joined rows) live together, so a smaller slice lowers the peak of a wide text export; at
#: 8,192 rows the 200,000-row import takes no longer than at 32,768.
_RAW_JSON_ROWS = 8_192
_JSON_ESCAPES = (("\\", "\\\\"), ('"', '\\"'), ("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t"))
_OTHER_CONTROL = r"[\x00-\x08\x0b\x0c\x0e-\x1f]"
_NEEDS_ESCAPE = r"[\x00-\x1f\"\\\\]"


def _may_need_escape(texts: pa.Array) -> bool:
    """Whether any byte of the texts' data is one JSON escapes (a control character, a quote,
    a backslash): one pass of NumPy over the buffer, where a regular expression per text took
    0.15 s for the names and IDs of 200,000 rows. Bytes outside the array count too: a slice
    may be said to need escaping when it does not, never the other way round."""
    if not pa.types.is_string(texts.type) and not pa.types.is_large_string(texts.type):
        return True
    data = texts.buffers()[2]
    if data is None:
        return False
    raw = np.frombuffer(data, dtype=np.uint8)
    return bool((raw < 0x20).any() or (raw == 0x22).any() or (raw == 0x5C).any())


def json_strings(texts: pa.Array) -> pa.Array:
    """Each text as a JSON string literal (quoted and escaped)."""
    if not _may_need_escape(texts):
        return pc.binary_join_element_wise('"', texts, '"', "")
    escaped = texts
    special = pc.match_substring_regex(escaped, _NEEDS_ESCAPE).to_numpy(zero_copy_only=False)
    if special.any():
        for plain, escape in _JSON_ESCAPES:
            escaped = pc.replace_substring(escaped, plain, escape)
    quoted = pc.binary_join_element_wise('"', escaped, '"', "")
    rare = special & pc.match_substring_regex(escaped, _OTHER_CONTROL).to_numpy(zero_copy_only=False)
    if not rare.any():
        return quoted
    literals = quoted.to_numpy(zero_copy_only=False).astype(object)
    literals[rare] = [json.dumps(t, ensure_ascii=False)
                      for t in texts.filter(pa.array(rare)).to_pylist()]
    return pa.array(literals, type=pa.string())
