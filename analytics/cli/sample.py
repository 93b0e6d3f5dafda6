"""`python -m analytics sample [--out DIR] [--load] [--db PATH]`: the shipped sample portfolio."""
from __future__ import annotations

import argparse
from pathlib import Path

from analytics.cli import options

# numpy, pandas and openpyxl are imported in run(): building the parser must stay cheap.

HELP = "Write the sample portfolio (24 monthly exports, 2024-12 to 2026-11) as .xlsx files."
DEFAULT_OUT = Path("data") / "sample"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", metavar="DIR", type=Path, default=DEFAULT_OUT,
                        help=f"folder to write the workbooks into (default: {DEFAULT_OUT})")
    parser.add_argument("--load", action="store_true",
                        help="also import the written workbooks into the database, marked as "
                             "sample data")
    options.add_db(parser, " for --load")


def run(args: argparse.Namespace) -> int:
    from analytics.sample import load_sample_results, write_sample

    paths = write_sample(args.out)
    print(f"wrote {len(paths)} workbooks to {args.out} ({paths[0].name} .. {paths[-1].name})")
    if args.load:
        results = load_sample_results(args.db, args.out)
        warnings = sum(len(r.warnings) for r in results)
        print(f"imported {len(results)} month{'s' if len(results) != 1 else ''} as sample data "
              f"({len(paths) - len(results)} already loaded; "
              f"{warnings} warning{'s' if warnings != 1 else ''})")
    return 0
