"""The one data-access seam of the UI, and the only module that caches.

Pages read the scope (the sidebar's ReportScope), call these functions and render what they
return. Every cached result is keyed by (data version, scope, ...). The data version is the
audit's (store.data_version): it changes with every import, replace, delete or restore, and
with nothing else. Reads open short-lived read-only connections (DuckDB locks a file opened for
writing against every other process, so the CLI can import while the dashboard is open).
"""
from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

from analytics import drilldown, store
from analytics.formatting import DEFAULT_CURRENCY
from analytics.metrics import Report, compute_report, initiative_history, load_rows
from analytics.metrics import breakdown as metric_breakdown
from analytics.metrics import trend as metric_trend
from analytics.provenance import ChartContext
from analytics.scope import ReportScope
from dashboard import heap, tables

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


def _file_stamp(path: Path) -> str:
    parts = []
    for candidate in (path, path.with_name(path.name + ".wal")):
        try:
            stat = os.stat(candidate)
            parts.append(f"{stat.st_mtime_ns}:{stat.st_size}")
        except FileNotFoundError:
            parts.append("-")
    return "|".join(parts)


# path -> (file stamp when read, data version read). No write reaches the audit without
# touching the file or its WAL, so while the stamp holds the audit is not read again: a run
# pays two stat calls, and a connection only after a write.
_known_versions: dict[str, tuple[str, str]] = {}
_versions_lock = threading.Lock()


def version() -> str:
    """The data version: the database's path and its audit's store.data_version."""
    path = database().path
    stamp = _file_stamp(path)  # taken before the read: a write in between reads again next run
    known = _known_versions.get(str(path))
    if known is not None and known[0] == stamp:
        return known[1]
    with store.connect(path, read_only=True) as con:
        current = f"{path}#{store.data_version(con)}"
    with _versions_lock:
        _known_versions[str(path)] = (stamp, current)
    return current


@st.cache_data(max_entries=16, show_spinner=False)
def _snapshots(data_version: str) -> list[store.SnapshotInfo]:
    with store.connect(database().path, read_only=True) as con:
        return store.list_snapshots(con)


def snapshots() -> list[store.SnapshotInfo]:
    return _snapshots(version())


def months() -> list[date]:
    return [s.as_of for s in snapshots()]


def is_sample() -> bool:
    """Some loaded month is sample data: pages, footers, PNGs and the deck say so (imports
    never mix the two, so this is also "every month is sample data")."""
    return any(s.is_sample for s in snapshots())


# A resource, not data: the full history can be 600k rows, and cache_data would unpickle a copy
# on every rerun. Metric functions never mutate their inputs, so one shared frame is safe.
@st.cache_resource(max_entries=4, show_spinner=False)
def _rows(data_version: str, up_to: date) -> pd.DataFrame:
    with store.connect(database().path, read_only=True) as con:
        return load_rows(con, up_to)


@st.cache_data(max_entries=16, show_spinner=False)
def _business_units(data_version: str) -> list[str]:
    if not _snapshots(data_version):
        return []
    # One column, not the cached history (_rows): the sidebar of the Data page would otherwise
    # read and keep every stored row, raw cells included (hundreds of MB after a 24 MB upload).
    with store.connect(database().path, read_only=True) as con:
        column = store.rows.read_columns(con, ("business_unit",))["business_unit"]
    return sorted(column.dropna().astype(str).unique().tolist())


def business_units() -> list[str]:
    return _business_units(version())


@st.cache_data(max_entries=8, show_spinner=False)
def _audit(data_version: str) -> pd.DataFrame:
    with store.connect(database().path, read_only=True) as con:
        return tables.audit_table(store.read_audit(con))


def audit() -> pd.DataFrame:
    """The audit log as the Data page lists it."""
    return _audit(version())


@st.cache_data(max_entries=8, show_spinner=False)
def _snapshot_table(data_version: str) -> pd.DataFrame:
    return tables.snapshot_table(_snapshots(data_version))


def snapshot_table() -> pd.DataFrame:
    """The loaded months, newest first, as the Data page lists them."""
    return _snapshot_table(version())


