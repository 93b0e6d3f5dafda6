"""The one data-access seam of the UI, and the only module that caches.

Pages call these functions and render what they return. Reads open short-lived read-only
connections (DuckDB locks a file opened for writing against every other process, so the CLI
can import while the dashboard is open); results are cached per data version, which changes
whenever the database file changes, so a new import shows up on the next rerun.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

from analytics import store
from analytics.charts.theme import ChartContext
from analytics.formatting import DEFAULT_CURRENCY
from analytics.metrics import Report, compute_report, initiative_history, load_rows
from analytics.metrics import breakdown as metric_breakdown
from analytics.metrics import trend as metric_trend
from analytics.problems import Problem
from dashboard.filters import Filters

if TYPE_CHECKING:
    from analytics.charts.catalog import Chart
#: Set to 0 to start with an empty database instead of the sample portfolio.
LOAD_SAMPLE_ENV = "PORTFOLIO_LOAD_SAMPLE"


@dataclass(frozen=True, slots=True)
class Database:
    path: Path


@st.cache_resource(show_spinner="Opening the portfolio database…")
def _database(path: str, load_sample: bool) -> Database:
    with store.connect(path) as con:
        empty = not store.list_snapshots(con)
    if empty and load_sample:
        # Imported only when needed: the sample generator pulls in openpyxl.
        from analytics.sample import SAMPLE_DIR
        from analytics.sample import load_sample as load

        if SAMPLE_DIR.is_dir():
            load(path)
    return Database(Path(path))


def database() -> Database:
    """The database file ($PORTFOLIO_DB or data/portfolio.duckdb); on first run with no data,
    the shipped sample is loaded into it unless $PORTFOLIO_LOAD_SAMPLE is 0."""
    load_sample = os.environ.get(LOAD_SAMPLE_ENV, "1").strip() != "0"
    return _database(str(store.db_path().resolve()), load_sample)


def version() -> str:
    """Cheap fingerprint of the database file (and its WAL): a cache key, no connection."""
    path = database().path
    parts = []
    for candidate in (path, path.with_name(path.name + ".wal")):
        try:
            stat = os.stat(candidate)
            parts.append(f"{stat.st_mtime_ns}:{stat.st_size}")
        except FileNotFoundError:
            parts.append("-")
    return "|".join(parts)


@st.cache_data(max_entries=16, show_spinner=False)
def snapshots(data_version: str) -> list[store.SnapshotInfo]:
    with store.connect(database().path, read_only=True) as con:
        return store.list_snapshots(con)


def months() -> list[date]:
    return [s.as_of for s in snapshots(version())]


def is_sample() -> bool:
    """Some loaded month is sample data: pages, footers, PNGs and the deck say so (imports
    never mix the two, so this is also "every month is sample data")."""
    return any(s.is_sample for s in snapshots(version()))


# A resource, not data: the full history can be 600k rows, and cache_data would unpickle a copy
# on every rerun. Metric functions never mutate their inputs, so one shared frame is safe.
@st.cache_resource(max_entries=4, show_spinner=False)
def _rows(data_version: str, up_to: date) -> pd.DataFrame:
    with store.connect(database().path, read_only=True) as con:
        return load_rows(con, up_to)


def rows(up_to: date) -> pd.DataFrame:
    return _rows(version(), up_to)


@st.cache_data(max_entries=16, show_spinner=False)
def _business_units(data_version: str) -> list[str]:
    infos = snapshots(data_version)
    if not infos:
        return []
    frame = _rows(data_version, infos[-1].as_of)
    return sorted(frame["business_unit"].dropna().astype(str).unique().tolist())


def business_units() -> list[str]:
    return _business_units(version())


@st.cache_data(max_entries=8, show_spinner=False)
def _audit(data_version: str) -> pd.DataFrame:
    with store.connect(database().path, read_only=True) as con:
        audit = store.read_audit(con)
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


def audit() -> pd.DataFrame:
    return _audit(version())


@st.cache_data(max_entries=32, show_spinner=False)
def _problems(data_version: str, as_of: date) -> pd.DataFrame:
    with store.connect(database().path, read_only=True) as con:
        return store.read_problems(con, as_of)


def snapshot_problems(as_of: date) -> pd.DataFrame:
    return _problems(version(), as_of)


# --- Metrics ---------------------------------------------------------------------------------

@st.cache_data(max_entries=32, show_spinner="Computing the portfolio metrics…")
def _report(data_version: str, as_of: date, business_unit: str | None,
            solution_type: str | None, stall_days: int) -> Report:
    return compute_report(
        _rows(data_version, as_of), as_of, stall_days=stall_days,
        business_unit=business_unit, solution_type=solution_type,
        currency=_currency(data_version, as_of),
    )


def _currency(data_version: str, as_of: date) -> str:
    """The month's snapshot currency (USD when none was written)."""
    info = next((s for s in snapshots(data_version) if s.as_of == as_of), None)
    return (info.currency if info else None) or DEFAULT_CURRENCY


