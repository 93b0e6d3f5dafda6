"""Every way of changing the data keeps a backup first: CLI import and delete (the Data page is
covered in test_app_data_page)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from analytics import store
from analytics.backup import list_backups
from tests.support.environment import ROOT

SAMPLE = ROOT / "data" / "sample"


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "analytics", *args], cwd=ROOT, capture_output=True, text=True,
        timeout=120,
    )


def test_cli_import_and_delete_back_up_the_database_first(db_file: Path) -> None:
    first = _cli("import", str(SAMPLE / "portfolio-2026-10.xlsx"), "--db", str(db_file))
    assert first.returncode == 0, first.stderr
    assert list_backups(db_file) == [], "nothing to back up before the first import"

    second = _cli("import", str(SAMPLE / "portfolio-2026-11.xlsx"), "--db", str(db_file))
    assert second.returncode == 0, second.stderr
    backups = list_backups(db_file)
    assert [b.action for b in backups] == ["import"]
    with store.connect(backups[0].path, read_only=True) as con:
        assert [f"{s.as_of:%Y-%m}" for s in store.list_snapshots(con)] == ["2026-10"]

    deleted = _cli("delete", "--as-of", "2026-10", "--yes", "--db", str(db_file))
    assert deleted.returncode == 0, deleted.stderr
    assert [b.action for b in list_backups(db_file)] == ["delete", "import"]


def test_a_refused_import_takes_no_backup(db_file: Path, tmp_path: Path) -> None:
    assert _cli("import", str(SAMPLE / "portfolio-2026-10.xlsx"), "--db", str(db_file)).returncode == 0
    bogus = tmp_path / "portfolio-2026-11.xlsx"
    bogus.write_bytes(b"not a workbook at all")
    refused = _cli("import", str(bogus), "--db", str(db_file))
    assert refused.returncode == 2
    assert "Traceback" not in refused.stderr
    assert list_backups(db_file) == []
