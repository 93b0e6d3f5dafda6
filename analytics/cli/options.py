"""Options and prompts the commands share, written once so each command reads and words them
the same way: --db, --as-of (one month type), the report filters, the yes/no prompt."""
from __future__ import annotations

import argparse
import sys
from datetime import date

from analytics.ingest.months import parse_month
from analytics.problems import PortfolioError
from analytics.scope import DEFAULT_STALL_DAYS, ReportScope

DB_DEFAULT = "default: $PORTFOLIO_DB, else data/portfolio.duckdb"


def month(text: str) -> date:
    """An argparse type: 'YYYY-MM' -> the first day of that month."""
    try:
        return parse_month(text)
    except PortfolioError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def positive_days(text: str) -> int:
    """An argparse type: a whole number of days, at least 1."""
    try:
        days = int(text)
    except ValueError:
        days = 0
    if days < 1:
        raise argparse.ArgumentTypeError(f"'{text}' is not a positive whole number of days")
    return days


def add_db(parser: argparse.ArgumentParser, used_for: str = "") -> None:
    """--db PATH; `used_for` says when a command only sometimes opens it (" for --load")."""
    parser.add_argument("--db", default=None, metavar="PATH",
                        help=f"database file{used_for} ({DB_DEFAULT})")


def add_as_of(parser: argparse.ArgumentParser, help_text: str, *, required: bool = True) -> None:
    """--as-of YYYY-MM, parsed to the month's first day (a date) before the command runs."""
    parser.add_argument("--as-of", required=required, type=month, metavar="YYYY-MM",
                        help=help_text)


def add_filters(parser: argparse.ArgumentParser) -> None:
    """The report filters: --stall-days, --business-unit, --solution-type (read back as one
    ReportScope by `scope`)."""
    parser.add_argument(
        "--stall-days", type=positive_days, default=DEFAULT_STALL_DAYS, metavar="N",
        help="days in pilot/scaling after which an initiative is stalled "
             f"(default {DEFAULT_STALL_DAYS})",
    )
    parser.add_argument("--business-unit", default=None,
                        help="only initiatives of this business unit")
    parser.add_argument("--solution-type", default=None,
                        help="only initiatives of this solution type")


def scope(args: argparse.Namespace) -> ReportScope:
    """What a report command's flags ask for: --as-of and the filters of `add_filters`."""
    return ReportScope(as_of=args.as_of, business_unit=args.business_unit,
                       solution_type=args.solution_type, stall_days=args.stall_days)


def confirmed(question: str) -> bool:
    """Only an explicit yes on stdin counts; no stdin or end of input means no."""
    print(f"{question} [y/N] ", end="", flush=True)
    try:
        answer = sys.stdin.readline() if sys.stdin is not None else ""
    except (OSError, ValueError):
        answer = ""
    if not answer.endswith("\n"):
        print()
    return answer.strip().casefold() in ("y", "yes")
