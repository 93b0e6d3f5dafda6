"""Finding the header row (any sheet, title rows above it) and matching its columns to fields.

Headers are compared with `domain.header_key` (case- and punctuation-insensitive) against the
synonyms, an analyst's mapping and a mapping remembered from an earlier import of a workbook
with the same header row.
"""
from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from analytics.domain import (
    ALL_STAGES,
    FIELD_BY_NAME,
    FIELD_NAMES,
    HEADER_SYNONYMS,
    REQUIRED_FIELDS,
    Kind,
    header_key,
    value_key,
)
from analytics.ingest.model import BY_MAPPING, BY_REMEMBERED, BY_SYNONYM, UNMAPPED, ColumnMatch
from analytics.ingest.reader import SheetHead, column_letter
from analytics.ingest.values import cell_text, header_unit, is_blank
from analytics.problems import ImportRefused, PortfolioError, Problem, Severity

#: header_key(header) -> field name, or None to ignore the column.
KeyedMapping = dict[str, str | None]
#: signature -> remembered mapping (header as written -> field or None), or None.
RememberedLookup = Callable[[str], Mapping[str, str | None] | None]

_FIELD_BY_KEY: dict[str, str] = {header_key(name): name for name in FIELD_NAMES}


@dataclass(frozen=True)
class AnalystMapping:
    """An analyst's mapping: columns (header -> field or None) and stage words (word -> stage)."""

    columns: dict[str, str | None]
    stages: dict[str, str]


def split_mapping(loaded: Mapping[str, object] | None) -> AnalystMapping:
    """Accept {"columns": {...}, "stages": {...}} and the older flat {header: field} form."""
    if not loaded:
        return AnalystMapping({}, {})
    if set(loaded) <= {"columns", "stages"} and all(
        isinstance(v, dict) for v in loaded.values()
    ):
        columns = dict(loaded.get("columns", {}))  # type: ignore[call-overload]
        stages = dict(loaded.get("stages", {}))  # type: ignore[call-overload]
        return AnalystMapping(columns, stages)
    return AnalystMapping(dict(loaded), {})  # type: ignore[arg-type]


def resolve_stages(stages: Mapping[str, object]) -> tuple[dict[str, str], list[Problem]]:
    """Key a stage mapping by value_key and check its stage names."""
    names = {s.value for s in ALL_STAGES}
    keyed: dict[str, str] = {}
    problems = []
    for word, target in stages.items():
        stage = value_key(str(target or ""))
        if stage not in names:
            problems.append(Problem(
                Severity.ERROR, "unknown_mapping_stage",
                f"the mapping sends this stage word to '{target}', which is not a stage; use one "
                f"of {', '.join(sorted(names))}",
                value=str(word),
            ))
            continue
        keyed[value_key(" ".join(str(word).split()))] = stage
    return keyed, problems


