"""`python -m analytics boardpack --as-of YYYY-MM [--db PATH] [--out FILE.pptx] [--native]
[--stall-days N] [--zip FILE.zip]`: the month's board pack, from the database, read-only."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from analytics import store
from analytics.boardpack.bundle import charts_zip
from analytics.boardpack.content import pack_data
from analytics.boardpack.deck import Deck, deck_file_name, make_deck
from analytics.cli import options
from analytics.metrics.load import load_rows, require_database
from analytics.problems import PortfolioError
from analytics.provenance import ChartContext

HELP = "Write the month's board pack (.pptx), and optionally its charts as PNGs in a ZIP."


class PackNotWritten(PortfolioError):
    """The pack was built but could not be saved where asked."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    options.add_as_of(parser, "the snapshot month the pack reports on")
    options.add_db(parser)
    parser.add_argument("--out", default=None, metavar="FILE.pptx",
                        help="where to write the deck (default: board-pack-YYYY-MM.pptx here)")
    parser.add_argument("--native", action="store_true",
                        help="draw funnel, trend, cohorts, causes and value as editable PowerPoint "
                             "charts instead of pictures")
    options.add_filters(parser)
    parser.add_argument("--zip", default=None, metavar="FILE.zip",
                        help="also write every chart as a PNG (scale 3) into this ZIP")


def _write(path: Path, content: bytes, what: str) -> None:
    try:
        path.write_bytes(content)
    except OSError as exc:
        raise PackNotWritten(
            f"Could not write the {what} to {path}: {exc.strerror or exc}. Choose a path in a "
            f"folder that exists and that you can write to."
        ) from exc


def _warn_missing(deck: Deck, *, native: bool) -> None:
    """One warning per reason a picture is missing, naming the charts it affects."""
    by_problem: dict[str, list[str]] = {}
    for missing in deck.missing_pictures:
        by_problem.setdefault(missing.problem, []).append(missing.chart)
    for problem, charts in by_problem.items():
        print(f"warning: not drawn ({', '.join(charts)}): {problem}", file=sys.stderr)
    if by_problem and not native:
        print("warning: --native draws six of the charts as editable PowerPoint charts, which need "
              "no browser", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    scope = options.scope(args)
    path = store.db_path(args.db)
    require_database(path, scope.as_of)
    with store.connect(path, read_only=True) as con:
        rows = load_rows(con, scope.as_of)
        snapshots = store.list_snapshots(con)
        currencies = store.snapshot_currencies(con)
    info = next(s for s in snapshots if s.as_of == scope.as_of)
    ctx = ChartContext.for_scope(
        scope, source=info.file_name,
        is_sample=any(s.is_sample for s in snapshots if s.as_of <= scope.as_of),
        currency=currencies.get(info.as_of),
    )
    data = pack_data(rows, scope.as_of, stall_days=scope.stall_days,
                     business_unit=scope.business_unit, solution_type=scope.solution_type,
                     currencies=currencies)
    deck = make_deck(data, ctx, native_charts=args.native)
    out = Path(args.out) if args.out else Path(deck_file_name(ctx))
    _write(out, deck.content, "board pack")
    kind = "native charts where PowerPoint has them" if args.native else "charts as pictures"
    print(f"Wrote {out} ({deck.slides} slides, {kind}).")
    _warn_missing(deck, native=args.native)
    if args.zip:
        archive = Path(args.zip)
        _write(archive, charts_zip(data, ctx), "chart ZIP")
        print(f"Wrote {archive} (every chart as a PNG).")
    return 0
