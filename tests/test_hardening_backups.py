"""Backups keep the good ones (issue 11, case 3): a backup only before a real write, none
identical to the newest, never one of a damaged database; `backups list` marks the verified."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from analytics.backup import DatabaseDamaged, list_backups, make_backup
from tests.conftest import ROOT

SAMPLE = ROOT / "data" / "sample"
HEADER_BYTES = 3 * 4096     # DuckDB's file header and its two database headers
BLOCK_BYTES = 262_144       # DuckDB's default block size


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "analytics", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=False)


def _import(db: Path, month: str, *extra: str) -> subprocess.CompletedProcess[str]:
    return _cli("import", str(SAMPLE / f"portfolio-{month}.xlsx"), "--db", str(db), *extra)


def _damage_a_data_block(db: Path) -> None:
    """Overwrite part of one block holding the initiatives' rows: the file still opens (its
    catalog is intact) but reading that table fails its checksum."""
    with duckdb.connect(str(db), read_only=True) as con:
        blocks = sorted({row[0] for row in con.execute(
            "SELECT block_id FROM pragma_storage_info('initiative_rows') WHERE block_id >= 0").fetchall()})
    with db.open("r+b") as handle:
        handle.seek(HEADER_BYTES + blocks[len(blocks) // 2] * BLOCK_BYTES + 1_000)
        handle.write(b"\xde\xad\xbe\xef" * 256)


def test_no_op_imports_and_refusals_take_no_backup(db_file: Path) -> None:
    assert _import(db_file, "2026-09").returncode == 0
    assert _import(db_file, "2026-10").returncode == 0
    [good] = list_backups(db_file)
    for _ in range(6):
        again = _import(db_file, "2026-10")
        assert again.returncode == 0 and "nothing changed" in again.stdout
        other = _cli("import", str(SAMPLE / "portfolio-2026-11.xlsx"), "--as-of", "2026-10",
                     "--db", str(db_file))
        assert other.returncode == 2 and "--replace" in other.stderr
    assert list_backups(db_file) == [good]
    assert good.verified


def test_a_backup_identical_to_the_newest_is_not_taken_twice(db_file: Path) -> None:
    assert _import(db_file, "2026-09").returncode == 0
    assert _import(db_file, "2026-10").returncode == 0
    # Two backups in a row without a change between them need one copy, not two.
    before = list_backups(db_file)
    first = make_backup(db_file, "delete")
    second = make_backup(db_file, "delete")
    assert first == second == list_backups(db_file)[0].path
    assert len(list_backups(db_file)) == len(before) + 1


def test_a_damaged_database_is_never_backed_up_and_the_good_backups_stay(db_file: Path) -> None:
    for month in ("2026-08", "2026-09", "2026-10"):
        assert _import(db_file, month).returncode == 0
    good = list_backups(db_file)
    assert len(good) == 2 and all(b.verified for b in good)
    _damage_a_data_block(db_file)
    with pytest.raises(DatabaseDamaged, match="damaged: it fails an integrity read"):
        make_backup(db_file, "import")
    assert list_backups(db_file) == good

    for _ in range(6):
        failed = _import(db_file, "2026-11")
        assert failed.returncode == 2, failed.stdout
        assert "damaged" in failed.stderr and "backups restore" in failed.stderr
        assert "Traceback" not in failed.stderr
    assert list_backups(db_file) == good

    listed = _cli("backups", "list", "--db", str(db_file))
    assert listed.returncode == 0
    assert sum("verified" in line for line in listed.stdout.splitlines()[2:]) == 2

    restored = _cli("backups", "restore", good[0].name, "--yes", "--db", str(db_file))
    assert restored.returncode == 0, restored.stderr
    assert _import(db_file, "2026-11").returncode == 0
