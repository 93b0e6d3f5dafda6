"""Render helpers shared by the pages. Workbook text is always shown as text, never Markdown."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import streamlit as st

from analytics.formatting import (
    DAYS_PER_MONTH,
    DEFAULT_CURRENCY,
    MISSING,
    NOT_IN_EXPORT,
    currency_prefix,
    money,
)
from analytics.kpis import CURRENCY_CHANGED, NO_CHANGE
from analytics.metrics.outcomes import money_gap_summary
from analytics.metrics.stalls import unreadable_summary
from analytics.metrics.types import (
    BY_ANALYST,
    BY_RULES,
    CENSORED,
    EVENT_BEFORE_ORIGIN,
    FROM_AS_OF,
    FROM_PILOT_START,
    FROM_PRODUCTION_DATE,
    FROM_SNAPSHOT,
    FROM_STAGE_ENTERED,
    ORIGIN_AFTER_AS_OF,
    UNKNOWN_ORIGIN,
)
from analytics.problems import PortfolioError
from analytics.text import escape_markdown

if TYPE_CHECKING:
    import pandas as pd

    from analytics.charts.catalog import Chart
    from analytics.provenance import ChartContext
    from analytics.scope import ReportScope

escape_md = escape_markdown


def error(message: object) -> None:
    st.error(escape_md(message), icon=":material/error:")


def warning(message: object) -> None:
    st.warning(escape_md(message), icon=":material/warning:")


def show_domain_error(exc: PortfolioError) -> None:
    """A domain error as words on the page; never a traceback."""
    error(str(exc))


# --- Page scaffolding ------------------------------------------------------------------------

def require_population(report) -> None:
    """A filter that leaves nothing is explained, not drawn as empty charts."""
    if report.funnel.population == 0:
        st.info(
            "No initiatives match these filters in this month. Widen the business unit or "
            "solution type in the sidebar.",
            icon=":material/filter_alt_off:",
        )
        st.stop()


def cause_data_gaps(report) -> None:
    """The causes the month's export gives no value for (StallResult.unreadable): their counts
    follow the rules but describe the export, so the page says so beside them."""
    summary = unreadable_summary(report.stalls.unreadable)
    if summary:
        st.warning(f"**Some causes cannot be read from this export.** {escape_md(summary)}",
                   icon=":material/warning:")


def money_gaps(report) -> None:
    """The money fields the month's export gives no value for (Outcomes.not_captured): their
    figures read "not in the export", and the page says why beside them."""
    summary = money_gap_summary(report.outcomes.not_captured)
    if summary:
        st.warning(f"**Some amounts are not in this export.** {escape_md(summary)}",
                   icon=":material/warning:")


def money_tile(container, label: str, value: float | None, currency: str) -> None:
    """A money figure's tile; one the export gives no amount for reads "–" with "not in the
    export" under it (a tile's figure is cut to a dozen letters at a laptop's width)."""
    if value is None:
        container.metric(label, MISSING, delta=NOT_IN_EXPORT, delta_color="off", delta_arrow="off",
                         border=True)
    else:
        container.metric(label, money(value, currency), border=True)


def page_header(title: str, scope: ReportScope, lead: str = "") -> None:
    st.title(title)
    caption = f"As of **{scope.as_of:%B %Y}**"
    if scope.describe():
        caption += f"  ·  {escape_md(scope.describe())}"
    st.caption(caption)
    if lead:
        st.write(lead)


TILES_PER_ROW = 4  # wide enough for each tile's full label at a laptop's width


