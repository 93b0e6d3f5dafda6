"""`python -m analytics COMMAND ...`: the command-line contract.

Each command lives in its own module exposing `HELP: str`, `add_arguments(parser)` and
`run(args) -> int`. Domain errors print as words on stderr with exit code 2, never a traceback.
"""
from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from analytics.problems import PortfolioError

#: command name -> module implementing it.
COMMANDS: dict[str, str] = {
    "import": "analytics.ingest.command_import",
    "snapshots": "analytics.ingest.command_snapshots",
    "delete": "analytics.ingest.command_delete",
    "sample": "analytics.sample_command",
    "report": "analytics.metrics.command_report",
    "boardpack": "analytics.boardpack.command",
    "backups": "analytics.backup_command",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m analytics",
        description="AI Pilot-to-Production portfolio: import monthly exports and report on them.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, module_name in COMMANDS.items():
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name is None or not module_name.startswith(exc.name):
                raise
            continue  # not built yet
        command = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(command)
        command.set_defaults(run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args))
    except PortfolioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: nothing was changed by an unfinished import", file=sys.stderr)
        return 130
