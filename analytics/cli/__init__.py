"""`python -m analytics COMMAND ...` (or `portfolio COMMAND ...`): the command-line contract.

Each command lives in its own module, analytics/cli/COMMAND.py, exposing `HELP: str`, `add_arguments(parser)` and
`run(args) -> int`. Only the module of the command being run is imported, so a scheduled
`import` does not pay for the board pack's imports (Plotly, kaleido, python-pptx). Domain
errors print as words on stderr with exit code 2, never a traceback. Options more than one
command takes are written once, in analytics/cli/options.py.
"""
from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from types import ModuleType

from analytics.problems import PortfolioError

#: command name -> one-line summary for the command list; the command is analytics/cli/NAME.py.
COMMANDS: dict[str, str] = {
    "import": "import one monthly export as its month's snapshot",
    "snapshots": "list the imported months",
    "delete": "delete one month's snapshot",
    "report": "the metrics for one as-of month",
    "boardpack": "build the board deck (.pptx) for one month",
    "sample": "write the sample portfolio workbooks",
    "backups": "list or restore database backups",
}


def command_module(name: str) -> ModuleType:
    """The module implementing command `name` (imported now, on first use)."""
    return importlib.import_module(f"{__name__}.{name}")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser; with `command`, only that command's module is imported and wired."""
    parser = argparse.ArgumentParser(
        prog="python -m analytics",  # also installed as `portfolio`
        description="AI Pilot-to-Production portfolio: import monthly exports and report on them.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, summary in COMMANDS.items():
        if command is not None and name != command:
            sub.add_parser(name, help=summary)
            continue
        module = command_module(name)
        parser_for = sub.add_parser(name, help=summary, description=module.HELP)
        module.add_arguments(parser_for)
        parser_for.set_defaults(run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    chosen = next((a for a in argv if not a.startswith("-")), None)
    args = build_parser(chosen if chosen in COMMANDS else None).parse_args(argv)
    try:
        return int(args.run(args))
    except PortfolioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:
        # A database that opened but fails a later read (a damaged block) raises DuckDB's own
        # errors; DuckDB is imported only by the commands that use it, so it is matched by name.
        if "duckdb" not in type(exc).__module__:
            raise
        from analytics import store

        detail = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        print(f"error: {store.damaged_message(store.db_path(getattr(args, 'db', None)), detail)}",
              file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: nothing was changed by an unfinished import", file=sys.stderr)
        return 130
