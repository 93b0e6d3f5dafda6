"""Display tables: what a page shows, shaped from objects it already holds (a plan, a report,
the snapshot list, the audit). Pure pandas, no caching and no reads; the seam (dashboard/data.py)
caches the ones built from stored data."""
from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from analytics.problems import Problem

if TYPE_CHECKING:
    from analytics import store
    from analytics.metrics import Report


def audit_table(audit: pd.DataFrame) -> pd.DataFrame:
    """The audit log as the Data page lists it."""
    return pd.DataFrame({
        "When": pd.to_datetime(audit["at"]).dt.strftime("%Y-%m-%d %H:%M"),
        "Action": audit["action"],
        "Month": pd.to_datetime(audit["as_of"]).dt.strftime("%Y-%m"),
        "File": audit["file_name"],
        "Initiatives": audit["rows"],
        "Warnings": audit["warnings"],
        "By": audit["by_user"],
        "Detail": audit["detail"],
        "SHA-256": audit["sha256"].str.slice(0, 12),
    })


def snapshot_table(snapshots: list[store.SnapshotInfo]) -> pd.DataFrame:
    """The loaded months, newest first."""
    return pd.DataFrame(
        [
            {
                "Month": f"{s.as_of:%Y-%m}", "Initiatives": s.rows, "Warnings": s.warnings,
                "File": s.file_name, "Imported": f"{s.imported_at:%Y-%m-%d %H:%M}", "By": s.imported_by,
                "Sample": s.is_sample,
            }
            for s in reversed(snapshots)
        ],
        columns=["Month", "Initiatives", "Warnings", "File", "Imported", "By", "Sample"],
    )


def _problem_text(p: Problem) -> str:
    where = p.where()
    value = f"value '{p.value}':" if p.value is not None else ""
    return " ".join(part for part in (f"{where}:" if where else "", value, p.message) if part)


def problem_groups(problems: tuple[Problem, ...]) -> list[tuple[str, int, list[str]]]:
    """Problems grouped by kind, most frequent first: (readable label, count, whole texts)."""
    from analytics.ingest.model import problem_label

    by_code: dict[str, list[Problem]] = {}
    for problem in problems:
        by_code.setdefault(problem.code, []).append(problem)
    groups = [(problem_label(code), len(found), [_problem_text(p) for p in found])
              for code, found in by_code.items()]
    return sorted(groups, key=lambda g: (-g[1], g[0]))


def problem_rows(problems: tuple[Problem, ...]) -> pd.DataFrame:
    """Problems as a table for st.dataframe (text columns, never rendered as Markdown)."""
    return pd.DataFrame(
        [
            {
                "Severity": p.severity.value, "Code": p.code, "Sheet": p.sheet, "Row": p.row,
                "Column": p.column, "Value": p.value, "What is wrong": p.message,
            }
            for p in problems
        ],
        columns=["Severity", "Code", "Sheet", "Row", "Column", "Value", "What is wrong"],
    )


def problems_csv(problems: tuple[Problem, ...]) -> bytes:
    """Every problem as CSV (kind label first), formulas neutralised."""
    from analytics.ingest.model import problem_label
    from analytics.tablefiles import to_csv_bytes

    frame = problem_rows(problems)
    frame.insert(0, "Kind", [problem_label(p.code) for p in problems])
    return to_csv_bytes(frame)


def stage_words() -> pd.DataFrame:
    """The stage words the import understands (help on the Data page)."""
    from analytics.domain import (
        ALL_STAGES,
        ON_HOLD_VALUES,
        STAGE_LABELS,
        STAGE_SYNONYMS,
    )

    rows = [{"Stage": STAGE_LABELS[s], "Words in the stage column": ", ".join(STAGE_SYNONYMS[s])}
            for s in ALL_STAGES]
    rows.append({"Stage": "On hold (keeps last month's stage)",
                 "Words in the stage column": ", ".join(ON_HOLD_VALUES)})
    return pd.DataFrame(rows, columns=["Stage", "Words in the stage column"])


def header_synonyms() -> pd.DataFrame:
    """The headers each field is recognised by (help on the Data page)."""
    from analytics.domain import FIELDS

    return pd.DataFrame(
        [{"Field": f.label, "Required": "yes" if f.required else "",
          "Headers recognised": ", ".join(f.synonyms)} for f in FIELDS],
        columns=["Field", "Required", "Headers recognised"],
    )


def column_rows(plan) -> pd.DataFrame:
    """How each header of the upload was understood."""
    from analytics.domain import FIELD_BY_NAME

    return pd.DataFrame(
        [
            {
                "Column in the workbook": c.header,
                "Read as": FIELD_BY_NAME[c.field].label if c.field else "— kept as extra column",
                "How": c.how,
            }
            for c in plan.columns
        ],
        columns=["Column in the workbook", "Read as", "How"],
    )


def initiative_caption(row: pd.Series) -> str:
    """'AI-0042 · Finance · owner Dana Lee' for an Initiatives list row (missing parts left out)."""
    parts = [str(row["initiative_id"])]
    for prefix, column in (("", "business_unit"), ("owner ", "owner")):
        value = row.get(column)
        if isinstance(value, str) and value:
            parts.append(prefix + value)
    return "  ·  ".join(parts)


def forecast_table(report: Report) -> pd.DataFrame:
    """The initiatives in progress, most likely to launch first, with their chance in whole
    percent (as the page shows and the downloads carry it)."""
    listed = report.forecast.initiatives
    return listed.assign(chance=(listed["chance"] * 100).round().astype("int64")).rename(
        columns={"chance": "chance_pct"})


def decision_table(report: Report) -> pd.DataFrame:
    """The stalled initiatives, largest budget first, with causes, remedies and the choice."""
    from analytics.metrics.decisions import board_table, report_currency

    return board_table(report.decisions, report_currency(report))