def report(f: Filters) -> Report:
    return _report(version(), f.as_of, f.business_unit, f.solution_type, f.stall_days)


@st.cache_data(max_entries=32, show_spinner=False)
def _previous_report(data_version: str, as_of: date, business_unit: str | None,
                     solution_type: str | None, stall_days: int) -> Report | None:
    # The report already knows its previous month: "previous" is decided once, in compute_report.
    now = _report(data_version, as_of, business_unit, solution_type, stall_days)
    if now.changes.previous_as_of is None:
        return None
    return _report(data_version, now.changes.previous_as_of, business_unit, solution_type,
                   stall_days)


def previous_report(f: Filters) -> Report | None:
    """The report for the month before the filtered one: the KPI tiles' change."""
    return _previous_report(version(), f.as_of, f.business_unit, f.solution_type, f.stall_days)


@st.cache_data(max_entries=16, show_spinner=False)
def _trend(data_version: str, as_of: date, business_unit: str | None,
           solution_type: str | None, stall_days: int) -> pd.DataFrame:
    return metric_trend(
        _rows(data_version, as_of), stall_days=stall_days, up_to=as_of,
        business_unit=business_unit, solution_type=solution_type,
    )


def trend(f: Filters) -> pd.DataFrame:
    return _trend(version(), f.as_of, f.business_unit, f.solution_type, f.stall_days)


@st.cache_data(max_entries=32, show_spinner=False)
def _breakdown(data_version: str, as_of: date, by: str, stall_days: int) -> pd.DataFrame:
    return metric_breakdown(_rows(data_version, as_of), as_of, by, stall_days=stall_days)


def breakdown(f: Filters, by: str) -> pd.DataFrame:
    """The whole portfolio split by business unit or solution type (the split is the filter)."""
    return _breakdown(version(), f.as_of, by, f.stall_days)


@st.cache_data(max_entries=64, show_spinner=False)
def _history(data_version: str, as_of: date, initiative_id: str, stall_days: int) -> pd.DataFrame:
    return initiative_history(_rows(data_version, as_of), initiative_id, stall_days=stall_days)


def history(f: Filters, initiative_id: str) -> pd.DataFrame:
    return _history(version(), f.as_of, initiative_id, f.stall_days)


def chart_context(f: Filters) -> ChartContext:
    infos = {s.as_of: s for s in snapshots(version())}
    info = infos.get(f.as_of)
    source = info.file_name if info else "portfolio export"
    return ChartContext(as_of=f.as_of, source=source, filters=f.describe(), is_sample=is_sample(),
                        currency=(info.currency if info else None) or DEFAULT_CURRENCY)


# --- Writes (the Data page). Never cached; the version changes after each. -------------------

@st.cache_data(max_entries=4, show_spinner="Reading the workbook…")
def _prepare(data_version: str, content: bytes, file_name: str, as_of: date | None,
             columns: tuple[tuple[str, str | None], ...], stages: tuple[tuple[str, str], ...],
             sheet: str | None):
    from analytics.ingest import prepare_import

    mapping = {"columns": dict(columns), "stages": dict(stages)}
    with store.connect(database().path, read_only=True) as con:
        return prepare_import(content, file_name, as_of=as_of, mapping=mapping, con=con,
                              sheet=sheet)


def prepare_upload(content: bytes, file_name: str, as_of: date | None,
                   mapping: dict[str, str | None] | None,
                   stages: dict[str, str] | None = None, sheet: str | None = None):
    """Read and validate an upload without writing anything (cached per file and choices).

    `mapping` maps headers to fields, `stages` the analyst's stage words to stages, `sheet`
    names the sheet to read instead of the one the import chooses."""
    return _prepare(version(), content, file_name, as_of, tuple(sorted((mapping or {}).items())),
                    tuple(sorted((stages or {}).items())), sheet)