@st.cache_data(max_entries=32, show_spinner=False)
def _problems(data_version: str, as_of: date) -> pd.DataFrame:
    with store.connect(database().path, read_only=True) as con:
        return store.read_problems(con, as_of)


def snapshot_problems(as_of: date) -> pd.DataFrame:
    return _problems(version(), as_of)


# --- Metrics ---------------------------------------------------------------------------------
# Reports, trends, splits and figures are resources, not data: cache_data unpickles a copy on
# every read, and a viewer's run would pay ~30 ms per Report and 5-20 ms per figure just to
# rebuild objects it only reads. Nothing mutates them: metric functions and charts never change
# their inputs, pages only render (pandas copy-on-write keeps derived frames separate).

def _currency(data_version: str, as_of: date) -> str:
    """The month's snapshot currency (USD when none was written)."""
    info = next((s for s in _snapshots(data_version) if s.as_of == as_of), None)
    return (info.currency if info else None) or DEFAULT_CURRENCY


@st.cache_resource(max_entries=32, show_spinner="Computing the portfolio metrics…")
def _report(data_version: str, scope: ReportScope) -> Report:
    return compute_report(
        _rows(data_version, scope.as_of), scope.as_of, stall_days=scope.stall_days,
        business_unit=scope.business_unit, solution_type=scope.solution_type,
        currency=_currency(data_version, scope.as_of),
    )


def report(scope: ReportScope) -> Report:
    return _report(version(), scope)


def portfolio_report(scope: ReportScope) -> Report:
    """The month's report without the business unit and solution filters (for splits)."""
    return _report(version(), scope.whole_portfolio())


@st.cache_resource(max_entries=32, show_spinner=False)
def _previous_report(data_version: str, scope: ReportScope) -> Report | None:
    # The report already knows its previous month: "previous" is decided once, in compute_report.
    now = _report(data_version, scope)
    if now.changes.previous_as_of is None:
        return None
    return _report(data_version, scope.at(now.changes.previous_as_of))


def previous_report(scope: ReportScope) -> Report | None:
    """The report for the month before the scope's, same filters: the KPI tiles' change."""
    return _previous_report(version(), scope)


@st.cache_resource(max_entries=16, show_spinner=False)
def _trend(data_version: str, scope: ReportScope) -> pd.DataFrame:
    return metric_trend(
        _rows(data_version, scope.as_of), stall_days=scope.stall_days, up_to=scope.as_of,
        business_unit=scope.business_unit, solution_type=scope.solution_type,
    )


def trend(scope: ReportScope) -> pd.DataFrame:
    return _trend(version(), scope)


@st.cache_resource(max_entries=32, show_spinner=False)
def _breakdown(data_version: str, scope: ReportScope, by: str) -> pd.DataFrame:
    return metric_breakdown(_rows(data_version, scope.as_of), scope.as_of, by,
                            stall_days=scope.stall_days)


def breakdown(scope: ReportScope, by: str) -> pd.DataFrame:
    """The whole portfolio split by business unit or solution type (the split is the filter)."""
    return _breakdown(version(), scope.whole_portfolio(), by)


@st.cache_data(max_entries=64, show_spinner=False)
def _history(data_version: str, as_of: date, initiative_id: str, stall_days: int) -> pd.DataFrame:
    return initiative_history(_rows(data_version, as_of), initiative_id, stall_days=stall_days)


def history(scope: ReportScope, initiative_id: str) -> pd.DataFrame:
    """One initiative's months up to the scope's month (filters do not hide its past)."""
    return _history(version(), scope.as_of, initiative_id, scope.stall_days)


@st.cache_data(max_entries=32, show_spinner=False)
def _chart_context(data_version: str, scope: ReportScope) -> ChartContext:
    infos = _snapshots(data_version)
    info = next((s for s in infos if s.as_of == scope.as_of), None)
    return ChartContext.for_scope(
        scope, source=info.file_name if info else None,
        is_sample=any(s.is_sample for s in infos), currency=info.currency if info else None)


def chart_context(scope: ReportScope) -> ChartContext:
    """Provenance for the scope's charts, downloads and footers."""
    return _chart_context(version(), scope)


# --- Drill-downs: the initiatives behind a clicked point, a search, one initiative. ----------

