"""The dashboard's pages, once: app.py builds the navigation from this, and the tests and the
page benchmark visit exactly these pages."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PageSpec:
    script: str            # path relative to app.py
    title: str
    icon: str
    analysts_only: bool = False

    @property
    def name(self) -> str:
        """The script's stem: 'funnel' for pages/funnel.py."""
        return self.script.removeprefix("pages/").removesuffix(".py")

    @property
    def url_path(self) -> str:
        """What Streamlit serves the page at ('' for the default page)."""
        return "" if self is PAGES[0] else self.name


PAGES: tuple[PageSpec, ...] = (
    PageSpec("pages/overview.py", "Overview", ":material/dashboard:"),
    PageSpec("pages/funnel.py", "Funnel and cohorts", ":material/filter_alt:"),
    PageSpec("pages/time_to_production.py", "Time to production", ":material/timer:"),
    PageSpec("pages/stalls.py", "Stalls and causes", ":material/block:"),
    PageSpec("pages/value.py", "Value", ":material/payments:"),
    PageSpec("pages/decisions.py", "Decisions", ":material/gavel:"),
    PageSpec("pages/initiatives.py", "Initiatives", ":material/list:"),
    PageSpec("pages/data.py", "Data", ":material/upload_file:", analysts_only=True),
)
BROWSING: tuple[PageSpec, ...] = tuple(p for p in PAGES if not p.analysts_only)