def kpi_tiles(tiles) -> None:
    # Balanced rows (7 tiles: 4 + 3), so no tile is narrower than a quarter of the page and its
    # full label fits at 1280 px. One row of columns, each holding a column of the grid: three
    # rows of three this way are 4 containers, not 12, and each container is a message every
    # viewer's browser renders on arrival (issue #12: time until the page is ready).
    rows = -(-len(tiles) // TILES_PER_ROW)
    per_row = -(-len(tiles) // rows) if rows else 0
    columns = st.columns(per_row) if per_row else []
    # A tile without a change beside tiles with one would break the grid's rows.
    compared = any(tile.delta is not None for tile in tiles)
    for index, tile in enumerate(tiles):
        delta = MISSING if compared and tile.delta is None else tile.delta
        # A change across currencies is not a rise or a fall: no arrow, no colour.
        flat = delta in (NO_CHANGE, MISSING, NOT_IN_EXPORT) or (delta or "").startswith(CURRENCY_CHANGED)
        columns[index % per_row].metric(
            tile.label, tile.text, delta=delta,
            delta_color="off" if flat else ("normal" if tile.higher_is_better else "inverse"),
            delta_arrow="off" if flat else "auto",
            help=tile.help, border=True,
        )


#: Column headings people read; columns not listed keep their name.
COLUMN_LABELS: dict[str, str] = {
    "initiative_id": "ID", "name": "Initiative", "business_unit": "Business unit", "from": "Since",
    "solution_type": "Solution", "stage": "Stage", "from_stage": "From stage",
    "highest_stage": "Highest stage reached", "owner": "Owner", "on_hold": "On hold",
    "days_in_stage": "Days in stage", "stage_since": "In stage since",
    "stage_since_source": "In stage since, from", "stalled": "Stalled", "budget": "Budget",
    "spend_to_date": "Spend to date", "expected_value": "Expected value / yr",
    "realized_value": "Realized value / yr", "causes": "Causes", "cause": "Cause",
    "cause_source": "Attributed by", "source": "Attributed by", "evidence": "Evidence",
    "days_left": "Days before stall", "weight": "Weight", "budget_weight": "Budget share",
    "cohort": "Cohort", "origin": "Pilot start", "origin_source": "Pilot start, from",
    "outcome": "Outcome", "end_date": "Outcome date", "end_source": "Outcome date, from",
    "days": "Months from pilot start", "left_out_reason": "Left out because", "k": "Causes (n)",
    "budget_remaining": "Budget not yet spent", "remedies": "Remedy", "decision": "The board's choice",
    "age_days": "Months since pilot start", "chance_pct": "Chance of launch in 6 months (%)",
}


MONEY_COLUMNS = frozenset({"budget", "spend_to_date", "expected_value", "realized_value", "budget_weight",
                           "budget_remaining"})
DATE_COLUMNS = frozenset({"stage_since", "origin", "end_date", "as_of", "pilot_start", "production_date"})


#: Streamlit's named money formats; other currencies are written with their prefix.
_NUMBER_FORMATS = {"USD": "dollar", "EUR": "euro", "JPY": "yen"}


def money_label(label: str, currency: str) -> str:
    """A money column's header names its currency: 'Budget (EUR)'."""
    return f"{label} ({currency})"


def _column_config(frame, currency: str) -> dict[str, Any]:
    # Values are st.column_config columns or labels (Streamlit does not export their type).
    config: dict[str, Any] = {}
    for column in frame.columns:
        label = COLUMN_LABELS.get(column, column)
        if column in MONEY_COLUMNS:
            money_format = _NUMBER_FORMATS.get(
                currency, currency_prefix(currency).replace("%", "%%") + "%.0f")
            config[column] = st.column_config.NumberColumn(
                money_label(label, currency), format=money_format)
        elif column in DATE_COLUMNS:
            config[column] = st.column_config.DateColumn(label, format="YYYY-MM-DD")
        elif column == "chance_pct":
            config[column] = st.column_config.ProgressColumn(label, format="%d%%", min_value=0, max_value=100)
        elif column == "weight":
            config[column] = st.column_config.NumberColumn(label, format="%.2f")
        else:
            config[column] = label
    return config


DETAIL_ANCHOR = "initiative-detail"


def scroll_to(anchor: str, token: str) -> None:
    """Bring the heading `anchor` into view once per `token` (a new selection scrolls, a rerun
    with the same one does not). Streamlit has no scroll API; a zero-height component's script
    reaches the page it is embedded in (same origin)."""
    import hashlib
    import json

    from streamlit.components.v1 import html

    # The token is workbook text (an initiative ID): only its digest goes into the script.
    digest = hashlib.sha256(token.encode()).hexdigest()[:16]
    html(
        f"<script>/* {digest} */"
        "const el = window.parent.document.getElementById(" + json.dumps(anchor) + ");"
        "if (el) { el.scrollIntoView({behavior: 'smooth', block: 'start'}); }</script>",
        height=0,
    )


def page_slides_button(scope: ReportScope, ctx: ChartContext, charts: tuple[Chart, ...], page: str) -> None:
    """This page's charts (catalog entries) as slides, in the board pack's style, built when
    clicked. Charts that ignore the filters are left out under them, and the deck says so."""
    from dashboard import data

    st.download_button(
        "Slides for this page (.pptx)", data=lambda: data.page_slides(scope, charts),
        file_name=f"{ctx.file_stem(f'slides-{page}')}.pptx",
        mime="application/vnd.openxmlformats-officedocument.presentationml.presentation",
        on_click="ignore", icon=":material/slideshow:", key=f"slides-{page}",
        help="The title slide, the headline figures, then this page's charts with the finding "
             "as each slide's title and the numbers behind it in the notes.",
    )


def table_downloads(frame, stem: str, *, key: str, currency: str = DEFAULT_CURRENCY) -> None:
    """CSV and Excel copies of a table, built on click, with formula injection neutralised;
    money columns name their currency in the header."""
    from analytics.tablefiles import to_csv_bytes, to_xlsx_bytes

    readable = frame.rename(columns={
        c: money_label(COLUMN_LABELS.get(c, c), currency) if c in MONEY_COLUMNS
        else COLUMN_LABELS.get(c, c) for c in frame.columns})
    left, right, _ = st.columns([1, 1, 4])
    left.download_button(
        "CSV", data=lambda: to_csv_bytes(readable), file_name=f"{stem}.csv", mime="text/csv",
        icon=":material/download:", key=f"{key}-csv",
    )
    right.download_button(
        "Excel", data=lambda: to_xlsx_bytes(readable, stem[:31]), file_name=f"{stem}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        icon=":material/download:", key=f"{key}-xlsx",
    )


#: Codes the metrics write into table cells, in the words a reader uses (the codes are declared
#: in analytics.metrics.types; the method behind them is on each page's "About this figure").
_VALUE_WORDS: dict[str, str] = {
    CENSORED: "Still in progress",
    FROM_PILOT_START: "Pilot start date",
    FROM_PRODUCTION_DATE: "Production date",
    FROM_STAGE_ENTERED: "Date the stage was entered",
    FROM_SNAPSHOT: "Month first seen in the export",
    FROM_AS_OF: "This month (still in progress)",
    UNKNOWN_ORIGIN: "Pilot start unknown",
    EVENT_BEFORE_ORIGIN: "Outcome dated before the pilot start",
    ORIGIN_AFTER_AS_OF: "Pilot start after this month",
    BY_ANALYST: "Analyst's stall cause",
    BY_RULES: "The five rules",
}
_WORDED_COLUMNS = ("outcome", "origin_source", "end_source", "stage_since_source", "left_out_reason",
                   "cause_source", "source")


def in_words(code: str) -> str:
    """A code the metrics write (a left-out reason, a date's source) as a reader says it."""
    return _VALUE_WORDS.get(code, code)


def _readable_values(frame):
    """Codes in a table's cells as words ("Still in progress", not censored)."""
    changes = {c: frame[c].map(lambda v: _VALUE_WORDS.get(v, v) if isinstance(v, str) else v)
               for c in _WORDED_COLUMNS if c in frame.columns}
    # Time from pilot start reads in months, as on the charts (one unit for time to production).
    for column in ("days", "age_days"):
        if column in frame.columns:
            changes[column] = (frame[column].astype(float) / DAYS_PER_MONTH).round(1)
    if "outcome" in changes:
        changes["outcome"] = changes["outcome"].map(
            lambda v: v.capitalize() if isinstance(v, str) and v == v.lower() else v)
    return frame.assign(**changes) if changes else frame


def _readable_causes(frame):
    """Cause keys as people read them ("Generic tools", not generic_tools)."""
    from analytics.domain import CAUSE_LABELS

    changes = {}
    if "cause" in frame.columns:
        changes["cause"] = frame["cause"].map(lambda c: CAUSE_LABELS.get(c, c))
    if "causes" in frame.columns:
        changes["causes"] = frame["causes"].map(
            lambda cs: tuple(CAUSE_LABELS.get(c, c) for c in cs) if isinstance(cs, (tuple, list)) else cs
        )
    return frame.assign(**changes) if changes else frame


def initiative_table(frame, *, key: str | None = None,
                     height: int | Literal["auto", "content", "stretch"] = "auto",
                     download: str | None = None, selectable: bool = False,
                     currency: str = DEFAULT_CURRENCY):
    """Initiatives as a table: text stays text (st.dataframe never renders Markdown).

    `download` names the file stem of CSV/Excel copies offered under the table; with
    `selectable`, one row can be picked and the selection event is returned."""
    shown = _readable_values(_readable_causes(frame))
    config = _column_config(shown, currency)
    if selectable:
        event = st.dataframe(shown, hide_index=True, key=key, height=height, column_config=config,
                             on_select="rerun", selection_mode="single-row")
    else:
        st.dataframe(shown, hide_index=True, key=key, height=height, column_config=config)
        event = None
    if download and not frame.empty:
        table_downloads(shown, download, key=key or download, currency=currency)
    return event


@dataclass(frozen=True, slots=True)
class Selection:
    """The initiatives behind the points a reader clicked on one chart."""

    frame: pd.DataFrame
    key: str
    stem: str
    currency: str = DEFAULT_CURRENCY


def chart_styles() -> None:
    """Every chart at least as wide as its narrowest picture (theme.NARROWEST_WIDTH, 800 px), the
    width its title and subtitle are wrapped to: in a narrower window the page scrolls sideways
    rather than clip a title. Style only: it takes no room on the page."""
    from analytics.charts.theme import NARROWEST_WIDTH

    # A constant style rule: no workbook or URL text ever reaches st.html.
    st.html(f"<style>[data-testid='stPlotlyChart'] {{ min-width: {NARROWEST_WIDTH}px; }}</style>")


def chart(entry: Chart, scope: ReportScope, ctx: ChartContext, *, key: str | None = None, behind=None,
          initiative_id: str | None = None, initiative_name: str | None = None,
          hint: str = "a bar") -> Selection | None:
    """A board-ready chart from the catalog; when `behind` is given, clicking a bar selects its
    initiatives, returned for `selection_table` to list at full width under the chart's row.

    `behind(customdata) -> DataFrame` resolves one clicked point's customdata.
    """
    from analytics.charts.theme import download_config
    from dashboard import data

    key = key or entry.key
    stem = entry.key if initiative_id is None else f"{entry.key}-{initiative_id}"
    fig = data.figure(entry, scope, initiative_id=initiative_id, initiative_name=initiative_name)
    config = download_config(entry.context(ctx), stem)
    if behind is None:
        st.plotly_chart(fig, key=key, config=config, theme=None)
        return None
    event = st.plotly_chart(
        fig, key=key, config=config, theme=None, on_select="rerun", selection_mode="points",
    )
    points = event.selection.points if event else []
    if not points:
        st.caption(f"Click {hint} to list the initiatives behind it.")
        return None
    import pandas as pd

    frames = [behind(p.get("customdata")) for p in points if p.get("customdata") is not None]
    if not frames:
        return None
    selected = pd.concat(frames).drop_duplicates(subset=["initiative_id"]) if len(frames) > 1 else frames[0]
    return Selection(selected, key, f"{ctx.file_stem(stem)}-selection", ctx.currency)


def selection_table(*selections: Selection | None) -> None:
    """The initiatives behind clicked points, each at the full width of the page."""
    for selection in selections:
        if selection is None:
            continue
        n = len(selection.frame)
        st.markdown(f"**{n} {'initiative' if n == 1 else 'initiatives'} behind your selection**")
        initiative_table(selection.frame, key=f"{selection.key}-behind", download=selection.stem,
                         currency=selection.currency)