@st.cache_data(max_entries=64, show_spinner=False)
def _behind(data_version: str, scope: ReportScope, name: str,
            _find: Callable[..., pd.DataFrame], args: tuple) -> pd.DataFrame:
    # `name` keys the cache for the function (Streamlit cannot hash a function argument).
    return _find(_report(data_version, scope), *args)


def _drill(scope: ReportScope, find: Callable[..., pd.DataFrame], *args: object) -> pd.DataFrame:
    return _behind(version(), scope, f"{find.__module__}.{find.__qualname__}", find, args)


def reached(scope: ReportScope, stage: str) -> pd.DataFrame:
    """Initiatives in the scope whose highest stage reached is at least `stage`."""
    return _drill(scope, drilldown.reached, stage)


def in_group(scope: ReportScope, by: str, value: str) -> pd.DataFrame:
    """Initiatives in the scope of one business unit or solution type."""
    return _drill(scope, drilldown.in_group, by, value)


def stalled_with_cause(scope: ReportScope, cause: str,
                       business_unit: str | None = None) -> pd.DataFrame:
    """Stalled initiatives in the scope attributed to `cause` (optionally in one unit)."""
    return _drill(scope, drilldown.stalled_with_cause, cause, business_unit)


def in_cohort(scope: ReportScope, cohort: str) -> pd.DataFrame:
    """The pilots of one cohort behind the time-to-production figures."""
    return _drill(scope, drilldown.in_cohort, cohort)


def _search(report: Report, query: str, stages: tuple[str, ...], only_stalled: bool) -> pd.DataFrame:
    return drilldown.search(report, query=query, stages=stages, only_stalled=only_stalled)


def initiatives(scope: ReportScope, *, query: str, stages: tuple[str, ...],
                only_stalled: bool) -> pd.DataFrame:
    """The Initiatives list: a search on name, ID or owner, then stage filters."""
    return _drill(scope, _search, query, stages, only_stalled)


def initiative_causes(scope: ReportScope, initiative_id: str) -> pd.DataFrame:
    """One initiative's failure causes with their evidence."""
    return _drill(scope, drilldown.causes_of, initiative_id)


def owner_history(scope: ReportScope, initiative_id: str) -> pd.DataFrame:
    """Who owned the initiative, month by month."""
    return drilldown.owner_history(history(scope, initiative_id))


# --- Writes (the Data page). Never cached; the version changes after each. -------------------

# A resource, not data: cache_data pickled each plan (120 MB for a 24 MB upload of text, with a
# 300 MB peak while pickling) and unpickled a fresh copy on every rerun of the page. A plan is
# never changed after it is made; two are kept (the current choices and the previous ones).
@st.cache_resource(max_entries=2, ttl=timedelta(minutes=30), show_spinner="Reading the workbook…")
def _prepare(data_version: str, content: bytes, file_name: str, as_of: date | None,
             columns: tuple[tuple[str, str | None], ...], stages: tuple[tuple[str, str], ...],
             sheet: str | None):
    from analytics.ingest import prepare_import

    mapping = {"columns": dict(columns), "stages": dict(stages)}
    with store.connect(database().path, read_only=True) as con:
        plan = prepare_import(content, file_name, as_of=as_of, mapping=mapping, con=con,
                              sheet=sheet)
    # The reader's cells and the normalising's intermediates, freed: handed back before the
    # page draws the preview (issue #11's 500 MB is the server's peak, page included).
    heap.give_back()
    return plan


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
    _prepare.clear()
    return result


def forget_upload(file_id: str) -> None:
    """Drop a committed upload's bytes from Streamlit's store of uploaded files.

    The uploader is replaced after a commit, so the browser never asks to delete its file and
    Streamlit would keep the bytes (25 MB at most) as long as the session lives, under every
    later upload's reading. A server whose store cannot remove one file keeps them."""
    from streamlit import runtime
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    if ctx is None or not runtime.exists():
        return
    remove = getattr(runtime.get_instance().uploaded_file_mgr, "remove_file", None)
    if remove is not None:
        remove(ctx.session_id, file_id)


def delete_month(as_of: date, *, user: str) -> int:
    from analytics import operations

    removed = operations.delete_month(database().path, as_of, by_user=user)
    st.cache_data.clear()
    return removed


