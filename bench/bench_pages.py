"""Benchmark: every dashboard page's script run at 10,000 initiatives x 60 monthly snapshots.

Target: under 300 ms per page run, warm (caches filled by an earlier visit, as for any executive
after the first). Measured with Streamlit's AppTest, which runs the real app.py and page scripts
in-process: its time includes building AppTest's element tree, so it overstates the server's own
script time a little.

Run: .venv/bin/python bench/bench_pages.py [--initiatives N] [--months M] [--keep PATH] [--repeat R]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

TARGET_MS = 300.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--initiatives", type=int, default=10_000)
    parser.add_argument("--months", type=int, default=60)
    parser.add_argument("--keep", type=Path, default=None, help="reuse / keep the database at PATH")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    from bench_report import build  # the metrics benchmark's generator: same data, same scale

    path = args.keep or Path(tempfile.mkdtemp()) / "pages.duckdb"
    if not path.exists():
        seconds = build(path, args.initiatives, args.months)
        print(f"built {args.initiatives:,} initiatives x {args.months} months in {seconds:.1f} s -> {path}")
    os.environ["PORTFOLIO_DB"] = str(path)
    os.environ["PORTFOLIO_LOAD_SAMPLE"] = "0"

    from streamlit.testing.v1 import AppTest

    from dashboard.registry import PAGES

    print(f"{'page':32} {'cold ms':>9} {'warm median ms':>15} {'warm max ms':>12}  verdict")
    worst = 0.0
    for page in (p.script for p in PAGES):
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
        at.run()
        at.switch_page(page)
        start = time.perf_counter()
        at.run()
        cold = (time.perf_counter() - start) * 1000
        problems = [e.value for e in at.exception] + [e.value for e in at.error]
        if problems:
            raise SystemExit(f"{page} failed: {problems[:1]}")
        warm = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            at.run()
            warm.append((time.perf_counter() - start) * 1000)
        median = statistics.median(warm)
        worst = max(worst, median)
        verdict = "ok" if median < TARGET_MS else f"OVER {TARGET_MS:.0f} ms"
        print(f"{page:32} {cold:9.0f} {median:15.0f} {max(warm):12.0f}  {verdict}")
    print(f"slowest warm page: {worst:.0f} ms (target < {TARGET_MS:.0f} ms)")


if __name__ == "__main__":
    main()
