"""Reading one distinct cell value of a low-cardinality field (METRICS.md sections 1 and 2).

Stage, readiness, integration and solution type have a handful of distinct values per
workbook, so each is read by a plain function, once per distinct value. Each takes a cell as
the reader produced it (str, float, bool, date, ...) and returns a `Parsed`: the canonical
value, or a problem (code, message) saying what is wrong and how to fix it.
"""
from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from analytics.domain import (
    ALL_STAGES,
    INTEGRATION_BY_VALUE,
    ON_HOLD_VALUES,
    READINESS_BY_WORD,
    SOLUTION_BY_VALUE,
    STAGE_BY_VALUE,
    Integration,
    SolutionType,
    Stage,
    header_key,
    is_placeholder,
    value_key,
)
from analytics.problems import Severity


@dataclass(frozen=True, slots=True)
class Parsed:
    value: object = None
    code: str | None = None
    message: str | None = None
    severity: Severity = Severity.ERROR

    @property
    def failed(self) -> bool:
        return self.code is not None


NOTHING = Parsed()


def _fail(code: str, message: str, severity: Severity = Severity.ERROR) -> Parsed:
    return Parsed(None, code, message, severity)


def cell_text(cell: object) -> str:
    """A cell as text, the way an analyst reads it in Excel (kept in `raw_json`)."""
    if isinstance(cell, str):
        return cell
    if isinstance(cell, bool):
        return "TRUE" if cell else "FALSE"
    if isinstance(cell, float):
        if math.isfinite(cell) and cell.is_integer() and abs(cell) < 1e15:
            return str(int(cell))
        return repr(cell)
    if isinstance(cell, datetime):
        return cell.date().isoformat() if cell.time() == datetime.min.time() else cell.isoformat()
    if isinstance(cell, date):
        return cell.isoformat()
    if cell is None:
        return ""
    return str(cell)


def is_blank(cell: object) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _lenient(table: Mapping[str, object]) -> dict[str, object]:
    """The same lookup keyed without punctuation, so 'Scale up' finds 'scale-up'."""
    return {header_key(k): v for k, v in table.items()}


_STAGE_LENIENT = _lenient(STAGE_BY_VALUE)
_ON_HOLD = frozenset(value_key(v) for v in ON_HOLD_VALUES)
_ON_HOLD_LENIENT = frozenset(header_key(v) for v in ON_HOLD_VALUES)
_INTEGRATION_LENIENT = _lenient(INTEGRATION_BY_VALUE)
_SOLUTION_LENIENT = _lenient(SOLUTION_BY_VALUE)
_READINESS_LENIENT = _lenient(READINESS_BY_WORD)


def _lookup(text: str, exact: Mapping[str, object], lenient: Mapping[str, object]) -> object | None:
    found = exact.get(value_key(text))
    return found if found is not None else lenient.get(header_key(text))


# --- stage -----------------------------------------------------------------------------------

_STAGE_HINT = (
    f"use a stage ({', '.join(s.value for s in ALL_STAGES)}) or a synonym of one "
    "(the Data page lists them under 'Which headers and stage words the import understands'), "
    f"or {' / '.join(ON_HOLD_VALUES)}"
)


def parse_stage(cell: object, mapped: Mapping[str, str] | None = None) -> Parsed:
    """(stage or None, on_hold). On hold / paused / blocked is a status: stage None, on hold.

    `mapped` holds the analyst's own stage words (value_key -> stage), e.g. 'assessment' ->
    'idea'; they are looked up after the synonyms.
    """
    text = " ".join(cell_text(cell).split())
    if is_placeholder(text):
        return _fail(
            "empty_stage",
            "the stage is empty; every initiative needs a stage (" + _STAGE_HINT + ")",
        )
    key = value_key(text)
    if key in _ON_HOLD or header_key(text) in _ON_HOLD_LENIENT:
        return Parsed((None, True))
    stage = _lookup(text, STAGE_BY_VALUE, _STAGE_LENIENT)
    if isinstance(stage, Stage):
        return Parsed((stage.value, False))
    own = (mapped or {}).get(key)
    if own is not None:
        return Parsed((own, False))
    return _fail(
        "unknown_stage",
        f"this is not a stage we know; map it to a stage (a stage mapping on the Data page, or "
        f'--mapping with {{"stages": {{"{text}": "idea"}}}}; remembered next month), or '
        f"{_STAGE_HINT}",
    )


# --- categorical fields ---------------------------------------------------------------------


def parse_integration(cell: object) -> Parsed:
    """Read as written: 'none', 'no', 'not started' are the value none, not placeholders."""
    if is_blank(cell):
        return NOTHING
    text = cell_text(cell).strip()
    found = _lookup(text, INTEGRATION_BY_VALUE, _INTEGRATION_LENIENT)
    if isinstance(found, Integration):
        return Parsed(found.value)
    if is_placeholder(text):
        return NOTHING
    return _fail(
        "unknown_integration",
        "not an integration status we know, stored as empty; use "
        + ", ".join(i.value.replace("_", " ") for i in Integration),
        Severity.WARNING,
    )