def commit_upload(plan, *, replace: bool, user: str, replace_sample: bool = False):
    from analytics import operations

    result = operations.commit_plan(database().path, plan, replace=replace, imported_by=user,
                                    replace_sample=replace_sample)
    st.cache_data.clear()
    return result


def delete_month(as_of: date, *, user: str) -> int:
    from analytics import operations

    removed = operations.delete_month(database().path, as_of, by_user=user)
    st.cache_data.clear()
    return removed


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


def mapping_choices(plan):
    """The columns the Data page offers for mapping by hand (at most 50 unmatched ones)."""
    from analytics.ingest.choices import mapping_choices as choose

    return choose(plan)


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


def snapshot_rows() -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "Month": f"{s.as_of:%Y-%m}", "Initiatives": s.rows, "Warnings": s.warnings,
                "File": s.file_name, "Imported": f"{s.imported_at:%Y-%m-%d %H:%M}", "By": s.imported_by,
                "Sample": s.is_sample,
            }
            for s in reversed(snapshots(version()))
        ],
        columns=["Month", "Initiatives", "Warnings", "File", "Imported", "By", "Sample"],
    )


@st.cache_resource
def template_bytes() -> bytes:
    from analytics.template import template_workbook

    return template_workbook()


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


def reference(key: str):
    """An industry survey figure by key (context for reference lines; definitions differ)."""
    from analytics.metrics import REFERENCE_FIGURES

    return {r.key: r for r in REFERENCE_FIGURES}[key]


def reference_caveat() -> str:
    from analytics.metrics import REFERENCE_CAVEAT

    return REFERENCE_CAVEAT


def initiative_listing(report: Report, *, query: str, stages: tuple[str, ...],
                       only_stalled: bool) -> pd.DataFrame:
    from analytics.drilldown import search

    return search(report, query=query, stages=stages, only_stalled=only_stalled)


def initiative_caption(row: pd.Series) -> str:
    """'AI-0042 · Finance · owner Dana Lee' for an Initiatives list row (missing parts left out)."""
    parts = [str(row["initiative_id"])]
    for prefix, column in (("", "business_unit"), ("owner ", "owner")):
        value = row.get(column)
        if isinstance(value, str) and value:
            parts.append(prefix + value)
    return "  ·  ".join(parts)


def initiative_detail(report: Report, initiative_id: str) -> pd.DataFrame:
    from analytics.drilldown import causes_of

    return causes_of(report, initiative_id)


def owner_history(history: pd.DataFrame) -> pd.DataFrame:
    from analytics.drilldown import owner_history as owners

    return owners(history)


# --- Decisions page: the tables behind sections 7-10, as people read them. ---

def evidence_table(report: Report) -> pd.DataFrame:
    """Per cause: the check, pilots followed and reached production with and without it, the
    share in production within a year, and the finding in words."""
    from analytics.decisions_view import evidence_rows

    return evidence_rows(report)


def forecast_table(report: Report) -> pd.DataFrame:
    """The initiatives in progress, most likely to launch first, with their chance in whole
    percent (as the page shows and the downloads carry it)."""
    listed = report.forecast.initiatives
    return listed.assign(chance=(listed["chance"] * 100).round().astype("int64")).rename(
        columns={"chance": "chance_pct"})


def readiness_table(report: Report) -> pd.DataFrame:
    """The current pilots with each check passed (True) or failed, least ready first."""
    from analytics.decisions_view import readiness_rows

    return readiness_rows(report)


def decision_table(report: Report) -> pd.DataFrame:
    """The stalled initiatives, largest budget first, with causes, remedies and the choice."""
    from analytics.metrics.decisions import board_table, report_currency

    return board_table(report.decisions, report_currency(report))


def portfolio_report(f: Filters) -> Report:
    """The month's report without the business unit and solution filters (for splits)."""
    return _report(version(), f.as_of, None, None, f.stall_days)


# --- Figures. Building a Plotly figure costs 30-120 ms; cached, a warm page run stays fast. ---

@dataclass(frozen=True, slots=True)
class _PageSource:
    """The catalog's ChartSource over the cached metrics: each chart asks only for what it draws."""

    f: Filters
    initiative_id: str | None = None
    initiative_name: str | None = None

    def filtered_report(self) -> Report:
        return report(self.f)

    def whole_report(self) -> Report:
        return portfolio_report(self.f)

    def monthly_trend(self) -> pd.DataFrame:
        return trend(self.f)

    def split(self, by: str) -> pd.DataFrame:
        return breakdown(self.f, by)

    def initiative(self) -> tuple[pd.DataFrame, str | None]:
        if self.initiative_id is None:
            raise LookupError("no initiative is selected")
        return history(self.f, self.initiative_id), self.initiative_name


