"""Data (analysts): load a monthly export, check it, commit it; history, delete, template."""
from __future__ import annotations

import streamlit as st

from analytics.domain import ALL_STAGES, FIELD_BY_NAME, FIELD_NAMES, STAGE_LABELS
from analytics.formatting import DEFAULT_CURRENCY
from analytics.ingest import as_of_from_name, parse_month
from analytics.ingest.choices import mapping_choices
from analytics.problems import ImportRefused, PortfolioError
from dashboard import auth, components, data, filters, frame, heap, tables

IGNORE = "(ignore this column)"
MAP_PREFIX = "map::"
CHANGED_MAPPING = "data::changed_mapping"
STAGE_PREFIX = "stage::"
CHOOSE_STAGE = "(choose a stage)"
AUTO_SHEET = "(let the import choose)"
SHEET_KEY = "data::sheet"
SAMPLE_KEY = "data::sample"
REMOVE_SAMPLE = "Remove the sample portfolio and load this export (recommended)"
KEEP_SAMPLE = "Keep the sample portfolio; do not import yet"
UPLOAD_ROUND = "data::upload_round"
JUST_LOADED = "data::just_loaded"
PENDING_MONTH = "data::pending_month"
SHOWN_PER_KIND = 100

# After a commit the as-of filter moves to the month just loaded: set before the sidebar
# draws its selectbox (a widget's state cannot change once it is drawn in a run).
if PENDING_MONTH in st.session_state:
    st.session_state[filters.MONTH_KEY] = st.session_state.pop(PENDING_MONTH)

frame.start(needs_data=False)
access = auth.require_analyst()
# What the last run freed (a plan just committed or replaced, an upload's request body) goes
# back to the system before this run reads anything: issue #11's 500 MB is the server's peak.
heap.give_back()

st.title("Data")
st.write(
    "Load the monthly export of the initiative portfolio. Nothing is written until you commit, "
    "and a month either lands whole or not at all."
)


def _problem_groups(problems, *, key: str, expanded: bool = False) -> None:
    """Problems grouped by kind with counts; every text whole; all of them downloadable."""
    for label, count, texts in tables.problem_groups(problems):
        with st.expander(f"{label}: {count}", expanded=expanded):
            st.markdown("\n".join(f"- {components.escape_md(t)}" for t in texts[:SHOWN_PER_KIND]))
            if count > SHOWN_PER_KIND:
                st.caption(f"... and {count - SHOWN_PER_KIND} more in the download.")
    st.download_button(
        "Download these as CSV", data=tables.problems_csv(problems), file_name=f"{key}.csv",
        mime="text/csv", icon=":material/download:", key=f"download-{key}",
    )


just_loaded = st.session_state.pop(JUST_LOADED, None)
if just_loaded is not None:
    st.success(just_loaded["text"], icon=":material/check_circle:")
    if just_loaded["warnings"]:
        st.markdown(f"**Warnings kept with {just_loaded['month']}**")
        _problem_groups(just_loaded["warnings"], key=f"warnings-{just_loaded['month_key']}")

upload_round = st.session_state.get(UPLOAD_ROUND, 0)


def _mapping_from_widgets() -> dict[str, str | None]:
    # Only the columns the analyst changed: a dropdown left at the import's own choice is no
    # new mapping, so the prepared upload (cached per mapping) is not read a second time.
    return dict(st.session_state.get(CHANGED_MAPPING, {}))


def _mapping_changed(header: str) -> None:
    value = st.session_state[f"{MAP_PREFIX}{header}"]
    st.session_state[CHANGED_MAPPING] = {**st.session_state.get(CHANGED_MAPPING, {}),
                                         header: None if value == IGNORE else value}


def _stages_from_widgets() -> dict[str, str]:
    return {
        key[len(STAGE_PREFIX):]: value for key, value in st.session_state.items()
        if isinstance(key, str) and key.startswith(STAGE_PREFIX) and value
        and value != CHOOSE_STAGE
    }


def _forget_choices() -> None:
    for key in list(st.session_state):
        if isinstance(key, str) and (key.startswith((MAP_PREFIX, STAGE_PREFIX))
                                     or key in (SHEET_KEY, SAMPLE_KEY, CHANGED_MAPPING)):
            del st.session_state[key]


