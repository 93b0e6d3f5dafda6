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
    FIELD_BY_NAME,
    FIELD_NAMES,
    HEADER_SYNONYMS,
    REQUIRED_FIELDS,
    header_key,
)
from analytics.ingest.model import BY_MAPPING, BY_REMEMBERED, BY_SYNONYM, UNMAPPED, ColumnMatch
from analytics.ingest.reader import SheetHead, column_letter
from analytics.ingest.values import cell_text, is_blank
from analytics.problems import ImportRefused, PortfolioError, Problem, Severity

#: header_key(header) -> field name, or None to ignore the column.
KeyedMapping = dict[str, str | None]
#: signature -> remembered mapping (header as written -> field or None), or None.
RememberedLookup = Callable[[str], Mapping[str, str | None] | None]

_FIELD_BY_KEY: dict[str, str] = {header_key(name): name for name in FIELD_NAMES}


def load_mapping_file(path: str | os.PathLike[str]) -> dict[str, str | None]:
    """A mapping file: a JSON object {"Header as written": "canonical_field" | null | ""}."""
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
    if not isinstance(loaded, dict) or not all(
        isinstance(v, str) or v is None for v in loaded.values()
    ):
        raise PortfolioError(
            f"mapping file {source} must be one JSON object whose values are field names or "
            'null, e.g. {"Use Case Ref": "initiative_id", "Internal Notes": null}'
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
    """What to remember for this header row: every hand-made decision, or None if none."""
    if not any(c.how == BY_MAPPING for c in columns):
        return None
    return {c.header: c.field for c in columns if c.how in (BY_MAPPING, BY_REMEMBERED)}


@dataclass(frozen=True)
class HeaderChoice:
    head: SheetHead
    offset: int                       # index of the header row in head.rows
    columns: tuple[ColumnMatch, ...]

    @property
    def fields(self) -> frozenset[str]:
        return frozenset(c.field for c in self.columns if c.field)

    @property
    def header_row(self) -> int:
        return self.head.excel_row(self.offset)

    @property
    def rank(self) -> tuple[bool, int]:
        return (set(REQUIRED_FIELDS) <= self.fields, len(self.fields))


def _headers(cells: Sequence[object], left: int) -> list[tuple[int, str]]:
    return [(left + j, cell_text(c).strip()) for j, c in enumerate(cells) if not is_blank(c)]


def match_headers(
    headers: Sequence[tuple[int, str]], explicit: KeyedMapping, remembered: KeyedMapping,
) -> tuple[ColumnMatch, ...]:
    matches = []
    for index, header in headers:
        key = header_key(header)
        if key in explicit:
            matches.append(ColumnMatch(header, index, explicit[key], BY_MAPPING))
        elif key in remembered:
            matches.append(ColumnMatch(header, index, remembered[key], BY_REMEMBERED))
        elif key in HEADER_SYNONYMS:
            matches.append(ColumnMatch(header, index, HEADER_SYNONYMS[key], BY_SYNONYM))
        else:
            matches.append(ColumnMatch(header, index, None, UNMAPPED))
    return tuple(matches)


def _remembered_for(
    headers: Sequence[tuple[int, str]], lookup: RememberedLookup | None,
) -> KeyedMapping:
    if lookup is None or len(headers) < 2:
        return {}
    found = lookup(signature([h for _, h in headers]))
    if not found:
        return {}
    keyed, _ = resolve_mapping(found)
    return keyed


def choose_header(
    heads: Sequence[SheetHead], explicit: KeyedMapping, remembered: RememberedLookup | None,
) -> HeaderChoice:
    """The row matching the most fields, preferring rows with every required field.

    Ties go to visible sheets, then the first sheet, then the highest row. When no row of any
    sheet matches a field, the fullest row of the first sheet is offered for hand mapping.
    """
    best: HeaderChoice | None = None
    best_key: tuple = ()
    for head in heads:
        for offset, cells in enumerate(head.rows):
            headers = _headers(cells, head.left)
            if not headers:
                continue
            columns = match_headers(headers, explicit, _remembered_for(headers, remembered))
            choice = HeaderChoice(head, offset, columns)
            key = (*choice.rank, head.visible, -head.index, -offset)
            if choice.fields and (best is None or key > best_key):
                best, best_key = choice, key
    if best is not None:
        return best
    return _fallback(heads)


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
