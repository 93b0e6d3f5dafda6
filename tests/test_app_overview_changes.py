"""The Overview's "what changed" section: counts on the first view, lists only when opened."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.support.environment import ROOT
from tests.support.scenario import PR, ST, I, P, S, row, write_months

pytestmark = pytest.mark.usefixtures("fresh_streamlit_caches")


def _ids(at: AppTest) -> list[list[str]]:
    return [sorted(d.value["initiative_id"].astype(str)) for d in at.dataframe]


def test_the_counts_show_at_once_and_each_list_only_when_opened(db_file: Path) -> None:
    # May -> June: A2 and A3 move up, A4 is stopped, A5 is new, A6 drops out of the export.
    write_months(db_file, {
        "2025-05": [
            row("A1", P, pilot_start="2025-01-10"),
            row("A2", P, pilot_start="2025-02-10"),
            row("A3", I),
            row("A4", S, pilot_start="2024-11-10"),
            row("A6", I),
        ],
        "2025-06": [
            row("A1", P, pilot_start="2025-01-10"),
            row("A2", S, pilot_start="2025-02-10"),
            row("A3", P, pilot_start="2025-06-02"),
            row("A4", ST, pilot_start="2024-11-10"),
            row("A5", PR, pilot_start="2025-03-01"),
        ],
    })
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]
    assert any(c.value == "Compared with May 2025." for c in at.caption)
    assert at.expander[0].label == (
        "Moved up a stage 2  ·  Newly stalled 0  ·  Stopped 1  ·  New 1  ·  Missing from this export 1"
    )
    assert not at.dataframe, "a first view sends no table"
    assert not at.download_button, "nor the board pack's buttons, until it is opened"

    at.session_state["overview-changes-open"] = True
    at.run()
    assert [t.label for t in at.tabs] == [
        "Moved up a stage (2)", "Newly stalled (0)", "Stopped (1)", "New (1)",
        "Missing from this export (1)",
    ]
    assert _ids(at) == [["A2", "A3"]], "only the open tab's list is built"

    at.session_state["overview-changes"] = "Missing from this export (1)"
    at.run()
    assert _ids(at) == [["A6"]]