def _commit(plan, upload_id: str, replace: bool, replace_sample: bool) -> None:
    try:
        result = data.commit_upload(plan, replace=replace, user=access.user,
                                    replace_sample=replace_sample)
    except PortfolioError as exc:
        components.show_domain_error(exc)
        return
    data.forget_upload(upload_id)
    month = f"{result.as_of:%B %Y}"
    if result.status == "unchanged":
        text = f"{month} already holds this exact file: nothing changed."
    else:
        text = (f"{month} {result.status}: {result.rows} initiatives, "
                f"{len(result.warnings)} warnings kept with the snapshot. The as-of month now "
                f"shows {month}.")
        if replace_sample:
            text += " The sample portfolio was removed."
    st.session_state[JUST_LOADED] = {"text": text, "warnings": result.warnings, "month": month,
                                     "month_key": f"{result.as_of:%Y-%m}"}
    st.session_state[PENDING_MONTH] = result.as_of
    st.session_state[UPLOAD_ROUND] = upload_round + 1
    _forget_choices()
    st.rerun()


def _check(uploaded) -> None:
    """Preview the upload (what was found, the mapping, the problems) and offer the commit.

    A function, not module code: the page's globals outlive the run (the mapping dropdowns'
    callbacks keep them), and a plan held there (the rows and the workbook, 150 MB for a
    24 MB upload) stayed in memory after its commit, under the next upload's reading."""
    content = uploaded.getvalue()

    guessed = as_of_from_name(uploaded.name)
    month_text = st.text_input(
        "As-of month (YYYY-MM)", value=f"{guessed:%Y-%m}" if guessed else "",
        help="The month the export describes; pre-filled from the file name when it says.",
    )
    if not month_text.strip():
        st.warning("Enter the as-of month as YYYY-MM (for example 2025-03) to check the file.")
        st.stop()
    try:
        as_of = parse_month(month_text)
    except PortfolioError as exc:
        components.warning(str(exc))
        st.stop()

    chosen_sheet = st.session_state.get(SHEET_KEY)
    try:
        plan = data.prepare_upload(
            content, uploaded.name, as_of, _mapping_from_widgets() or None,
            _stages_from_widgets() or None,
            None if chosen_sheet in (None, AUTO_SHEET) else chosen_sheet,
        )
    except ImportRefused as exc:
        components.error(f"This file was refused: {exc}")
        if exc.problems:
            _problem_groups(exc.problems, key="refused", expanded=True)
        st.stop()
    except PortfolioError as exc:
        components.show_domain_error(exc)
        st.stop()

    st.subheader("What was found")
    col1, col2, col3, col4 = st.columns(4)
    col1.metric("Sheet", components.escape_md(plan.sheet))
    col2.metric("Header row", plan.header_row)
    col3.metric("Initiatives", len(plan.rows))
    col4.metric("Currency", plan.currency or DEFAULT_CURRENCY,
                help="Taken from the currency marks in the amounts and the money headers; "
                     "US dollars when none is written.")
    if plan.sheets_passed:
        st.caption("Sheets passed over: " + ", ".join(
            components.escape_md(name) for name in plan.sheets_passed))
    if len(plan.sheets) > 1:
        st.selectbox(
            "Sheet to import", options=[AUTO_SHEET, *plan.sheets], key=SHEET_KEY,
            help="The import takes the visible sheet with the most rows under a complete header "
                 "row; choose another sheet here if that is not the export.",
        )
    st.dataframe(tables.column_rows(plan), hide_index=True)

    mapped = {c.field for c in plan.columns if c.field}
    choices = mapping_choices(plan)
    adjustable = choices.columns
    if adjustable:
        st.markdown("**Columns to map** — choose the field each column holds; remembered next month.")
        for column in adjustable:
            options = [IGNORE, *[f for f in FIELD_NAMES if f not in mapped or f == column.field]]
            current = column.field if column.field else IGNORE
            st.selectbox(
                components.escape_md(column.header), options=options, index=options.index(current),
                format_func=lambda f: f if f == IGNORE else FIELD_BY_NAME[f].label,
                key=f"{MAP_PREFIX}{column.header}", on_change=_mapping_changed, args=(column.header,),
            )
    if choices.left_out:
        st.caption(
            f"{choices.left_out:,} more unmatched columns are not listed "
            f"({choices.left_out_empty:,} of them hold no data); they are kept as extra columns. "
            "Map one with a mapping file (README, --mapping) or by renaming its header."
        )

    stage_words = list(dict.fromkeys([*plan.unknown_stages, *(w for w, _ in plan.stage_mapping)]))
    if stage_words:
        st.markdown("**Stage words to map** — this tracker's own words for a stage; "
                    "remembered next month.")
        stage_options = [CHOOSE_STAGE, *[s.value for s in ALL_STAGES]]
        for word in stage_words:
            st.selectbox(
                f"Stage word '{components.escape_md(word)}'", options=stage_options,
                format_func=lambda s: s if s == CHOOSE_STAGE else STAGE_LABELS[s],
                key=f"{STAGE_PREFIX}{word}",
            )

    st.subheader("Validation")
    if plan.errors:
        st.error(
            f"{len(plan.errors)} problems block this import. Fix them in the workbook (or map the "
            "columns and stage words above) and upload again; nothing has been written."
        )
        _problem_groups(plan.errors, key="errors", expanded=True)
    else:
        st.success("No blocking problems.")
    if plan.warnings:
        st.warning(f"{len(plan.warnings)} warnings: the import can proceed; they are kept with the month.")
        _problem_groups(plan.warnings, key="warnings")

    replace_sample = False
    if data.is_sample():
        choice = st.radio(
            "The database holds the sample portfolio. Real data is never mixed with it:",
            options=[REMOVE_SAMPLE, KEEP_SAMPLE], index=0, key=SAMPLE_KEY,
        )
        replace_sample = choice == REMOVE_SAMPLE
        if not replace_sample:
            st.caption("Nothing will be imported while the sample is kept.")
    exists = as_of in data.months() and not replace_sample
    replace = False
    if exists:
        replace = st.checkbox(
            f"{as_of:%B %Y} is already loaded: replace it with this file",
            help="The previous file stays in the import history and in the backups.",
        )
    blocked = (bool(plan.errors) or (exists and not replace)
               or (data.is_sample() and not replace_sample))
    if st.button(f"Commit {as_of:%B %Y}", type="primary", disabled=blocked):
        _commit(plan, uploaded.file_id, replace, replace_sample)


