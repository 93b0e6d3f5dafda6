"""Backups: a copy of the database before each change, the newest few kept, any one restorable
(and the restore itself undoable)."""
from __future__ import annotations

import hashlib
import io
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from analytics import backup, store
from analytics.cli import main
from analytics.problems import PortfolioError, StoreLocked
from tests.support import hostile
from tests.support.environment import ROOT

JAN, FEB, MAR = date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1)


def months_in(path: Path) -> list[date]:
    with store.connect(path, read_only=True) as con:
        return [s.as_of for s in store.list_snapshots(con)]


def digest(path: Path) -> dict[str, tuple[int, int]]:
    with store.connect(path, read_only=True) as con:
        return hostile.database_digest(con)


def portfolio_with(path: Path, *months: date) -> Path:
    with store.connect(path) as con:
        for n, month in enumerate(months):
            hostile.store_month(con, month, hostile.canonical_rows(200 + n, seed=n))
    return path


def test_nothing_to_back_up_before_the_first_import(db_file: Path) -> None:
    assert backup.make_backup(db_file, "import") is None
    assert backup.list_backups(db_file) == []
    assert not db_file.exists()


def test_a_backup_is_the_database_as_it_was_before_the_change(db_file: Path) -> None:
    portfolio_with(db_file, JAN, FEB)
    before = digest(db_file)

    taken = backup.make_backup(db_file, "import")
    with store.connect(db_file) as con:
        hostile.store_month(con, MAR, hostile.canonical_rows(50, seed=9))

    assert taken is not None and taken.parent == db_file.parent / "backups"
    assert taken.name.startswith("portfolio-") and taken.name.endswith("-import.duckdb")
    assert months_in(taken) == [JAN, FEB]
    assert digest(taken) == before
    assert months_in(db_file) == [JAN, FEB, MAR]
    [info] = backup.list_backups(db_file)
    assert (info.path, info.action) == (taken, "import")
    assert info.size == taken.stat().st_size


