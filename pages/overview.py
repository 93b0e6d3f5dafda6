"""Overview: the headline figures, the funnel, the top stall causes and what changed."""
from __future__ import annotations

import streamlit as st

from analytics.boardpack import PPTX_MIME, ZIP_MIME, deck_file_name, zip_file_name
from analytics.charts import catalog
from analytics.charts.images import INSTALL_HINT
from analytics.kpis import decision_kpis, kpis
from analytics.metrics import Report
from analytics.provenance import ChartContext
from analytics.scope import ReportScope
from dashboard import components, data, frame

scope = frame.start()
report = data.report(scope)
ctx = data.chart_context(scope)

components.page_header("Overview", scope)
components.require_population(report)
previous = data.previous_report(scope)
components.kpi_tiles(kpis(report, previous) + decision_kpis(report, previous))

components.selection_table(components.chart(
    catalog.FUNNEL, scope, ctx, key="overview-funnel",
    behind=lambda stage: data.reached(scope, stage),
))
components.selection_table(components.chart(
    catalog.STALL_CAUSES, scope, ctx, key="overview-causes",
    behind=lambda cause: data.stalled_with_cause(scope, cause),
))
components.cause_data_gaps(report)
components.money_gaps(report)


@st.fragment
def what_changed(report: Report) -> None:
    st.subheader("What changed since last month")
    changes = report.changes
    if changes.previous_as_of is None:
        st.info("This is the first month loaded: there is nothing to compare with yet.")
    else:
        st.caption(f"Compared with {changes.previous_as_of:%B %Y}.")
        kinds = (
            ("Moved up a stage", changes.moved_up, "No initiative moved up a stage."),
            ("Newly stalled", changes.newly_stalled, "No initiative newly stalled."),
            ("Stopped", changes.stopped, "No initiative was stopped."),
            ("New", changes.new, "No new initiatives."),
            ("Missing from this export", changes.vanished, "Every initiative is still listed."),
        )
        # Below the fold the counts are the news; the lists behind them are built, sent and
        # drawn only once a reader opens them (a lazy expander, then lazy tabs): a first view
        # carries no table at all, and opening or switching reruns this fragment alone.
        lists = st.expander(
            "  ·  ".join(f"{label} {len(listing)}" for label, listing, _ in kinds),
            key="overview-changes-open", on_change="rerun", icon=":material/list:",
        )
        if not lists.open:
            return
        with lists:
            tabs = st.tabs([f"{label} ({len(listing)})" for label, listing, _ in kinds],
                           key="overview-changes", on_change="rerun")
            for tab, (_, listing, empty) in zip(tabs, kinds, strict=True):
                if not tab.open:
                    continue
                with tab:
                    if listing.empty:
                        st.caption(empty)
                    else:
                        components.initiative_table(listing, currency=report.currency)


what_changed(report)


# A fragment: ticking "editable charts" reruns this section, not the whole page.
@st.fragment
def board_pack_downloads(scope: ReportScope, ctx: ChartContext) -> None:
    # Below the fold: its buttons are built, sent and drawn once a reader opens it (a lazy
    # expander), so a first view carries none of them.
    st.subheader("Board pack")
    pack = st.expander("This month's slides (.pptx) and chart pictures", key="overview-pack-open",
                       on_change="rerun", icon=":material/slideshow:")
    if not pack.open:
        return
    with pack:
        _board_pack(scope, ctx)


def _board_pack(scope: ReportScope, ctx: ChartContext) -> None:
    st.caption(
        "This month's findings as slides, for the filters in force: the headline figures, then one "
        "slide per chart with the finding as its title and the numbers behind it in the speaker "
        "notes. Built when you click (about 10 seconds)."
    )
    pictures = data.can_draw_pictures()
    native = st.checkbox(
        "Editable PowerPoint charts where possible", key="pack-native", value=not pictures,
        help="Funnel, trend, cohorts, business units, stall causes and value become native charts you "
             "can restyle in PowerPoint; time to production and the heatmap stay pictures.",
    )
    pack_column, zip_column = st.columns(2)
    with pack_column:
        st.download_button(
            "Download board pack (.pptx)", data=lambda: data.board_pack(scope, native=native),
            file_name=deck_file_name(ctx), mime=PPTX_MIME, on_click="ignore",
            icon=":material/slideshow:", type="primary", key="board-pack", width="stretch",
        )
    with zip_column:
        st.download_button(
            "Charts as PNG (.zip)", data=lambda: data.charts_zip(scope), file_name=zip_file_name(ctx),
            mime=ZIP_MIME, on_click="ignore", icon=":material/folder_zip:", key="charts-zip",
            disabled=not pictures, width="stretch",
            help="Every chart of the pack as a 4800x2700 PNG, for people who build their own slides.",
        )
    if not pictures:
        st.caption(
            f"Chromium is needed to draw the charts as pictures: `{INSTALL_HINT}`. Without it the "
            "board pack still comes out, with editable charts where possible and the numbers behind "
            "every chart in its notes."
        )


board_pack_downloads(scope, ctx)
