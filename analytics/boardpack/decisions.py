"""The board pack's last two slides (METRICS.md sections 7 and 10): the evidence for the five
causes in this portfolio, and the decisions needed on the stalled initiatives, as a native
table the board can read and edit. Laying them on a slide is `deck`'s; the content is here."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from pptx.enum.text import PP_ALIGN
from pptx.slide import Slide
from pptx.util import Inches

from analytics.boardpack.content import PCT, ChartSlide, NativeChart, Series
from analytics.charts.common import plural
from analytics.charts.decisions import (
    MET,
    NOT_MET,
    TOO_FEW,
    evidence_finding,
)
from analytics.charts.source import ChartSource
from analytics.charts.theme import (
    BACKGROUND,
    HIGHLIGHT,
    IMMATURE,
    INK,
    MUTED,
    STALLED,
    TABLE_BAND,
    TABLE_HEADER,
)
from analytics.domain import CAUSE_CHECKS, CAUSE_LABELS, CAUSES
from analytics.formatting import days_as_months, money, percent
from analytics.metrics.decisions import (
    NO_CAUSE,
    NO_CAUSE_REMEDY,
    choice,
    report_currency,
)
from analytics.metrics.evidence import group
from analytics.metrics.types import CLEAR, FLAGGED, Report
from analytics.provenance import ChartContext

DECISIONS_SLIDE = "decisions-needed"
#: Rows of the decisions table that fit the slide at a readable size; the rest are in the notes.
MAX_ROWS = 8
HEADER: tuple[str, ...] = ("Initiative", "Business unit", "Owner", "Budget", "Time in stage", "Causes", "Remedy")
#: Column widths in inches; they fill the content width of a 13.333 in slide with 0.55 in margins.
WIDTHS: tuple[float, ...] = (2.45, 1.35, 1.55, 1.0, 1.2, 2.05, 2.63)
BODY_PT = 11
#: What the owner column says where the export names nobody.
NO_OWNER = "Not named"
HEADER_PT = 12
ROW_HEIGHT = 0.5
#: How `deck` styles one table cell: (cell, text, fill, colour, bold=, align=, size=).
CellStyler = Callable[..., None]


def _group_text(row: pd.Series) -> str:
    n = int(row["n"])
    if row["too_few"]:
        return f"{TOO_FEW} (n = {n})"
    rate = float(row["p_production_12m"])
    shown = "not yet a year" if np.isnan(rate) else percent(rate)
    return f"{shown} in production within a year (n = {n}, {int(row['reached_production'])} reached it so far)"


def evidence_slide(source: ChartSource, ctx: ChartContext) -> ChartSlide:
    """The evidence chart (the catalog's `EVIDENCE`, the figure the Decisions page draws), with
    each cause's comparison in words in the notes."""
    # Imported here: the catalog imports the board pack's slide texts.
    from analytics.charts.catalog import EVIDENCE

    report = source.filtered_report()
    notes = [("Pilots split by whether each check was met in their first month at pilot or later; "
             "share in production within a year of pilot start (pilots still in progress count "
             "for as long as they were followed). Association in this portfolio, not proof.")]
    for cause in CAUSES:
        met, unmet = group(report.evidence, cause, CLEAR), group(report.evidence, cause, FLAGGED)
        notes.append(f"{CAUSE_CHECKS[cause]}: met {_group_text(met)}; not met {_group_text(unmet)}. "
                     f"{evidence_finding(report, cause)}.")
    series = []
    for side, name, colour in ((CLEAR, MET, HIGHLIGHT), (FLAGGED, NOT_MET, STALLED)):
        rows = [group(report.evidence, cause, side) for cause in CAUSES]
        values = tuple(0.0 if r["too_few"] or np.isnan(r["p_production_12m"]) else float(r["p_production_12m"])
                       for r in rows)
        series.append(Series(
            name, values, colour, point_colors=tuple(IMMATURE if r["too_few"] else colour for r in rows),
            labels=tuple(_bar_label(r) for r in rows),
        ))
    top = max((v for one in series for v in one.values if v is not None), default=0.0)
    native = NativeChart(
        kind="bar", categories=tuple(CAUSE_CHECKS[c] for c in CAUSES), series=tuple(series),
        number_format=PCT, value_max=min(1.0, top * 1.6) or 0.5, legend=True,
    )
    return ChartSlide(EVIDENCE.key, EVIDENCE.figure(source, ctx), "\n".join(notes), native)


def _bar_label(row: pd.Series) -> str:
    n = int(row["n"])
    if row["too_few"]:
        return f"{TOO_FEW} (n = {n})"
    rate = float(row["p_production_12m"])
    return f"{'not yet a year' if np.isnan(rate) else percent(rate)} (n = {n})"


@dataclass(frozen=True, slots=True)
class DecisionsSlide:
    title: str
    subtitle: str
    rows: tuple[tuple[str, ...], ...]     # the table body, MAX_ROWS at most, largest budget first
    notes: str


def decisions_slide(report: Report) -> DecisionsSlide:
    """The stalled initiatives the board is asked to unblock or stop, largest budget first."""
    currency = report_currency(report)
    result = report.decisions
    table = result.table
    if result.count == 0:
        title = "No stalled initiative awaits a decision this month"
    else:
        verb = "awaits" if result.count == 1 else "await"
        held = report.outcomes.stalled_budget
        # What a stop releases is unknown without spend to date; what they hold may still be.
        money_clause = (f"; {money(result.budget_remaining, currency)} of their budget is not yet spent"
                        if result.budget_remaining is not None
                        else f"; they hold {money(held, currency)} of budget (spend not in the export)"
                        if held is not None else "")
        title = (f"{plural(result.count, 'stalled initiative')} {verb} a decision: unblock or stop"
                 f"{money_clause}")
    shown = table.head(MAX_ROWS)
    more = result.count - len(shown)
    subtitle = (f"Largest budget first{f' (the top {len(shown)}; all {result.count} in the notes)' if more else ''}. "
                f"Unblock with the remedy for each cause, or stop and release the budget not yet spent.")
    rows = tuple(
        (
            f"{r.name} ({r.initiative_id})",
            "" if not isinstance(r.business_unit, str) else r.business_unit,
            r.owner if isinstance(r.owner, str) and r.owner.strip() else NO_OWNER,
            money(r.budget, currency),
            days_as_months(r.days_in_stage) + (" (on hold)" if r.on_hold else ""),
            ", ".join(CAUSE_LABELS[c] for c in r.causes) or NO_CAUSE,
            "; ".join(r.remedies) or NO_CAUSE_REMEDY,
        )
        for r in shown.itertuples(index=False)
    )
    notes = [(f"Stalled: on hold, or more than {report.stall_days} days in pilot or scaling. Budget not "
             f"yet spent = budget minus spend to date, never below zero.")]
    for r in table.itertuples(index=False):
        causes = ", ".join(CAUSE_LABELS[c] for c in r.causes) or "no cause flagged"
        notes.append(f"{r.name} ({r.initiative_id}): budget {money(r.budget, currency)}, spent "
                     f"{money(r.spend_to_date, currency)}; {causes}. "
                     f"{choice(r.remedies, float(r.budget_remaining), currency, result.spend_given)}")
    return DecisionsSlide(title, subtitle, rows, "\n".join(notes))


def add_decisions_table(slide: Slide, content: DecisionsSlide, cell: CellStyler, *, left: float,
                        top: float) -> None:
    """The decisions as a native table (editable in PowerPoint), styled by `cell`."""
    body = content.rows or (("No initiative is stalled.", *("" for _ in HEADER[1:])),)
    shape = slide.shapes.add_table(len(body) + 1, len(HEADER), Inches(left), Inches(top),
                                   Inches(sum(WIDTHS)), Inches(ROW_HEIGHT * (len(body) + 1)))
    shape.name = "Table: " + DECISIONS_SLIDE
    table = shape.table
    table.horz_banding = False
    for col, inches in enumerate(WIDTHS):
        table.columns[col].width = Inches(inches)
    money_column = HEADER.index("Budget")
    for col, header in enumerate(HEADER):
        cell(table.cell(0, col), header, TABLE_HEADER, INK, bold=True,
             align=PP_ALIGN.RIGHT if col == money_column else PP_ALIGN.LEFT, size=HEADER_PT)
    for row, values in enumerate(body, start=1):
        table.rows[row].height = Inches(ROW_HEIGHT)
        fill = TABLE_BAND if row % 2 == 0 else BACKGROUND
        for col, text in enumerate(values):
            cell(table.cell(row, col), text, fill, MUTED if col == len(HEADER) - 1 else INK,
                 bold=col == 0, align=PP_ALIGN.RIGHT if col == money_column else PP_ALIGN.LEFT,
                 size=BODY_PT)