@st.cache_resource
def template_bytes() -> bytes:
    """The blank template workbook. The Data page hands Streamlit this function, built when an
    analyst clicks the download: openpyxl and lxml (16 MB of the server's memory) are loaded
    only then, not under every upload's reading."""
    from analytics.template import template_workbook

    return template_workbook()



# --- Figures. Building a Plotly figure costs 30-120 ms; cached, a warm page run stays fast. ---

@dataclass(frozen=True, slots=True)
class _PageSource:
    """The catalog's ChartSource over the cached metrics: each chart asks only for what it draws."""

    scope: ReportScope
    initiative_id: str | None = None
    initiative_name: str | None = None

    def filtered_report(self) -> Report:
        return report(self.scope)

    def whole_report(self) -> Report:
        return portfolio_report(self.scope)

    def monthly_trend(self) -> pd.DataFrame:
        return trend(self.scope)

    def split(self, by: str) -> pd.DataFrame:
        return breakdown(self.scope, by)

    def initiative(self) -> tuple[pd.DataFrame, str | None]:
        if self.initiative_id is None:
            raise LookupError("no initiative is selected")
        return history(self.scope, self.initiative_id), self.initiative_name


@st.cache_resource(max_entries=256, show_spinner=False)
def _figure(data_version: str, scope: ReportScope, chart: str, initiative_id: str | None,
            initiative_name: str | None):
    from analytics.charts.catalog import BY_KEY

    return BY_KEY[chart].figure(_PageSource(scope, initiative_id, initiative_name),
                                chart_context(scope))


def figure(chart: Chart, scope: ReportScope, *, initiative_id: str | None = None,
           initiative_name: str | None = None):
    """A board-ready figure from the chart catalog, for the scope (and the selected
    initiative, for the one chart about a single initiative)."""
    return _figure(version(), scope, chart.key, initiative_id, initiative_name)


# --- Board pack. Built when a download button is clicked (drawing its charts takes ~10 s), ---
# --- then cached per data version and scope.                                               ---

def _pack_data(scope: ReportScope):
    """What the board pack shows, from the cached metrics; the whole-portfolio splits only
    when unfiltered (under a filter their charts leave the deck, which says so)."""
    from analytics.boardpack import PackData

    if scope.is_filtered:
        return PackData(report(scope), previous_report(scope), trend(scope))
    return PackData(report(scope), previous_report(scope), trend(scope),
                    breakdown(scope, "business_unit"), breakdown(scope, "solution_type"))


@st.cache_data(max_entries=4, show_spinner=False)
def _board_pack(data_version: str, scope: ReportScope, native: bool) -> bytes:
    from analytics.boardpack import build_deck

    return build_deck(_pack_data(scope), chart_context(scope), native_charts=native)


def board_pack(scope: ReportScope, *, native: bool = False) -> bytes:
    """The board pack (.pptx) for the scope; `native` draws editable charts."""
    return _board_pack(version(), scope, native)


@st.cache_data(max_entries=4, show_spinner=False)
def _charts_zip(data_version: str, scope: ReportScope) -> bytes:
    from analytics.boardpack import charts_zip as build_zip

    return build_zip(_pack_data(scope), chart_context(scope))


def charts_zip(scope: ReportScope) -> bytes:
    """The board pack's charts as PNGs in a ZIP (ChromiumMissing without a browser)."""
    return _charts_zip(version(), scope)


@st.cache_data(max_entries=8, show_spinner=False)
def _page_slides(data_version: str, scope: ReportScope, keys: tuple[str, ...]) -> bytes:
    from analytics.boardpack import build_deck
    from analytics.charts.catalog import BY_KEY

    return build_deck(_pack_data(scope), chart_context(scope), only=tuple(BY_KEY[k] for k in keys))


def page_slides(scope: ReportScope, charts: tuple[Chart, ...]) -> bytes:
    """A short deck (title, headline figures, these charts) for one page's "add to deck"; a
    chart that does not apply under the filters is left out and the title slide says so."""
    return _page_slides(version(), scope, tuple(c.key for c in charts))


def can_draw_pictures() -> bool:
    """Whether this machine has the Chromium that draws charts as pictures."""
    from analytics.charts.images import find_chromium

    return find_chromium() is not None
