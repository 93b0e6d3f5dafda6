"""`python -m analytics delete --as-of YYYY-MM [--db PATH] [--yes]`."""
from __future__ import annotations

import argparse

from analytics.cli import options

HELP = "Delete one month's snapshot (asks first unless --yes); the audit keeps a record."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    options.add_as_of(parser, "the month to delete")
    options.add_db(parser)
    parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")


def run(args: argparse.Namespace) -> int:
    from analytics import operations

    month = args.as_of
    # Read-only while waiting for an answer: a writer would lock out every other process.
    found = operations.stored_month(args.db, month)
    question = (f"Delete the {month:%Y-%m} snapshot ({found.rows} rows from {found.file_name}, "
                f"imported {found.imported_at:%Y-%m-%d} by {found.imported_by})?")
    if not args.yes and not options.confirmed(question):
        print("Nothing deleted.")
        return 1
    removed = operations.delete_month(args.db, month)
    print(f"Deleted {month:%Y-%m} ({removed} rows). The audit keeps a record of it.")
    return 0
