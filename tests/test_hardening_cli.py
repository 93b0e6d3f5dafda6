"""A bad --db is a sentence and exit 2, never a DuckDB traceback (issue 11, case 7)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

SAMPLE = ROOT / "data" / "sample"


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "analytics", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=False)


def _refused(db: Path) -> list[str]:
    said = []
    for command in (["snapshots"], ["report", "--as-of", "2026-10"],
                    ["import", str(SAMPLE / "portfolio-2026-10.xlsx")]):
        done = _cli(*command, "--db", str(db))
        assert done.returncode == 2, (command, done.stdout, done.stderr)
        assert "Traceback" not in done.stderr and done.stderr.startswith("error: ")
        assert len(done.stderr.strip().splitlines()) == 1
        said.append(done.stderr)
    return said


def test_a_directory(tmp_path: Path) -> None:
    for said in _refused(tmp_path):
        assert "is a directory" in said


def test_a_text_file(tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("initiatives to check\n" * 200)
    for said in _refused(text):
        assert "is not a DuckDB database" in said and "backups restore" in said
    assert text.read_text() == "initiatives to check\n" * 200


def test_a_damaged_database_points_at_backups_restore(tmp_path: Path) -> None:
    db = tmp_path / "portfolio.duckdb"
    assert _cli("import", str(SAMPLE / "portfolio-2026-09.xlsx"), "--db", str(db)).returncode == 0
    with db.open("r+b") as handle:  # the first block after the headers: the catalog
        handle.seek(3 * 4096 + 100)
        handle.write(b"\x00\xff" * 2048)
    for said in _refused(db):
        assert "damaged" in said and "python -m analytics backups restore NAME" in said
