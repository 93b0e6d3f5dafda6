"""`python -m analytics backups list|restore NAME [--db PATH] [--yes]`."""
from __future__ import annotations

import argparse

from analytics.cli import options

HELP = ("List the database backups kept before each import, delete and restore, or restore one "
        "(the current database is backed up first).")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=("list", "restore"), help="list the backups, or restore one")
    parser.add_argument("name", nargs="?", metavar="NAME", help="the backup to restore (from 'list')")
    options.add_db(parser)
    parser.add_argument("--yes", action="store_true", help="restore without asking")


def _list(db: str | None) -> int:
    from analytics import backup, store
    from analytics.formatting import file_size

    path = store.db_path(db)
    backups = backup.list_backups(path)
    if not backups:
        print(f"No backups of {path} yet. One is made before each import, delete and restore, "
              f"in {backup.backup_dir(path)}.")
        return 0
    print(f"Backups of {path}, newest first (the newest {backup.keep_count()} are kept):")
    print(f"  {'name':<48} {'taken (UTC)':<19}  {'before':<8} {'size':>9}  integrity")
    for info in backups:
        # Verified: every table read back whole when it was taken (older copies were not checked).
        check = "verified" if info.verified else "not checked"
        print(f"  {info.name:<48} {info.taken_at:%Y-%m-%d %H:%M:%S}  {info.action:<8} "
              f"{file_size(info.size):>9}  {check}")
    print("Restore one with: python -m analytics backups restore NAME")
    return 0


def _restore(db: str | None, name: str | None, yes: bool) -> int:
    from analytics import backup, operations, store
    from analytics.problems import PortfolioError

    if not name:
        raise PortfolioError("name the backup to restore: python -m analytics backups restore "
                             "NAME (see python -m analytics backups list)")
    path = store.db_path(db)
    chosen = backup.find_backup(path, name)
    question = (f"Replace {path} with {chosen.name} (taken {chosen.taken_at:%Y-%m-%d %H:%M} UTC, "
                f"before a {chosen.action})? The current database is backed up first.")
    if not yes and not options.confirmed(question):
        print("Nothing restored.")
        return 1
    previous = operations.restore(path, chosen.path)
    print(f"Restored {chosen.name} into {path}.")
    if previous is not None:
        print(f"The database it replaced is kept as {previous.name}; to undo: "
              f"python -m analytics backups restore {previous.name}")
    return 0


def run(args: argparse.Namespace) -> int:
    if args.action == "list":
        return _list(args.db)
    return _restore(args.db, args.name, args.yes)
