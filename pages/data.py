"""Data (analysts): load a monthly export, check it, commit it; history, delete, template."""
from __future__ import annotations

import streamlit as st

from analytics.domain import FIELD_BY_NAME, FIELD_NAMES
from analytics.ingest import as_of_from_name, parse_month
from analytics.problems import ImportRefused, PortfolioError
from dashboard import auth, components, data, frame

IGNORE = "(ignore this column)"
MAP_PREFIX = "map::"

frame.start(needs_data=False)
access = auth.require_analyst()

st.title("Data")
st.write(
    "Load the monthly export of the initiative portfolio. Nothing is written until you commit, "
    "and a month either lands whole or not at all."
)

uploaded = st.file_uploader(
    "Monthly export (Excel workbook)",
    type=["xlsx", "xlsm", "xls", "xlsb", "ods"],
    help="Any sheet, any header row: headers are matched against known synonyms.",
)


def _mapping_from_widgets() -> dict[str, str | None]:
    mapping: dict[str, str | None] = {}
    for key, value in st.session_state.items():
        if isinstance(key, str) and key.startswith(MAP_PREFIX) and value:
            mapping[key[len(MAP_PREFIX):]] = None if value == IGNORE else value
    return mapping


def _commit(plan, replace: bool) -> None:
    try:
        result = data.commit_upload(plan, replace=replace, user=access.user)
    except PortfolioError as exc:
        components.show_domain_error(exc)
        return
    if result.status == "unchanged":
        st.info(f"{result.as_of:%B %Y} already holds this exact file: nothing changed.")
    else:
        st.success(
            f"{result.as_of:%B %Y} {result.status}: {result.rows} initiatives, "
            f"{len(result.warnings)} warnings kept with the snapshot."
        )


if uploaded is not None:
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

    try:
        plan = data.prepare_upload(content, uploaded.name, as_of, _mapping_from_widgets() or None)
    except ImportRefused as exc:
        components.error(f"This file was refused: {exc}")
        if exc.problems:
            st.dataframe(data.problem_rows(exc.problems), hide_index=True)
        st.stop()
    except PortfolioError as exc:
        components.show_domain_error(exc)
        st.stop()

    st.subheader("What was found")
    col1, col2, col3 = st.columns(3)
    col1.metric("Sheet", components.escape_md(plan.sheet))
    col2.metric("Header row", plan.header_row)
    col3.metric("Initiatives", len(plan.rows))
    st.dataframe(data.column_rows(plan), hide_index=True)

    mapped = {c.field for c in plan.columns if c.field}
    choices = data.mapping_choices(plan)
    adjustable = choices.columns
    if adjustable:
        st.markdown("**Columns to map** — choose the field each column holds; remembered next month.")
        for column in adjustable:
            options = [IGNORE, *[f for f in FIELD_NAMES if f not in mapped or f == column.field]]
            current = column.field if column.field else IGNORE
            st.selectbox(
                components.escape_md(column.header), options=options, index=options.index(current),
                format_func=lambda f: f if f == IGNORE else FIELD_BY_NAME[f].label,
                key=f"{MAP_PREFIX}{column.header}",
            )
    if choices.left_out:
        st.caption(
            f"{choices.left_out:,} more unmatched columns are not listed "
            f"({choices.left_out_empty:,} of them hold no data); they are kept as extra columns. "
            "Map one with a mapping file (README, --mapping) or by renaming its header."
        )

    st.subheader("Validation")
    if plan.errors:
        st.error(
            f"{len(plan.errors)} problems block this import. Fix them in the workbook (or map the "
            "columns above) and upload again; nothing has been written."
        )
        st.dataframe(data.problem_rows(plan.errors), hide_index=True)
    else:
        st.success("No blocking problems.")
    if plan.warnings:
        st.warning(f"{len(plan.warnings)} warnings: the import can proceed; they are kept with the month.")
        st.dataframe(data.problem_rows(plan.warnings), hide_index=True)

    exists = as_of in data.months()
    replace = False
    if exists:
        replace = st.checkbox(
            f"{as_of:%B %Y} is already loaded: replace it with this file",
            help="The previous file stays in the import history and in the backups.",
        )
    blocked = bool(plan.errors) or (exists and not replace)
    if st.button(f"Commit {as_of:%B %Y}", type="primary", disabled=blocked):
        _commit(plan, replace)

st.divider()
st.subheader("Loaded months")
months = data.months()
if not months:
    st.info("No month is loaded yet. Upload the first export above.")
else:
    st.dataframe(data.snapshot_rows(), hide_index=True)
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

st.download_button(
    "Download a blank template workbook", data=data.template_bytes(),
    file_name="portfolio-template.xlsx",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    icon=":material/download:",
)
