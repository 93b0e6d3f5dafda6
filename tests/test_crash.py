"""Crash safety: a writer killed mid-transaction changes nothing, a committed month survives a
kill, and a second process holding the database gets a wait and then words, not a traceback."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest

from analytics import store
from analytics.cli import main
from analytics.problems import StoreLocked
from tests.support import hostile
from tests.support.environment import ROOT

JAN, FEB, MAR = date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1)
#: Above DuckDB's row-group size (122,880), so the open transaction writes blocks to the file.
BIG = 150_000

#: The writer run in a child process. The pause is a test-only hook: the product has none.
CHILD = '''
import json, os, sys, time
from datetime import date
sys.path[:0] = [sys.argv[5]]
from tests.support import hostile
from analytics import store

PAUSE_AFTER = os.environ.get("CRASH_PAUSE_AFTER", "")


class PausingCursor:
    """Runs each statement; after the one starting with PAUSE_AFTER, says so and waits to be killed."""

    def __init__(self, cursor):
        self._cursor = cursor

    def execute(self, sql, *params):
        result = self._cursor.execute(sql, *params)
        if PAUSE_AFTER and sql.startswith(PAUSE_AFTER):
            print("PAUSED", flush=True)
            time.sleep(120)
        return result

    def __getattr__(self, name):
        return getattr(self._cursor, name)


class PausingConnection:
    def __init__(self, con):
        self._con = con

    def cursor(self):
        return PausingCursor(self._con.cursor())


db, month, count, replace = sys.argv[1], date.fromisoformat(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
rows = hostile.canonical_rows(count, seed=99)
with store.connect(db) as con:
    # Committed data stays in the write-ahead log only: the harder case for recovery.
    con.execute("SET checkpoint_threshold = '1GB'")
    hostile.store_month(PausingConnection(con), month, rows, replace=replace == "replace")
    print("COMMITTED " + json.dumps(hostile.database_digest(con)), flush=True)
    time.sleep(120)
'''


def write_months(path: Path, *months: date, rows: int = 2_000) -> None:
    with store.connect(path) as con:
        for n, month in enumerate(months):
            hostile.store_month(con, month, hostile.canonical_rows(rows, seed=n))


def digest(path: Path) -> dict[str, list[int]]:
    with store.connect(path) as con:  # read-write: opening replays or discards the log
        return {table: list(v) for table, v in hostile.database_digest(con).items()}


def months_and_rows(path: Path) -> list[tuple[date, int]]:
    with store.connect(path, read_only=True) as con:
        return [(s.as_of, s.rows) for s in store.list_snapshots(con)]


def kill_writer_at(tmp_path: Path, db: Path, marker: str, month: date, *, replace: bool,
                   pause_after: str = "") -> str:
    """Run the child writer until it prints `marker`, SIGKILL it, return the marker line."""
    script = tmp_path / "writer.py"
    script.write_text(CHILD)
    errors = (tmp_path / "writer.err").open("w")
    child = subprocess.Popen(
        [sys.executable, str(script), str(db), month.isoformat(), str(BIG),
         "replace" if replace else "new", str(ROOT)],
        stdout=subprocess.PIPE, stderr=errors, text=True,
        env={**os.environ, "CRASH_PAUSE_AFTER": pause_after},
    )
    try:
        line = child.stdout.readline()
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
        errors.close()
    assert line.startswith(marker), (tmp_path / "writer.err").read_text()[-2000:]
    return line


@pytest.mark.slow
@pytest.mark.parametrize(("month", "replace", "pause_after"), [
    (FEB, True, "INSERT INTO snapshots"),       # old rows deleted, new ones in, not committed
    (MAR, False, "INSERT INTO initiative_rows"),
], ids=["replace-killed-before-commit", "new-month-killed-mid-insert"])
def test_a_writer_killed_mid_transaction_leaves_the_database_exactly_as_before(
        tmp_path: Path, db_file: Path, month: date, replace: bool, pause_after: str) -> None:
    write_months(db_file, JAN, FEB)
    before = digest(db_file)
    size_before = db_file.stat().st_size

    kill_writer_at(tmp_path, db_file, "PAUSED", month, replace=replace, pause_after=pause_after)

    # The transaction had reached the disk: recovery has something to throw away.
    wal = Path(f"{db_file}.wal")
    assert db_file.stat().st_size > size_before or (wal.exists() and wal.stat().st_size > 0)
    assert digest(db_file) == before
    assert months_and_rows(db_file) == [(JAN, 2_000), (FEB, 2_000)]
    write_months(db_file, MAR, rows=10)  # and it takes the next import normally
    assert months_and_rows(db_file)[-1] == (MAR, 10)


@pytest.mark.slow
def test_a_month_committed_just_before_a_kill_survives(tmp_path: Path, db_file: Path) -> None:
    write_months(db_file, JAN)

    line = kill_writer_at(tmp_path, db_file, "COMMITTED", MAR, replace=False)

    assert Path(f"{db_file}.wal").exists()  # the month was only in the log when killed
    assert digest(db_file) == json.loads(line.removeprefix("COMMITTED "))
    assert months_and_rows(db_file) == [(JAN, 2_000), (MAR, BIG)]


def hold(db: Path, *, read_only: bool, seconds: float = 60) -> subprocess.Popen[str]:
    """Another process with the database open (as the dashboard or an import would have it)."""
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import duckdb, sys, time; c = duckdb.connect(sys.argv[1], read_only=sys.argv[2] == 'ro');"
         " print('ready', flush=True); time.sleep(float(sys.argv[3]))",
         str(db), "ro" if read_only else "rw", str(seconds)],
        stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "ready"
    return holder


def stop(holder: subprocess.Popen[str]) -> None:
    holder.kill()
    holder.wait()


def test_a_writer_elsewhere_makes_connect_wait_then_name_it(db_file: Path) -> None:
    write_months(db_file, JAN, rows=10)
    holder = hold(db_file, read_only=False)
    try:
        started = time.monotonic()
        with pytest.raises(StoreLocked) as caught, store.connect(db_file, wait_seconds=1.0):
            pass
        waited = time.monotonic() - started
    finally:
        stop(holder)

    message = str(caught.value)
    assert f"process {holder.pid} (" in message and "is writing to it" in message
    assert f"kill {holder.pid}" in message and "waited 1 s" in message
    assert waited >= 1.0


def test_a_reader_elsewhere_is_named_as_a_reader(db_file: Path) -> None:
    write_months(db_file, JAN, rows=10)
    holder = hold(db_file, read_only=True)
    try:
        with (pytest.raises(StoreLocked, match=f"process {holder.pid} .*has it open for reading"),
              store.connect(db_file, wait_seconds=0.3)):
            pass
        with store.connect(db_file, read_only=True) as con:  # readers share
            assert len(store.list_snapshots(con)) == 1
    finally:
        stop(holder)


def test_a_short_lived_writer_elsewhere_is_waited_for(db_file: Path) -> None:
    write_months(db_file, JAN, rows=10)
    holder = hold(db_file, read_only=False, seconds=1.0)
    try:
        with store.connect(db_file, wait_seconds=20.0) as con:
            assert len(store.list_snapshots(con)) == 1
    finally:
        stop(holder)


@pytest.mark.slow
def test_the_command_line_says_busy_in_words(db_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_months(db_file, JAN, rows=10)
    holder = hold(db_file, read_only=False)
    try:
        code = main(["snapshots", "--db", str(db_file)])
    finally:
        stop(holder)

    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith(f"error: The database {db_file} is busy: process {holder.pid}")
    assert "Traceback" not in err
