"""Reading pages keep working while another process writes (an import from the CLI)."""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.support.environment import ROOT

HOLD_SECONDS = 2.0
# Opens the database for writing (as an import does) and holds DuckDB's lock for a while.
WRITER = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
con.execute("CREATE TABLE IF NOT EXISTS writer_was_here (x INTEGER)")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
con.close()
"""


pytestmark = pytest.mark.usefixtures("fresh_streamlit_caches")


@pytest.mark.parametrize("page", ["pages/overview.py", "pages/stalls.py"])
def test_a_page_renders_while_another_process_holds_the_write_lock(sample_db: Path, page: str) -> None:
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(sample_db), str(HOLD_SECONDS)],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert writer.stdout.readline().strip() == "locked"
        started = time.monotonic()
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
        at.switch_page(page).run()
        assert not at.exception, [e.value for e in at.exception]
        assert not at.error, [e.value for e in at.error]
        assert at.title, "the page rendered"
        # It waited for the writer rather than failing at once.
        assert time.monotonic() - started >= HOLD_SECONDS * 0.5
    finally:
        writer.wait(timeout=30)


def test_a_lock_held_too_long_is_explained_in_words(sample_db: Path) -> None:
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(sample_db), "9"], stdout=subprocess.PIPE, text=True,
    )
    try:
        assert writer.stdout.readline().strip() == "locked"
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
        assert not at.exception, [e.value for e in at.exception]
        message = " ".join(e.value for e in at.error).replace("\\", "")
        assert str(writer.pid) in message and "busy" in message
    finally:
        writer.wait(timeout=30)
