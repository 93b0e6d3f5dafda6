"""`python -m analytics import FILE [--as-of YYYY-MM] [--db PATH] [--mapping FILE] [--sheet NAME]
[--replace] [--replace-sample]`."""
from __future__ import annotations

import argparse
import sys
from typing import TextIO

from analytics.cli import options

# Heavy modules (pandas, duckdb, calamine) are imported in run(): building the parser for
# any command must stay cheap.

HELP = "Import one monthly portfolio export (.xlsx) as the snapshot of its month."
MAX_ERRORS_SHOWN = 50
MAX_WARNINGS_SHOWN = 10


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE", help="the exported workbook (.xlsx)")
    options.add_as_of(
        parser, "the month the export describes; may be omitted when the file name carries it "
                "(portfolio-2025-03.xlsx)", required=False,
    )
    options.add_db(parser)
    parser.add_argument(
        "--mapping", metavar="FILE",
        help='JSON file mapping what the synonyms miss: {"columns": {"Header as written": '
             '"field", "Column to ignore": null}, "stages": {"Assessment": "idea"}} (the flat '
             'columns object alone is accepted too); each choice is remembered for later exports',
    )
    parser.add_argument(
        "--sheet", metavar="NAME",
        help="read this sheet instead of the one the import chooses (the sheet with the most "
             "rows under a complete header row, visible sheets first)",
    )
    parser.add_argument("--replace", action="store_true",
                        help="overwrite the month if it already holds a different file")
    parser.add_argument(
        "--replace-sample", action="store_true",
        help="the database holds the shipped sample: remove it and store this real export in "
             "the same step (without this flag such an import is refused)",
    )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _list(lines: list[str], limit: int, noun: str, out: TextIO) -> None:
    for line in lines[:limit]:
        print(f"  {line}", file=out)
    if len(lines) > limit:
        print(f"  ... and {len(lines) - limit} more {noun}", file=out)


def print_refusal(problems: tuple, out: TextIO) -> None:
    errors = [p for p in problems if p.severity == "error"]
    warnings = len(problems) - len(errors)
    print(f"error: import refused, {_count(len(errors), 'error')}; "
          "nothing was written. Fix these in the workbook (or with --mapping) and import again:",
          file=out)
    _list([p.describe() for p in errors], MAX_ERRORS_SHOWN, "errors", out)
    if warnings:
        print(f"(also {_count(warnings, 'warning')}, which alone would not block the import)",
              file=out)


def run(args: argparse.Namespace) -> int:
    from analytics.ingest.reader import WorkbookRead
    from analytics.ingest.source import read_source
    from analytics.limits import DEFAULT_LIMITS
    from analytics.problems import ImportRefused, SampleInDatabase

    data, name = read_source(args.file, None, DEFAULT_LIMITS)
    try:
        # The reader child (byte guard, then the parse) starts before pandas and DuckDB are
        # loaded: this process's start-up runs on the other core meanwhile.
        with WorkbookRead(data, DEFAULT_LIMITS) as reading:
            from analytics.operations import import_with_plan

            plan, result = import_with_plan(
                data, file_name=name, db=args.db, as_of=args.as_of, mapping=args.mapping,
                replace=args.replace, sheet=args.sheet, replace_sample=args.replace_sample,
                reading=reading,
            )
    except ImportRefused as exc:
        print_refusal(exc.problems or (), sys.stderr)
        return 2
    except SampleInDatabase as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    from analytics.formatting import DEFAULT_CURRENCY
    from analytics.ingest.model import REPLACED, UNCHANGED

    month = f"{result.as_of:%Y-%m}"
    if result.status == UNCHANGED:
        print(f"{month} already holds this exact file ({plan.file_name}); nothing changed "
              f"({_count(result.rows, 'initiative')}, {_count(len(result.warnings), 'warning')}).")
        return 0
    verb = "Replaced" if result.status == REPLACED else "Imported"
    matched = sum(1 for c in plan.columns if c.field)
    print(f"{verb} {month} from {plan.file_name}: {_count(result.rows, 'initiative')}.")
    details = (f"  sheet '{plan.sheet}', header on row {plan.header_row}, "
               f"{matched} of {len(plan.columns)} columns matched")
    details += f", amounts in {plan.currency or DEFAULT_CURRENCY}"
    print(details)
    if plan.sheets_passed:
        print(f"  sheets passed over: {', '.join(plan.sheets_passed)} (--sheet NAME to choose)")
    if plan.unmapped_headers:
        print(f"  kept as extra columns only: {', '.join(plan.unmapped_headers)}")
    from analytics.domain import FIELDS

    given = {c.field for c in plan.columns if c.field}
    absent = [f.label for f in FIELDS if f.name not in given]
    if absent:
        # Not a warning (these fields are optional), but what the dashboard cannot show.
        print(f"  not in this export (its figures read as not known): {', '.join(absent)}")
    if result.warnings:
        print(f"{_count(len(result.warnings), 'warning')} (kept with the snapshot):")
        _list([p.describe() for p in result.warnings], MAX_WARNINGS_SHOWN, "warnings", sys.stdout)
    else:
        print("No warnings.")
    return 0
