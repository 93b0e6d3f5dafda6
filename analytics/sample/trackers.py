"""How each tracker writes a month: its layout, words and quirks (title rows, cover sheets,
dates and money written several ways, placeholders)."""
from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from analytics.domain import (
    FIELD_BY_NAME,
    Integration,
    Kind,
    SolutionType,
    Stage,
)
from analytics.sample.simulation import MIGRATION_INDEX, MONTH_ABBR, month_index

if TYPE_CHECKING:
    pass


# --- rendering a month the way the tracker exports it ------------------------------------------


def _day_month_year(day: date) -> str:
    return f"{day.day} {MONTH_ABBR[day.month - 1]} {day.year}"


def _month_day_year(day: date) -> str:
    return f"{MONTH_ABBR[day.month - 1]} {day.day}, {day.year}"


def _iso(day: date) -> str:
    return day.isoformat()


@dataclass(frozen=True, slots=True)
class Layout:
    """One tracker's export: sheet, headers in column order, and the words its dropdowns use."""

    sheet: str
    cover_sheet: str
    columns: tuple[tuple[str, str], ...]  # (header as exported, truth column)
    stage_words: dict[Stage, tuple[str, ...]]  # the usual word first, then rarer variants
    hold_words: tuple[str, ...]
    integration_words: dict[Integration, tuple[str, ...]]
    solution_words: dict[SolutionType, tuple[str, ...]]
    readiness_words: dict[int, str] | None  # None: the score is written as a number
    source_line: str | None
    sort_by: tuple[str, ...]
    date_format: str
    excel_date_share: float
    #: Text date styles, equally likely; never all-numeric (03/04/2025 is ambiguous).
    text_dates: tuple[Callable[[date], str], ...]
    plain_money_share: float


#: Months 1-12: the old use-case register (a hand-kept Smartsheet).
_OLD_TRACKER = Layout(
    sheet="Portfolio",
    cover_sheet="README",
    columns=(
        ("Use Case ID", "initiative_id"), ("Use Case Name", "name"), ("Division", "business_unit"),
        ("Phase", "stage"), ("Business Owner", "owner"), ("Sponsor", "sponsor"),
        ("POC Start", "pilot_start"), ("Go-Live", "production_date"),
        ("In Stage Since", "stage_entered"), ("Approved Budget", "budget"),
        ("Actual Cost", "spend_to_date"), ("Business Case Value", "expected_value"),
        ("Value Delivered", "realized_value"), ("Data Readiness (RAG)", "data_readiness"),
        ("Core System Integration", "integration_status"), ("Build vs Buy", "solution_type"),
        ("KPI", "success_metric"), ("Blocker", "stall_cause"), ("Comments", "notes"),
    ),
    stage_words={
        Stage.IDEA: ("Ideation", "Backlog"),
        Stage.PILOT: ("POC", "Proof of Concept"),
        Stage.SCALING: ("Scale-up", "Rollout"),
        Stage.PRODUCTION: ("Live", "In Production"),
        Stage.STOPPED: ("Cancelled", "Rejected"),
    },
    hold_words=("On Hold",),
    integration_words={
        Integration.NONE: ("Not started",),
        Integration.PLANNED: ("Planned",),
        Integration.IN_PROGRESS: ("In progress",),
        Integration.INTEGRATED: ("Done",),
    },
    solution_words={
        SolutionType.GENERIC: ("COTS", "Off-the-shelf"),
        SolutionType.CONFIGURED: ("Hybrid",),
        SolutionType.CUSTOM: ("Build", "In-house"),
    },
    readiness_words={1: "Red", 3: "Amber", 5: "Green"},
    source_line=None,
    sort_by=("initiative_id",),
    date_format="d mmm yyyy",
    excel_date_share=0.75,
    text_dates=(_day_month_year,),
    plain_money_share=0.7,
)

#: Months 13-24: the new portfolio tool (ServiceNow SPM) after the migration.
_NEW_TRACKER = Layout(
    sheet="Initiatives",
    cover_sheet="Cover",
    columns=(
        ("Initiative ID", "initiative_id"), ("Initiative Name", "name"),
        ("Business Unit", "business_unit"), ("Region", "region"), ("Stage", "stage"),
        ("Owner", "owner"), ("Stage Entered", "stage_entered"),
        ("Pilot Start Date", "pilot_start"), ("Production Date", "production_date"),
        ("Budget (USD)", "budget"), ("Spend to Date", "spend_to_date"),
        ("Expected Value", "expected_value"), ("Realized Value", "realized_value"),
        ("Data Readiness", "data_readiness"), ("Integration Status", "integration_status"),
        ("Solution Type", "solution_type"), ("Success Metric", "success_metric"),
        ("Stall Cause", "stall_cause"), ("Notes", "notes"),
    ),
    stage_words={
        Stage.IDEA: ("Idea", "Intake"),
        Stage.PILOT: ("Pilot", "MVP"),
        Stage.SCALING: ("Scaling", "Pre-production"),
        Stage.PRODUCTION: ("Production", "Deployed"),
        Stage.STOPPED: ("Stopped", "Cancelled"),
    },
    hold_words=("Paused", "On hold"),
    integration_words={
        Integration.NONE: ("None", "None", "Standalone"),
        Integration.PLANNED: ("Planned",),
        Integration.IN_PROGRESS: ("In progress", "WIP"),
        Integration.INTEGRATED: ("Integrated",),
    },
    solution_words={
        SolutionType.GENERIC: ("SaaS", "Off-the-shelf", "COTS"),
        SolutionType.CONFIGURED: ("Configured vendor platform", "Hybrid"),
        SolutionType.CUSTOM: ("Custom", "Bespoke"),
    },
    readiness_words=None,
    source_line="Source: ServiceNow SPM, all business units, amounts in USD",
    sort_by=("business_unit", "initiative_id"),
    date_format="yyyy-mm-dd",
    excel_date_share=0.55,
    text_dates=(_iso, _iso, _month_day_year),
    plain_money_share=0.35,
)