@st.cache_data(max_entries=256, show_spinner=False)
def _figure(data_version: str, as_of: date, business_unit: str | None, solution_type: str | None,
            stall_days: int, chart: str, initiative_id: str | None, initiative_name: str | None):
    from analytics.charts.catalog import BY_KEY

    f = Filters(as_of, business_unit, solution_type, stall_days)
    return BY_KEY[chart].figure(_PageSource(f, initiative_id, initiative_name), chart_context(f))


def figure(chart: Chart, f: Filters, *, initiative_id: str | None = None,
           initiative_name: str | None = None):
    """A board-ready figure from the chart catalog, for the filters in force (and the selected
    initiative, for the one chart about a single initiative)."""
    return _figure(version(), f.as_of, f.business_unit, f.solution_type, f.stall_days, chart.key,
                   initiative_id, initiative_name)


# --- Board pack. Built when a download button is clicked (drawing its charts takes ~10 s), ---
# --- then cached per data version and filters.                                             ---

def pack_data(f: Filters):
    """What the board pack shows, from the cached metrics; the whole-portfolio splits only
    when unfiltered (under a filter their charts leave the deck, which says so)."""
    from analytics.boardpack import PackData

    if f.business_unit is not None or f.solution_type is not None:
        return PackData(report(f), previous_report(f), trend(f))
    return PackData(report(f), previous_report(f), trend(f),
                    breakdown(f, "business_unit"), breakdown(f, "solution_type"))


@st.cache_data(max_entries=4, show_spinner=False)
def _board_pack(data_version: str, as_of: date, business_unit: str | None,
                solution_type: str | None, stall_days: int, native: bool) -> bytes:
    from analytics.boardpack import build_deck

    f = Filters(as_of, business_unit, solution_type, stall_days)
    return build_deck(pack_data(f), chart_context(f), native_charts=native)


def board_pack(f: Filters, *, native: bool = False) -> bytes:
    """The board pack (.pptx) for the filters in force; `native` draws editable charts."""
    return _board_pack(version(), f.as_of, f.business_unit, f.solution_type, f.stall_days, native)


@st.cache_data(max_entries=4, show_spinner=False)
def _charts_zip(data_version: str, as_of: date, business_unit: str | None,
                solution_type: str | None, stall_days: int) -> bytes:
    from analytics.boardpack import charts_zip as build_zip

    f = Filters(as_of, business_unit, solution_type, stall_days)
    return build_zip(pack_data(f), chart_context(f))


def charts_zip(f: Filters) -> bytes:
    """The board pack's charts as PNGs in a ZIP (ChromiumMissing without a browser)."""
    return _charts_zip(version(), f.as_of, f.business_unit, f.solution_type, f.stall_days)


@st.cache_data(max_entries=8, show_spinner=False)
def _page_slides(data_version: str, as_of: date, business_unit: str | None,
                 solution_type: str | None, stall_days: int, keys: tuple[str, ...]) -> bytes:
    from analytics.boardpack import build_deck
    from analytics.charts.catalog import BY_KEY

    f = Filters(as_of, business_unit, solution_type, stall_days)
    return build_deck(pack_data(f), chart_context(f), only=tuple(BY_KEY[k] for k in keys))


def page_slides(f: Filters, charts: tuple[Chart, ...]) -> bytes:
    """A short deck (title, headline figures, these charts) for one page's "add to deck"; a
    chart that does not apply under the filters is left out and the title slide says so."""
    return _page_slides(version(), f.as_of, f.business_unit, f.solution_type, f.stall_days,
                        tuple(c.key for c in charts))


def board_pack_name(f: Filters) -> str:
    from analytics.boardpack import deck_file_name

    return deck_file_name(chart_context(f))


def charts_zip_name(f: Filters) -> str:
    from analytics.boardpack import zip_file_name

    return zip_file_name(chart_context(f))


def can_draw_pictures() -> bool:
    """Whether this machine has the Chromium that draws charts as pictures."""
    from analytics.charts.export import find_chromium

    return find_chromium() is not None
