"""Copies of the database file, kept before every import, delete and restore.

A backup is a whole-file copy in `backups/` beside the database, named
`<db-stem>-YYYYmmddTHHMMSS-<action>.duckdb` (UTC; the action is what was about to happen).
The newest N are kept (default 5; $PORTFOLIO_BACKUPS or an argument; 0 turns backups off).

A copy is consistent because it is taken after a CHECKPOINT (everything committed is in the
main file) and under a shared POSIX lock on the file, the same kind of lock DuckDB takes: while
it is held no process can open the database for writing, and readers carry on. Should a writer
slip in between the CHECKPOINT and the lock, its write-ahead log is copied beside the backup.

The caller must hold no connection to the database in this process: POSIX drops all of a
process's locks on a file when any one of its descriptors for that file is closed, so copying a
file this process has open would silently unlock it for other writers.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import shutil
import struct
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

import duckdb

from analytics import store
from analytics.problems import DatabaseUnusable, PortfolioError, StoreLocked

BACKUPS_ENV = "PORTFOLIO_BACKUPS"
DEFAULT_KEEP = 5
BACKUP_DIR = "backups"
_STAMP = "%Y%m%dT%H%M%S"
_PARTIAL = ".partial"
_DUCKDB_MAGIC = b"DUCK"   # bytes 8-11 of every DuckDB database file


@dataclass(frozen=True, slots=True)
class BackupInfo:
    path: Path
    taken_at: datetime     # UTC, naive
    action: str            # what was about to happen: import, delete, restore, ...
    size: int              # bytes, including a write-ahead log copied beside it
    sequence: int = 1      # orders several backups taken within one second
    verified: bool = False  # passed an integrity read of every table when it was taken

    @property
    def name(self) -> str:
        return self.path.name


def backup_dir(db: str | os.PathLike[str] | None = None) -> Path:
    return store.db_path(db).parent / BACKUP_DIR


def keep_count(keep: int | None = None) -> int:
    """How many backups to keep: the argument, else $PORTFOLIO_BACKUPS, else 5."""
    if keep is None:
        raw = os.environ.get(BACKUPS_ENV, "").strip()
        if not raw:
            return DEFAULT_KEEP
        try:
            keep = int(raw)
        except ValueError:
            keep = -1
        if keep < 0:
            raise PortfolioError(
                f"{BACKUPS_ENV} must be a whole number of backups to keep (0 turns them off); "
                f"it is '{raw}'. Fix or unset it and try again."
            )
    if keep < 0:
        raise PortfolioError(f"the number of backups to keep cannot be negative (got {keep})")
    return keep


def _pattern(db: Path) -> re.Pattern[str]:
    return re.compile(rf"^{re.escape(db.stem)}-(\d{{8}}T\d{{6}})-([a-z_]+)(?:-(\d+))?\.duckdb$")


def _wal(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def _seal(path: Path) -> Path:
    """The record, beside a backup, that it passed the integrity read: its size and SHA-256."""
    return path.with_name(path.name + ".verified")


def _digest(path: Path) -> str:
    digest = hashlib.sha256()
    for part in (path, _wal(path)):
        if part.exists():
            with part.open("rb") as handle:
                for block in iter(lambda: handle.read(1024 * 1024), b""):
                    digest.update(block)
    return digest.hexdigest()


def _sealed_digest(info: BackupInfo) -> str | None:
    try:
        seal = json.loads(_seal(info.path).read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(seal, dict) or seal.get("size") != info.size:
        return None
    digest = seal.get("sha256")
    return digest if isinstance(digest, str) else None


#: DuckDB's memory for the integrity read. Unbounded, DuckDB keeps every block it has read
#: until the file is closed: the whole database, on top of the import that asked for the backup.
INTEGRITY_READ_CONFIG: dict[str, str | bool | int | float | list[str]] = {
    "memory_limit": "96MB", "threads": 1}


def integrity_problem(path: Path) -> str | None:
    """None when every column of every table of the database file reads back (DuckDB checks
    each block's checksum as it reads it); else what failed, in words."""
    try:
        with duckdb.connect(str(path), read_only=True, config=INTEGRITY_READ_CONFIG) as con:
            tables = con.execute(
                "SELECT schema_name, table_name FROM duckdb_tables() WHERE NOT temporary"
            ).fetchall()
            for schema, table in tables:
                name = f'"{schema}"."{table}"'.replace("\x00", "")
                # Identifiers come from the catalog, not from a user; hashing every column
                # makes DuckDB read (and checksum) every block of the table.
                query = f"SELECT count(*), bit_xor(hash(COLUMNS(*))) FROM {name}"
                try:
                    con.execute(query).fetchall()
                except duckdb.OutOfMemoryException:
                    # A scan holds up to 2,048 rows at once: the stored workbooks (a BLOB of
                    # up to 25 MB each) may need more than the bound, which is no damage.
                    con.execute("RESET memory_limit")
                    con.execute(query).fetchall()
    except duckdb.Error as exc:
        return str(exc).splitlines()[0][:300]
    return None


def list_backups(db: str | os.PathLike[str] | None = None) -> list[BackupInfo]:
    """This database's backups, newest first."""
    path = store.db_path(db)
    folder = backup_dir(path)
    if not folder.is_dir():
        return []
    pattern = _pattern(path)
    found: list[BackupInfo] = []
    for entry in folder.iterdir():
        match = pattern.match(entry.name)
        if match is None or not entry.is_file():
            continue
        wal = _wal(entry)
        size = entry.stat().st_size + (wal.stat().st_size if wal.exists() else 0)
        taken = datetime.strptime(match.group(1), _STAMP)
        info = BackupInfo(entry, taken, match.group(2), size, int(match.group(3) or 1))
        found.append(replace(info, verified=_sealed_digest(info) is not None))
    return sorted(found, key=lambda info: (info.taken_at, info.sequence), reverse=True)


def _slug(action: str) -> str:
    slug = re.sub(r"[^a-z]+", "_", action.lower()).strip("_")
    return slug or "manual"


def _new_name(db: Path, action: str, now: datetime) -> Path:
    """A fresh name; several backups in one second are numbered so they still sort in order."""
    stamp = now.strftime(_STAMP)
    same_second = [info.sequence for info in list_backups(db)
                   if info.taken_at.strftime(_STAMP) == stamp]
    sequence = f"-{max(same_second) + 1}" if same_second else ""
    return backup_dir(db) / f"{db.stem}-{stamp}-{_slug(action)}{sequence}.duckdb"


def make_backup(
    db: str | os.PathLike[str] | None = None,
    reason: str = "manual",
    *,
    keep: int | None = None,
    wait_seconds: float = 5.0,
) -> Path | None:
    """Copy the database before `reason` (import, delete, ...) changes it; prune to `keep`.

    Call it only when a write will happen. Returns the backup holding the database as it is
    now: the newest one when it is byte-identical (no second copy is taken), else a new copy,
    kept only when every table reads back whole. None when there is nothing to copy yet (no
    database file) or backups are turned off.
    Raises StoreLocked when a writer keeps the file for longer than `wait_seconds`, and
    DatabaseDamaged (taking no backup, removing none) when the database fails the read.
    """
    path = store.db_path(db)
    count = keep_count(keep)
    if count == 0 or not path.exists():
        return None
    try:
        with store.connect(path, wait_seconds=wait_seconds) as con:
            con.execute("CHECKPOINT")
    except DatabaseUnusable as exc:
        raise DatabaseDamaged(_damaged_message(path, str(exc))) from None
    target = _new_name(path, reason, datetime.now(UTC).replace(tzinfo=None))
    target.parent.mkdir(parents=True, exist_ok=True)
    with _locked(path, exclusive=False, wait_seconds=wait_seconds) as source:
        _copy_durably(source, target)
        if _wal(path).exists():
            with _wal(path).open("rb") as wal:
                _copy_durably(wal, _wal(target))
    digest = _digest(target)
    newest = next((b for b in list_backups(path) if b.path != target), None)
    if newest is not None and _sealed_digest(newest) == digest:
        _discard(target)
        return newest.path
    problem = integrity_problem(target)
    if problem is not None:
        _discard(target)
        raise DatabaseDamaged(_damaged_message(path, problem))
    size = target.stat().st_size + (_wal(target).stat().st_size if _wal(target).exists() else 0)
    _seal(target).write_text(json.dumps({"sha256": digest, "size": size}))
    _prune(path, count)
    return target


class DatabaseDamaged(DatabaseUnusable):
    """The database file fails an integrity read; nothing was backed up or changed."""


def _damaged_message(path: Path, problem: str) -> str:
    return (
        f"The database {path} is damaged: it fails an integrity read ({problem}). Nothing was "
        f"changed, no backup was taken of it, and the existing backups are kept. Restore the "
        f"newest verified one: python -m analytics backups list, then "
        f"python -m analytics backups restore NAME --db {path}"
    )


def _discard(backup: Path) -> None:
    for part in (backup, _wal(backup), _seal(backup)):
        part.unlink(missing_ok=True)


def _copy_durably(source: BinaryIO, target: Path) -> None:
    """Copy to a hidden partial file, fsync, then rename: a crash never leaves half a backup."""
    partial = target.with_name(f".{target.name}{_PARTIAL}")
    with partial.open("wb") as out:
        source.seek(0)
        shutil.copyfileobj(source, out, 1024 * 1024)
        out.flush()
        os.fsync(out.fileno())
    os.replace(partial, target)
    _fsync_dir(target.parent)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _prune(db: Path, keep: int) -> None:
    for old in list_backups(db)[keep:]:
        _discard(old.path)
    # Partial copies left by a crash mid-backup; an hour old so a running copy is never touched.
    cutoff = time.time() - 3600
    for partial in backup_dir(db).glob(f".{db.stem}-*{_PARTIAL}"):
        if partial.stat().st_mtime < cutoff:
            partial.unlink(missing_ok=True)


_FLOCK = "@hhqqi4x"  # struct flock on Linux: type, whence, start, len, pid


def _holder(fd: int, exclusive: bool) -> str:
    try:
        probe = struct.pack(_FLOCK, fcntl.F_WRLCK if exclusive else fcntl.F_RDLCK, 0, 0, 0, 0)
        kind, _, _, _, pid = struct.unpack(_FLOCK, fcntl.fcntl(fd, fcntl.F_GETLK, probe))
    except (OSError, struct.error):
        return store.describe_process(None)
    return store.describe_process(pid if kind != fcntl.F_UNLCK else None)


@contextmanager
def _locked(path: Path, *, exclusive: bool, wait_seconds: float) -> Iterator[BinaryIO]:
    """The database file, open and locked the way DuckDB locks it (shared: no writer may open it;
    exclusive: nobody may). Waits up to `wait_seconds` for the lock, then raises StoreLocked."""
    handle = path.open("r+b" if exclusive else "rb")
    try:
        deadline = time.monotonic() + wait_seconds
        delay = 0.05
        while True:
            try:
                fcntl.lockf(handle.fileno(),
                            (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
                break
            except OSError:
                if time.monotonic() >= deadline:
                    doing = "has it open" if exclusive else "is writing to it"
                    raise StoreLocked(
                        f"The database {path} is busy: {_holder(handle.fileno(), exclusive)} "
                        f"{doing}, so it cannot be {'restored' if exclusive else 'backed up'} now "
                        f"(waited {wait_seconds:g} s). Try again when it has finished; close the "
                        f"dashboard first to restore. If that process is stuck, stop it."
                    ) from None
                time.sleep(delay)
                delay = min(delay * 2, 0.5)
        yield handle
    finally:
        handle.close()  # releases the lock


def find_backup(db: str | os.PathLike[str] | None, name: str | os.PathLike[str]) -> BackupInfo:
    """The backup called `name` (or at that path) among this database's backups."""
    wanted = Path(name).name
    for info in list_backups(db):
        if info.name == wanted or info.path == Path(name):
            return info
    raise PortfolioError(
        f"There is no backup named '{wanted}' in {backup_dir(db)}. List them with: "
        f"python -m analytics backups list"
    )


def _check_usable(backup: Path) -> None:
    with backup.open("rb") as handle:
        header = handle.read(12)
    if header[8:12] != _DUCKDB_MAGIC:
        raise PortfolioError(f"{backup} is not a DuckDB database file, so it cannot be restored.")
    try:
        with duckdb.connect(str(backup), read_only=True) as con:
            con.execute("SELECT count(*) FROM snapshots").fetchone()
    except duckdb.Error as exc:
        raise PortfolioError(
            f"{backup} cannot be read as a portfolio database ({exc}). Pick another backup."
        ) from None


def restore_backup(
    db: str | os.PathLike[str] | None,
    backup: str | os.PathLike[str],
    *,
    wait_seconds: float = 5.0,
) -> Path | None:
    """Make `backup` the database again. The current file is backed up first (returned, so the
    restore can itself be undone); the audit of the restored database records the restore."""
    path = store.db_path(db)
    source = find_backup(path, backup).path
    _check_usable(source)
    high_water = _audit_high_water(path, wait_seconds)
    staged = path.with_name(f".{path.name}.restoring")
    staged_wal = _wal(staged)
    try:
        with source.open("rb") as handle:
            _copy_durably(handle, staged)   # before pruning can remove the backup being restored
        if _wal(source).exists():
            with _wal(source).open("rb") as handle:
                _copy_durably(handle, staged_wal)
        previous = None
        if path.exists():
            try:
                previous = make_backup(path, "restore", wait_seconds=wait_seconds)
            except DatabaseUnusable:
                # A damaged file is no backup; it is kept aside, outside the rotation.
                stamp = datetime.now(UTC).strftime(_STAMP)
                shutil.copyfile(path, path.with_name(f"{path.name}.damaged-{stamp}"))
        if path.exists():
            with _locked(path, exclusive=True, wait_seconds=wait_seconds):
                # The log belongs to the file being replaced; replayed into the restored one it
                # would corrupt it. Swapped first, while the lock keeps every process out.
                _swap_wal(path, staged_wal)
                os.replace(staged, path)
        else:
            _swap_wal(path, staged_wal)
            os.replace(staged, path)
    finally:
        staged.unlink(missing_ok=True)
        staged_wal.unlink(missing_ok=True)
    _fsync_dir(path.parent)
    _audit_restore(path, source.name, previous, high_water)
    return previous


def _swap_wal(path: Path, staged_wal: Path) -> None:
    if staged_wal.exists():
        os.replace(staged_wal, _wal(path))
    else:
        _wal(path).unlink(missing_ok=True)


def _audit_high_water(path: Path, wait_seconds: float) -> int:
    if not path.exists():
        return 0
    try:
        with store.connect(path, read_only=True, wait_seconds=wait_seconds) as con:
            return store.audit.high_water(con)
    except (DatabaseUnusable, duckdb.Error):
        return 0


def _audit_restore(path: Path, source: str, previous: Path | None, high_water: int) -> None:
    """Record the restore with an audit id above any the replaced database reached (see
    store.audit.record: the data version keys the readers' caches)."""
    detail = f"restored {source}" + (f"; the replaced database is {previous.name}" if previous else "")
    with store.connect(path) as con:
        store.audit.record(con.cursor(), store.Action.RESTORE, detail=detail, above=high_water)