#: Months that start with a cover sheet before the data sheet.
COVER_MONTHS = frozenset({2, 5, 8, 13, 14, 17, 20, 23})


def layout_for(month: date) -> Layout:
    return _OLD_TRACKER if month_index(month) < MIGRATION_INDEX else _NEW_TRACKER


def _stable(options: Sequence[object], *key: object) -> object:
    """The same choice for the same key on every run, so a tracker's quirks persist."""
    return options[zlib.crc32("|".join(map(str, key)).encode()) % len(options)]


def _present(value: object) -> bool:
    return not pd.isna(value)


def _stage_cell(row: pd.Series, layout: Layout) -> str:
    if row["on_hold"]:
        return str(_stable(layout.hold_words, row["initiative_id"], layout.sheet))
    words = layout.stage_words[Stage(row["stage"])]
    # One initiative in eight has someone who types the rarer word for every stage.
    rare = _stable((True, *[False] * 7), row["initiative_id"], "stage")
    return words[-1] if rare else words[0]


def _date_cell(value: object, layout: Layout, rng: np.random.Generator) -> object:
    """An Excel date, or (someone typed over it) text in one of the tracker's date styles."""
    day = pd.Timestamp(value).date()
    roll = rng.random()
    if roll < layout.excel_date_share:
        return day
    share = layout.excel_date_share
    styles = layout.text_dates
    return styles[int((roll - share) / (1 - share) * len(styles))](day)


def _short_money(value: float) -> str:
    if value >= 1_000_000 and value % 10_000 == 0:
        return f"${value / 1_000_000:g}M"
    if value < 1_000_000 and value % 1_000 == 0:
        return f"${value / 1_000:g}k"
    return f"${value:,.0f}"


def _money_cell(value: float, layout: Layout, rng: np.random.Generator) -> object:
    amount = float(value)
    roll = rng.random()
    if amount == 0 or roll < layout.plain_money_share:
        return int(amount) if amount.is_integer() else amount
    return f"${amount:,.0f}" if roll < (1 + layout.plain_money_share) / 2 else _short_money(amount)


#: What a tracker writes where a field has no value, by field (default: an empty cell).
_PLACEHOLDER_CELLS: dict[str, tuple[str | None, ...]] = {
    "owner": ("TBD", "Unassigned", None, "TBC", "Vacant"),
    "success_metric": ("TBD", None, "tbc", "To be defined", "TBD"),
    "budget": (None, None, "TBD"),
}


def _cell(column: str, row: pd.Series, layout: Layout, rng: np.random.Generator) -> object:
    """The cell the tracker writes for one truth value."""
    value = row[column]
    key = row["initiative_id"]
    kind = FIELD_BY_NAME[column].kind if column in FIELD_BY_NAME else Kind.TEXT
    if kind is Kind.STAGE:
        return _stage_cell(row, layout)
    if not _present(value):
        return _stable(_PLACEHOLDER_CELLS.get(column, (None,)), key, column)
    if kind is Kind.DATE:
        return _date_cell(value, layout, rng)
    if kind is Kind.MONEY:
        return _money_cell(float(value), layout, rng)
    if kind is Kind.READINESS:
        return layout.readiness_words[int(value)] if layout.readiness_words else int(value)
    if kind is Kind.INTEGRATION:
        return _stable(layout.integration_words[Integration(value)], key, layout.sheet)
    if kind is Kind.SOLUTION:
        return _stable(layout.solution_words[SolutionType(value)], key, layout.sheet)
    return value


def cover_lines(month: date, layout: Layout) -> tuple[str, ...]:
    return (
        f"AI Portfolio export, {MONTH_ABBR[month.month - 1]} {month.year}",
        "",
        "One row per AI initiative in the portfolio, including stopped and live ones.",
        f"The data is on the '{layout.sheet}' sheet. Money in US dollars; value figures are "
        "per year.",
        "Questions: AI Office (ai-office@example.com)",
    )


def _data_rows(
    truth: pd.DataFrame, layout: Layout, rng: np.random.Generator
) -> list[list[object]]:
    ordered = truth.sort_values(list(layout.sort_by), ignore_index=True)
    rows = [
        [_cell(column, row, layout, rng) for _, column in layout.columns]
        for _, row in ordered.iterrows()
    ]
    # Hand-edited exports pick up blank rows where someone deleted a line.
    if rng.random() < 0.4:
        gaps = rng.choice(len(rows), size=int(rng.integers(1, 3)), replace=False)
        for position in sorted(gaps, reverse=True):
            rows.insert(int(position), [None] * len(layout.columns))
    return rows


def write_data_sheet(sheet: Worksheet, month: date, truth: pd.DataFrame, layout: Layout,
                      rng: np.random.Generator) -> None:
    sheet.append([f"AI Portfolio — export {month:%Y-%m}"])
    sheet["A1"].font = Font(bold=True, size=14)
    if layout.source_line:
        sheet.append([layout.source_line])
    sheet.append([])
    sheet.append([header for header, _ in layout.columns])
    header_row = sheet.max_row
    for cell in sheet[header_row]:
        cell.font = Font(bold=True)
    for values in _data_rows(truth, layout, rng):
        sheet.append(values)
    for row in sheet.iter_rows(min_row=header_row + 1):
        for cell in row:
            if isinstance(cell.value, (date, datetime)):
                cell.number_format = layout.date_format
    for number, (header, _) in enumerate(layout.columns, start=1):
        sheet.column_dimensions[get_column_letter(number)].width = max(12, len(header) + 2)
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=3)