def load_mapping_file(path: str | os.PathLike[str]) -> dict[str, object]:
    """A mapping file: {"columns": {"Header as written": "field" | null}, "stages":
    {"Assessment": "idea"}}, or the flat form {"Header as written": "field" | null}."""
    source = Path(path)
    try:
        loaded = json.loads(source.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PortfolioError(f"mapping file {source} not found") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PortfolioError(
            f"mapping file {source} is not valid JSON ({exc}); write it as "
            '{"Header as written": "canonical_field", "Column to ignore": null}'
        ) from None
    parts = split_mapping(loaded) if isinstance(loaded, dict) else None
    if parts is None or not all(
        isinstance(v, str) or v is None for v in parts.columns.values()
    ) or not all(isinstance(v, str) for v in parts.stages.values()):
        raise PortfolioError(
            f"mapping file {source} must be one JSON object: "
            '{"columns": {"Use Case Ref": "initiative_id", "Internal Notes": null}, '
            '"stages": {"Assessment": "idea"}} (or just the columns object)'
        )
    return dict(loaded)


def resolve_mapping(mapping: Mapping[str, str | None] | None) -> tuple[KeyedMapping, list[Problem]]:
    """Key a mapping by header_key and check its field names."""
    keyed: KeyedMapping = {}
    problems = []
    for header, target in (mapping or {}).items():
        key = header_key(header)
        if not key:
            continue
        if target is None or not str(target).strip():
            keyed[key] = None
            continue
        name = _FIELD_BY_KEY.get(header_key(target))
        if name is None:
            problems.append(Problem(
                Severity.ERROR, "unknown_mapping_field",
                f"the mapping sends this header to a field that does not exist; use one of "
                f"{', '.join(FIELD_NAMES)}, or null to ignore the column",
                column=str(header), value=str(target),
            ))
            continue
        keyed[key] = name
    return keyed, problems


def signature(headers: Sequence[str]) -> str:
    """Identifies a header row across months: the same headers in the same order."""
    keys = "\x1f".join(header_key(h) for h in headers if header_key(h))
    return hashlib.sha256(keys.encode("utf-8")).hexdigest()


def remembered_entries(columns: Sequence[ColumnMatch]) -> dict[str, str | None] | None:
    """What to remember: each header mapped by hand (remembered per header), or None."""
    if not any(c.how == BY_MAPPING for c in columns):
        return None
    return {c.header: c.field for c in columns if c.how == BY_MAPPING}


@dataclass(frozen=True)
class HeaderChoice:
    head: SheetHead
    offset: int                       # index of the header row in head.rows
    columns: tuple[ColumnMatch, ...]
    passed_over: tuple[str, ...] = ()  # other sheets whose header names the required fields

    @property
    def fields(self) -> frozenset[str]:
        return frozenset(c.field for c in self.columns if c.field)

    @property
    def header_row(self) -> int:
        return self.head.excel_row(self.offset)

    @property
    def rank(self) -> tuple[bool, int]:
        return (set(REQUIRED_FIELDS) <= self.fields, len(self.fields))

    @property
    def complete(self) -> bool:
        return set(REQUIRED_FIELDS) <= self.fields

    def data_rows(self) -> int:
        """Rows below the header that hold anything (the sheet's extent when it is long)."""
        head = self.head
        if head.height > len(head.rows):
            return head.height - self.offset - 1
        return sum(1 for row in head.rows[self.offset + 1:] if any(not is_blank(c) for c in row))


def _headers(cells: Sequence[object], left: int) -> list[tuple[int, str]]:
    return [(left + j, cell_text(c).strip()) for j, c in enumerate(cells) if not is_blank(c)]


def _with_unit(match: ColumnMatch) -> ColumnMatch:
    """A money column carries the currency and scale its header names."""
    if match.field is None or FIELD_BY_NAME[match.field].kind is not Kind.MONEY:
        return match
    unit = header_unit(match.header)
    return ColumnMatch(match.header, match.column_index, match.field, match.how,
                       unit.currency, unit.scale)


def match_headers(
    headers: Sequence[tuple[int, str]], explicit: KeyedMapping, remembered: KeyedMapping,
) -> tuple[ColumnMatch, ...]:
    matches = []
    for index, header in headers:
        key = header_key(header)
        base = header_key(header_unit(header).base)
        if key in explicit:
            match = ColumnMatch(header, index, explicit[key], BY_MAPPING)
        elif key in remembered:
            match = ColumnMatch(header, index, remembered[key], BY_REMEMBERED)
        elif key in HEADER_SYNONYMS:
            match = ColumnMatch(header, index, HEADER_SYNONYMS[key], BY_SYNONYM)
        elif base in HEADER_SYNONYMS and FIELD_BY_NAME[HEADER_SYNONYMS[base]].kind is Kind.MONEY:
            match = ColumnMatch(header, index, HEADER_SYNONYMS[base], BY_SYNONYM)
        else:
            match = ColumnMatch(header, index, None, UNMAPPED)
        matches.append(_with_unit(match))
    return tuple(matches)


def _remembered_for(
    headers: Sequence[tuple[int, str]], lookup: RememberedLookup | None, per_header: KeyedMapping,
) -> KeyedMapping:
    """Hand mappings remembered per header (wherever it appears), and those remembered for
    this exact header row by databases written before per-header memory."""
    if lookup is None or len(headers) < 2:
        return dict(per_header)
    found = lookup(signature([h for _, h in headers]))
    keyed, _ = resolve_mapping(found) if found else ({}, [])
    return {**keyed, **per_header}


def _sheet_header(
    head: SheetHead, explicit: KeyedMapping, remembered: RememberedLookup | None,
    per_header: KeyedMapping,
) -> HeaderChoice | None:
    """A sheet's header row: the row matching the most fields, every required one first."""
    best: HeaderChoice | None = None
    best_key: tuple = ()
    for offset, cells in enumerate(head.rows):
        headers = _headers(cells, head.left)
        if not headers:
            continue
        columns = match_headers(headers, explicit, _remembered_for(headers, remembered, per_header))
        choice = HeaderChoice(head, offset, columns)
        key = (*choice.rank, -offset)
        if choice.fields and (best is None or key > best_key):
            best, best_key = choice, key
    return best


def choose_header(
    heads: Sequence[SheetHead], explicit: KeyedMapping, remembered: RememberedLookup | None,
    per_header: KeyedMapping | None = None,
) -> HeaderChoice:
    """The export's sheet and header row (METRICS.md section 1, "Which sheet").

    Among sheets whose header row names every required field: visible before hidden, then
    the one with the most data rows (a Read Me repeating the headers with an example row, or
    only listing them, loses to the real sheet), then the most fields, then the first sheet.
    The other complete sheets are named in `passed_over`. When no sheet has a complete
    header, the row matching the most fields is offered for hand mapping.
    """
    found = [c for c in (_sheet_header(h, explicit, remembered, per_header or {}) for h in heads)
             if c is not None]
    if not found:
        return _fallback(heads)

    def key(choice: HeaderChoice) -> tuple:
        rows = choice.data_rows()
        return (choice.complete, choice.head.visible, rows > 0, rows, len(choice.fields),
                -choice.head.index)

    best = max(found, key=key)
    passed = tuple(c.head.name for c in found if c is not best and c.complete)
    return HeaderChoice(best.head, best.offset, best.columns, passed)


def _fallback(heads: Sequence[SheetHead]) -> HeaderChoice:
    head = next((h for h in heads if h.visible), heads[0])
    offset = max(
        range(len(head.rows)),
        key=lambda i: (sum(isinstance(c, str) and bool(c.strip()) for c in head.rows[i]), -i),
    )
    columns = match_headers(_headers(head.rows[offset], head.left), {}, {})
    return HeaderChoice(head, offset, columns)


def header_problems(choice: HeaderChoice, mapping_headers: Sequence[str]) -> list[Problem]:
    """Two columns for one field, required fields missing, mapping headers not found."""
    sheet, row = choice.head.name, choice.header_row
    problems = []
    by_field: dict[str, list[ColumnMatch]] = {}
    for column in choice.columns:
        if column.field:
            by_field.setdefault(column.field, []).append(column)
    for name, columns in by_field.items():
        for extra in columns[1:]:
            first = columns[0]
            problems.append(Problem(
                Severity.ERROR, "duplicate_column",
                f"both '{first.header}' (column {column_letter(first.column_index)}) and "
                f"'{extra.header}' (column {column_letter(extra.column_index)}) read as {name}; "
                f"rename one, or ignore one with a mapping file: {{\"{extra.header}\": null}}",
                sheet=sheet, row=row, column=extra.header, value=extra.header,
            ))
    found = ", ".join(f"'{c.header}'" for c in choice.columns) or "none"
    for name in REQUIRED_FIELDS:
        if name in by_field:
            continue
        looked_for = ", ".join(FIELD_BY_NAME[name].synonyms)
        problems.append(Problem(
            Severity.ERROR, "missing_required_column",
            f"no column for {name} (looked for: {looked_for}); the header row has: {found}. "
            f"Rename that column, or map it with a mapping file: {{\"Your header\": \"{name}\"}}",
            sheet=sheet, row=row,
        ))
    present = {header_key(c.header) for c in choice.columns}
    for header in mapping_headers:
        if header_key(header) and header_key(header) not in present:
            problems.append(Problem(
                Severity.WARNING, "mapping_header_not_found",
                f"the mapping names a header that is not in the header row (it has: {found})",
                sheet=sheet, row=row, value=header,
            ))
    return problems


def refuse_empty(file_name: str) -> ImportRefused:
    problem = Problem(
        Severity.ERROR, "empty_workbook",
        "no sheet of this workbook holds any cells; export the portfolio again",
    )
    return ImportRefused(f"Import refused: {file_name}: {problem.message}", (problem,))