def parse_solution(cell: object) -> Parsed:
    if is_blank(cell):
        return NOTHING
    text = cell_text(cell).strip()
    found = _lookup(text, SOLUTION_BY_VALUE, _SOLUTION_LENIENT)
    if isinstance(found, SolutionType):
        return Parsed(found.value)
    if is_placeholder(text):
        return NOTHING
    return _fail(
        "unknown_solution_type",
        "not a solution type we know, stored as empty; use custom (built in-house), "
        "configured (vendor platform, hybrid) or generic (off-the-shelf, SaaS)",
        Severity.WARNING,
    )


def parse_readiness(cell: object) -> Parsed:
    """1-5 as is; RAG and low/medium/high words to 1/3/5; anything else a warning."""
    if is_blank(cell) or (isinstance(cell, str) and is_placeholder(cell)):
        return NOTHING
    number: float | None = None
    if isinstance(cell, (int, float)) and not isinstance(cell, bool):
        number = float(cell)
    elif isinstance(cell, str):
        try:
            number = float(cell.strip())
        except ValueError:
            word = _lookup(cell, READINESS_BY_WORD, _READINESS_LENIENT)
            if isinstance(word, int):
                return Parsed(word)
    if number is not None and number.is_integer() and 1 <= number <= 5:
        return Parsed(int(number))
    return _fail(
        "unknown_readiness",
        "data readiness must be a score 1-5 or red/amber/green (low/medium/high); "
        "stored as empty",
        Severity.WARNING,
    )


# --- currency --------------------------------------------------------------------------------

#: Currency marks as written -> ISO code. A bare `$` is read as US dollars.
CURRENCY_MARKS: dict[str, str] = {
    "us$": "USD", "usd": "USD", "$": "USD",
    "eur": "EUR", "€": "EUR",
    "gbp": "GBP", "£": "GBP",
    "jpy": "JPY", "¥": "JPY",
    "chf": "CHF",
    "a$": "AUD", "aud": "AUD",
    "c$": "CAD", "cad": "CAD",
    "inr": "INR", "₹": "INR",
    "cny": "CNY", "sek": "SEK", "nok": "NOK", "dkk": "DKK",
}


#: Scale words written in a header's unit: 'Budget ($k)', 'Budget (000s)', 'Spend (EUR m)'.
HEADER_SCALES: dict[str, float] = {
    "k": 1e3, "000": 1e3, "000s": 1e3, "'000": 1e3, "thousand": 1e3, "thousands": 1e3,
    "m": 1e6, "mm": 1e6, "mn": 1e6, "million": 1e6, "millions": 1e6,
    "bn": 1e9, "billion": 1e9, "billions": 1e9,
}
_UNIT_TOKEN = re.compile(r"'?000s?|[a-z]+|[€£¥₹$]")
_BRACKETED = re.compile(r"[(\[]([^)\]]*)[)\]]")
_TRAILING_UNIT = re.compile(r"(?:\s+in)?\s+([a-z]{3}|[€£¥₹$])\s*$|\s*([€£¥₹$])\s*$")


@dataclass(frozen=True, slots=True)
class HeaderUnit:
    """A header without its unit, and that unit: 'Budget (EUR m)' -> 'Budget', EUR, 1e6."""

    base: str
    currency: str | None
    scale: float


def _unit_tokens(text: str) -> tuple[str | None, float] | None:
    """(currency, scale) when `text` is only currency marks and scale words, else None."""
    lowered = " ".join(text.casefold().replace("us$", " usd ").split())
    tokens = _UNIT_TOKEN.findall(lowered)
    leftover = _UNIT_TOKEN.sub("", lowered).replace(" ", "").replace(",", "").replace("/", "")
    if not tokens or leftover:
        return None
    currency, scale = None, 1.0
    for token in tokens:
        if token in CURRENCY_MARKS and (len(token) == 3 or not token.isalpha()):
            currency = CURRENCY_MARKS[token]
        elif token in HEADER_SCALES:
            scale = HEADER_SCALES[token]
        elif token != "in":
            return None
    return currency, scale


def header_unit(header: str) -> HeaderUnit:
    """Split a money header's unit off: '(EUR)', '($k)', '(000s)', 'in €', a trailing 'EUR'."""
    base, currency, scale = header, None, 1.0
    for found in _BRACKETED.finditer(header):
        unit = _unit_tokens(found.group(1))
        if unit is not None:
            currency = unit[0] or currency
            scale = unit[1] if unit[1] != 1.0 else scale
            base = base.replace(found.group(0), " ")
    trailing = _TRAILING_UNIT.search(base.casefold())
    if trailing:
        mark = trailing.group(1) or trailing.group(2)
        if mark in CURRENCY_MARKS:
            currency = CURRENCY_MARKS[mark]
            base = base[:trailing.start()]
    return HeaderUnit(" ".join(base.split()), currency, scale)


def currency_in_header(header: str) -> str | None:
    """'Budget (USD)' or 'Spend €' name the currency of a column's plain numbers."""
    lowered = header.casefold()
    for word in re.findall(r"[a-z]+", lowered):
        if len(word) == 3 and word in CURRENCY_MARKS:
            return CURRENCY_MARKS[word]
    for mark in ("€", "£", "¥", "₹", "$"):
        if mark in lowered:
            return CURRENCY_MARKS[mark]
    return None
