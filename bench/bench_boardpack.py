"""Benchmark: the board pack for the sample portfolio's latest month (target < 15 s for the deck).

Run: .venv/bin/python bench/bench_boardpack.py [--db PATH] [--repeat N]
Loads the shipped sample into a temporary database (or uses --db), then times, each N times:
reading the rows and computing the pack's metrics, the picture deck (eight charts drawn in one
Chromium session), the native deck (two pictures), the PNG ZIP, and the end-to-end CLI in a
fresh process. Prints the median and the worst of each, plus one picture's cost through
`figure_png` (a browser per picture) for comparison.
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analytics import store  # noqa: E402
from analytics.boardpack import build_deck, chart_slides, charts_zip, pack_data  # noqa: E402
from analytics.charts import figure_png  # noqa: E402
from analytics.charts.images import find_chromium  # noqa: E402
from analytics.provenance import ChartContext  # noqa: E402

TARGET_SECONDS = 15.0


def timed(label: str, repeat: int, action: Callable[[], object]) -> float:
    seconds = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        seconds.append(time.perf_counter() - start)
    median = statistics.median(seconds)
    print(f"  {label:<46} median {median:6.2f} s   worst {max(seconds):6.2f} s")
    return median


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=None, help="an existing database (default: the sample, loaded fresh)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if find_chromium() is None:
        print("Chromium is not installed (apt-get install -y chromium): nothing to measure.")
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(args.db) if args.db else Path(tmp) / "sample.duckdb"
        if not args.db:
            from analytics.sample import load_sample

            start = time.perf_counter()
            load_sample(db)
            print(f"setup: sample loaded in {time.perf_counter() - start:.1f} s")
        with store.connect(db, read_only=True) as con:
            latest = store.list_snapshots(con)[-1]
        month = latest.as_of
        ctx = ChartContext(as_of=month, source=latest.file_name, is_sample=latest.is_sample)

        def metrics():
            with store.connect(db, read_only=True) as con:
                return pack_data(store.read_rows(con, month), month)

        data = metrics()
        slides = chart_slides(data, ctx)
        print(f"board pack for {month:%Y-%m}: {len(slides)} charts, {data.report.funnel.population} initiatives")
        timed("metrics (read rows, report, previous, trend, split)", args.repeat, metrics)
        deck = timed("deck, charts as pictures", args.repeat, lambda: build_deck(data, ctx))
        timed("deck, native charts (2 pictures)", args.repeat, lambda: build_deck(data, ctx, native_charts=True))
        timed("ZIP of PNGs", args.repeat, lambda: charts_zip(data, ctx))
        out = Path(tmp) / "pack.pptx"
        cli = timed("CLI end to end (fresh process)", args.repeat, lambda: subprocess.run(
            [sys.executable, "-m", "analytics", "boardpack", "--as-of", f"{month:%Y-%m}", "--db", str(db),
             "--out", str(out)], cwd=ROOT, check=True, capture_output=True))
        timed("one chart through figure_png (for comparison)", 1, lambda: figure_png(slides[0].figure, ctx))
    verdict = "OK" if max(deck, cli) < TARGET_SECONDS else "SLOWER THAN TARGET"
    print(f"target < {TARGET_SECONDS:.0f} s for the deck: {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