def test_only_the_newest_backups_are_kept(db_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    portfolio_with(db_file, JAN)
    taken = []
    for n, reason in enumerate(("import", "delete", "import", "import", "restore")):
        taken.append(backup.make_backup(db_file, reason, keep=3))
        with store.connect(db_file) as con:  # the change the backup was taken before
            hostile.store_month(con, date(2026, n + 1, 1), hostile.canonical_rows(20, seed=n))

    kept = backup.list_backups(db_file)

    assert [info.path for info in kept] == taken[:-4:-1]  # the last three, newest first
    assert [info.action for info in kept] == ["restore", "import", "import"]
    assert all(not path.exists() for path in taken[:2])

    monkeypatch.setenv(backup.BACKUPS_ENV, "1")
    backup.make_backup(db_file, "delete")
    assert backup.make_backup(db_file, "delete") == backup.list_backups(db_file)[0].path
    assert [info.action for info in backup.list_backups(db_file)] == ["delete"]


def test_backups_can_be_turned_off_and_a_bad_setting_is_explained(
        db_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    portfolio_with(db_file, JAN)

    monkeypatch.setenv(backup.BACKUPS_ENV, "0")
    assert backup.make_backup(db_file, "import") is None
    assert backup.list_backups(db_file) == []

    monkeypatch.setenv(backup.BACKUPS_ENV, "many")
    with pytest.raises(PortfolioError, match="PORTFOLIO_BACKUPS must be a whole number.*'many'"):
        backup.make_backup(db_file, "import")


def test_restore_brings_back_the_months_and_can_itself_be_undone(db_file: Path) -> None:
    portfolio_with(db_file, JAN, FEB)
    before_delete = digest(db_file)
    taken = backup.make_backup(db_file, "delete")
    with store.connect(db_file) as con:
        version_before_delete = store.data_version(con)
        store.delete_snapshot(con, FEB)
        version_after_delete = store.data_version(con)

    replaced = backup.restore_backup(db_file, taken.name)

    assert months_in(db_file) == [JAN, FEB]
    after = digest(db_file)
    for table in ("snapshots", "initiative_rows", "snapshot_problems", "workbooks"):
        assert after[table] == before_delete[table], table
    with store.connect(db_file, read_only=True) as con:
        audit = store.read_audit(con)
        # Readers' caches are keyed on the version: the restored file must not repeat one.
        assert store.data_version(con) not in (version_before_delete, version_after_delete)
    assert audit.iloc[0]["action"] == "restore"
    assert taken.name in audit.iloc[0]["detail"] and replaced.name in audit.iloc[0]["detail"]

    assert replaced is not None and months_in(replaced) == [JAN]
    backup.restore_backup(db_file, replaced)
    assert months_in(db_file) == [JAN]
    with store.connect(db_file) as con:  # the audit's id sequence still works after both
        hostile.store_month(con, MAR, hostile.canonical_rows(5))
        assert store.read_audit(con)["id"].is_unique


def test_the_oldest_backup_can_be_restored_when_the_rotation_is_full(
        db_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(backup.BACKUPS_ENV, "2")
    portfolio_with(db_file, JAN)
    oldest = backup.make_backup(db_file, "import")
    with store.connect(db_file) as con:
        hostile.store_month(con, FEB, hostile.canonical_rows(10))
    backup.make_backup(db_file, "import")
    with store.connect(db_file) as con:
        hostile.store_month(con, MAR, hostile.canonical_rows(10))

    backup.restore_backup(db_file, oldest.name)  # the restore's own backup rotates it out

    assert months_in(db_file) == [JAN]
    assert not oldest.exists()


def test_a_backup_after_a_crash_keeps_what_was_committed(db_file: Path) -> None:
    portfolio_with(db_file, JAN)
    # A writer that committed February and was then killed leaves it only in the log.
    script = ("import sys, os; sys.path[:0] = [sys.argv[2]]\n"
              "from tests.support import hostile; from datetime import date; from analytics import store\n"
              "with store.connect(sys.argv[1]) as con:\n"
              "    con.execute(\"SET checkpoint_threshold = '1GB'\")\n"
              "    hostile.store_month(con, date(2025, 2, 1), hostile.canonical_rows(500))\n"
              "    os._exit(0)\n")
    subprocess.run([sys.executable, "-c", script, str(db_file), str(ROOT)], check=True, timeout=60)
    assert Path(f"{db_file}.wal").exists()

    taken = backup.make_backup(db_file, "import")

    assert months_in(taken) == [JAN, FEB]


def test_unknown_or_unusable_backups_are_refused_in_words(db_file: Path) -> None:
    portfolio_with(db_file, JAN)
    with pytest.raises(PortfolioError, match="no backup named 'portfolio-2020.duckdb'.*backups list"):
        backup.restore_backup(db_file, "portfolio-2020.duckdb")
    fake = backup.backup_dir(db_file) / "portfolio-20250101T000000-import.duckdb"
    fake.parent.mkdir(parents=True)
    fake.write_bytes(b"not a database at all")
    with pytest.raises(PortfolioError, match="not a DuckDB database file"):
        backup.restore_backup(db_file, fake.name)
    assert months_in(db_file) == [JAN]


def test_a_backup_waits_for_a_writer_then_names_it(db_file: Path) -> None:
    portfolio_with(db_file, JAN)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
         "print('ready', flush=True); time.sleep(60)", str(db_file)],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        with pytest.raises(StoreLocked, match=f"process {holder.pid} .*is writing to it"):
            backup.make_backup(db_file, "import", wait_seconds=0.5)
    finally:
        holder.kill()
        holder.wait()
    assert backup.list_backups(db_file) == []


def test_the_backups_command_lists_and_restores(db_file: Path, capsys: pytest.CaptureFixture[str],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    assert main(["backups", "list"]) == 0
    assert "No backups of" in capsys.readouterr().out

    portfolio_with(db_file, JAN, FEB)
    taken = backup.make_backup(db_file, "delete")
    with store.connect(db_file) as con:
        store.delete_snapshot(con, FEB)

    assert main(["backups", "list", "--db", str(db_file)]) == 0
    listing = capsys.readouterr().out
    assert taken.name in listing and "delete" in listing

    monkeypatch.setattr(sys, "stdin", io.StringIO("n\n"))
    assert main(["backups", "restore", taken.name]) == 1
    assert months_in(db_file) == [JAN]

    assert main(["backups", "restore", taken.name, "--yes"]) == 0
    out = capsys.readouterr().out
    assert f"Restored {taken.name}" in out and "to undo: python -m analytics backups restore" in out
    assert months_in(db_file) == [JAN, FEB]

    assert main(["backups", "restore", "nonexistent.duckdb", "--yes"]) == 2
    assert "error: There is no backup named 'nonexistent.duckdb'" in capsys.readouterr().err


def test_the_backups_command_runs_as_a_program(db_file: Path) -> None:
    portfolio_with(db_file, JAN)
    backup.make_backup(db_file, "import")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}

    done = subprocess.run([sys.executable, "-m", "analytics", "backups", "list"], env=env,
                          capture_output=True, text=True, timeout=60)

    assert done.returncode == 0, done.stderr
    assert "-import.duckdb" in done.stdout


def test_a_restore_waits_for_readers_elsewhere_then_names_them(
        db_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    portfolio_with(db_file, JAN)
    taken = backup.make_backup(db_file, "delete")
    with store.connect(db_file) as con:
        store.delete_snapshot(con, JAN)
    monkeypatch.setenv(backup.BACKUPS_ENV, "0")  # straight to the swap, which needs everyone out
    reader = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1], "
         "read_only=True); print('ready', flush=True); time.sleep(60)", str(db_file)],
        stdout=subprocess.PIPE, text=True)
    try:
        assert reader.stdout.readline().strip() == "ready"
        with pytest.raises(StoreLocked, match=f"process {reader.pid} .*cannot be restored"):
            backup.restore_backup(db_file, taken.name, wait_seconds=0.5)
    finally:
        reader.kill()
        reader.wait()
    assert months_in(db_file) == []
    assert [p.name for p in db_file.parent.iterdir() if p.name.startswith(".")] == []


def test_a_database_whose_workbooks_outgrow_the_checks_memory_bound_is_verified_not_damaged(
    db_file: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Each month keeps its workbook; the integrity read scans them together, and a year of
    # 25 MB exports needs more than the read's bound. That is no damage: the backup is kept.
    with store.connect(db_file) as con:
        for n, month in enumerate((JAN, FEB, MAR)):
            workbook = os.urandom(6 * 1024 * 1024)
            meta = store.SnapshotMeta(
                as_of=month, file_name=f"portfolio-{month:%Y-%m}.xlsx",
                sha256=hashlib.sha256(workbook).hexdigest(), sheet="Portfolio", header_row=1)
            store.write_snapshot(con, meta, hostile.canonical_rows(20, seed=n), [], workbook)
    monkeypatch.setattr(backup, "INTEGRITY_READ_CONFIG", {"memory_limit": "16MB", "threads": 1})

    taken = backup.make_backup(db_file, "import")

    assert taken is not None and months_in(taken) == [JAN, FEB, MAR]
    [info] = backup.list_backups(db_file)
    assert info.verified and digest(taken) == digest(db_file)
