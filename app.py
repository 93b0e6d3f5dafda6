"""The entry point: who may see what, and the navigation. Each page draws its own frame
(dashboard.frame.start) so it is complete however Streamlit routes to it."""
from __future__ import annotations

import streamlit as st

from analytics.problems import PortfolioError
from dashboard import components, frame, heap
from dashboard.registry import PAGES

heap.use_system_allocator()
access = frame.gate()

sections: dict[str, list[st.Page]] = {"Portfolio": [], "Analysts": []}
for spec in PAGES:
    # Viewers never see analysts' pages listed; those pages also re-check the role themselves.
    if spec.analysts_only and not access.can_import:
        continue
    section = "Analysts" if spec.analysts_only else "Portfolio"
    sections[section].append(
        st.Page(spec.script, title=spec.title, icon=spec.icon, default=spec is PAGES[0])
    )

try:
    with frame.entered(access):
        st.navigation({name: pages for name, pages in sections.items() if pages}).run()
except PortfolioError as exc:
    # e.g. the database stayed locked by a long import: words on the page, never a traceback.
    components.show_domain_error(exc)

heap.freeze_after_first_run()