def _upload() -> None:
    # The uploader's file in a local too: a module global outlived the run, holding a copy of
    # the upload's bytes after its commit.
    uploaded = st.file_uploader(
        "Monthly export (Excel workbook)",
        type=["xlsx", "xlsm", "xls", "xlsb", "ods"],
        help="Any sheet, any header row: headers are matched against known synonyms (listed under "
             "'Which headers and stage words the import understands' at the bottom of this page).",
        key=f"upload-{upload_round}",
    )
    if uploaded is not None:
        _check(uploaded)


_upload()

st.divider()
st.subheader("Loaded months")
months = data.months()
if not months:
    st.info("No month is loaded yet. Upload the first export above.")
else:
    st.dataframe(data.snapshot_table(), hide_index=True)
    with st.expander("Delete a month"):
        target = st.selectbox("Month", options=months[::-1], format_func=lambda d: f"{d:%B %Y}")
        sure = st.checkbox(f"Yes, delete {target:%B %Y}; the audit keeps a record")
        if st.button("Delete month", disabled=not sure):
            try:
                removed = data.delete_month(target, user=access.user)
            except PortfolioError as exc:
                components.show_domain_error(exc)
            else:
                st.success(f"Deleted {target:%B %Y} ({removed} initiatives).")

st.subheader("Import history")
history = data.audit()
if history.empty:
    st.caption("Nothing imported yet.")
else:
    st.dataframe(history, hide_index=True)

with st.expander("Which headers and stage words the import understands"):
    st.write(
        "Headers are matched ignoring case and punctuation; a currency or scale in a money "
        "header applies to that column (`Budget (EUR)`, `Budget ($k)`, `Spend (EUR m)`). "
        "A header or stage word the import does not know can be mapped below once the file is "
        "read; the choice is remembered for next month."
    )
    st.dataframe(tables.stage_words(), hide_index=True)
    st.dataframe(tables.header_synonyms(), hide_index=True)

st.download_button(  # built on the click: the function, not its bytes
    "Download a blank template workbook", data=data.template_bytes,
    file_name="portfolio-template.xlsx",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    icon=":material/download:",
)
