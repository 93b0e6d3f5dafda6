"""Benchmark: many executives opening the Overview at once, against a bare Streamlit page.

N headless Chromium sessions open the page at the same moment. For each server we read the
server process's CPU time from /proc before and after (user + system, children included) and
the time until each session's page is ready (script finished, every chart drawn). The floor is
bench/bare_page.py (two Plotly charts) served the same way in the same run; the ratios are
what count (issue: <= 1.5x on CPU per view and on median time to ready).

Each server is warmed by one visit first, as it would be after the first executive of the day.
Both servers run for the whole benchmark and their rounds alternate (bare, Overview, bare, ...),
so load from elsewhere on the machine falls on both; the medians over the rounds are compared.

Run: .venv/bin/python bench/bench_viewers.py [--sessions N] [--months M] [--rounds R]
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.server import serve  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
TARGET_RATIO = 1.5
_READY = """() => {
  if (document.querySelector('[data-testid="stStatusWidget"]')) return false;
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.getAttribute('data-test-script-state') === 'running') return false;
  const charts = document.querySelectorAll('[data-testid="stPlotlyChart"]');
  if (charts.length === 0) return false;
  return [...charts].every(c => c.querySelector('.main-svg'));
}"""


def _cpu_seconds(pid: int) -> float:
    """utime + stime + cutime + cstime of a process, in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = sum(int(fields[i]) for i in (11, 12, 13, 14))
    return ticks / os.sysconf("SC_CLK_TCK")


def measure(url: str, pid: int, sessions: int, rounds: int) -> tuple[float, float]:
    """(server CPU seconds per view, median seconds until a page is ready)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            warm = browser.new_page(viewport={"width": 1440, "height": 2400})
            warm.goto(url)
            warm.wait_for_function(_READY, timeout=120_000)
            warm.close()
            cpu_per_view: list[float] = []
            ready: list[float] = []
            for _ in range(rounds):
                pages = [browser.new_page(viewport={"width": 1440, "height": 2400})
                         for _ in range(sessions)]
                before = _cpu_seconds(pid)
                start = time.perf_counter()
                for page in pages:  # navigation is asynchronous: all sessions load together
                    page.goto(url, wait_until="commit")
                for page in pages:
                    page.wait_for_function(_READY, timeout=120_000)
                    ready.append(time.perf_counter() - start)
                time.sleep(0.5)  # let the server finish sending before reading its CPU
                cpu_per_view.append((_cpu_seconds(pid) - before) / sessions)
                for page in pages:
                    page.close()
            return statistics.median(cpu_per_view), statistics.median(ready)
        finally:
            browser.close()


def sample_database(months: int) -> Path:
    """The shipped sample's latest `months` monthly exports, imported as sample data."""
    from analytics.sample import load_sample, sample_paths

    workdir = Path(tempfile.mkdtemp())
    chosen = workdir / "exports"
    chosen.mkdir()
    for path in sample_paths()[-months:]:
        shutil.copy(path, chosen / path.name)
    db = workdir / "viewers.duckdb"
    load_sample(db, chosen)
    return db


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=8)
    parser.add_argument("--months", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"needs Chromium at {CHROMIUM} (apt-get install -y chromium)")

    db = sample_database(args.months)
    env = {"PORTFOLIO_LOAD_SAMPLE": "0"}
    log = db.parent / "streamlit.log"
    # Both servers up at once and their rounds alternated: whatever else the machine does
    # during the run weighs on the floor and on the Overview alike.
    bare_cpu_runs: list[float] = []
    bare_ready_runs: list[float] = []
    app_cpu_runs: list[float] = []
    app_ready_runs: list[float] = []
    with serve(ROOT / "bench" / "bare_page.py", db, log, **env) as bare, \
            serve(ROOT / "app.py", db, db.parent / "streamlit-app.log", **env) as app:
        for _ in range(args.rounds):
            cpu, ready = measure(bare.url, bare.pid, args.sessions, 1)
            bare_cpu_runs.append(cpu)
            bare_ready_runs.append(ready)
            cpu, ready = measure(app.url, app.pid, args.sessions, 1)
            app_cpu_runs.append(cpu)
            app_ready_runs.append(ready)
    bare_cpu, bare_ready = statistics.median(bare_cpu_runs), statistics.median(bare_ready_runs)
    app_cpu, app_ready = statistics.median(app_cpu_runs), statistics.median(app_ready_runs)

    print(f"{args.sessions} sessions at once, {args.months} months loaded, median of {args.rounds} rounds")
    print(f"{'':28} {'bare page':>10} {'Overview':>10} {'ratio':>7}  verdict (<= {TARGET_RATIO}x)")
    for label, floor, value in (("server CPU per view (s)", bare_cpu, app_cpu),
                                ("median time to ready (s)", bare_ready, app_ready)):
        ratio = value / floor
        verdict = "ok" if ratio <= TARGET_RATIO else "OVER"
        print(f"{label:28} {floor:10.3f} {value:10.3f} {ratio:6.2f}x  {verdict}")


if __name__ == "__main__":
    main()
