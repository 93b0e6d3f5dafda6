"""Arguments and prompts the commands share, so each reads and words them the same way."""
from __future__ import annotations

import argparse
import sys
from datetime import date

from analytics.ingest.months import parse_month
from analytics.problems import PortfolioError

DB_HELP = "database file (default: $PORTFOLIO_DB, else data/portfolio.duckdb)"


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


def add_db(parser: argparse.ArgumentParser, help_text: str = DB_HELP) -> None:
    parser.add_argument("--db", default=None, metavar="PATH", help=help_text)


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
