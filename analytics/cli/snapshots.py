"""`python -m analytics snapshots [--db PATH]`: one line per imported month."""
from __future__ import annotations

import argparse

from analytics.cli import options

HELP = "List the imported months: as-of, rows, warnings, when and by whom, from which file."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    options.add_db(parser)


def run(args: argparse.Namespace) -> int:
    from analytics import store

    path = store.db_path(args.db)
    if not path.exists():
        print(f"No database at {path} yet: nothing imported. "
              "Start with: python -m analytics import FILE --as-of YYYY-MM")
        return 0
    with store.connect(path, read_only=True) as con:
        snapshots = store.list_snapshots(con)
    if not snapshots:
        print(f"No snapshots in {path} yet. "
              "Start with: python -m analytics import FILE --as-of YYYY-MM")
        return 0
    print(f"{'as-of':<8} {'rows':>6} {'warnings':>8}  {'imported (UTC)':<16}  {'by':<12} file")
    for s in snapshots:
        sample = "  [sample]" if s.is_sample else ""
        print(f"{s.as_of:%Y-%m}  {s.rows:>6} {s.warnings:>8}  {s.imported_at:%Y-%m-%d %H:%M}  "
              f"{s.imported_by:<12} {s.file_name}{sample}")
    return 0
