"""Benchmark: `report` on 10,000 initiatives x 60 monthly snapshots (target < 1 s end to end).

Run: .venv/bin/python bench/bench_report.py [--initiatives N] [--months M] [--keep PATH]
Prints the setup time, then end-to-end report timings (open the DB read-only, read rows,
compute, build the JSON) cold (a fresh `python -m analytics report --json` process) and warm
(repeated in this process), and compute_report / trend / breakdown alone.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analytics import store  # noqa: E402
from analytics.domain import LADDER, Integration, SolutionType, Stage  # noqa: E402
from analytics.metrics import (  # noqa: E402
    breakdown,
    compute_report,
    load_report_rows,
    load_rows,
    report_json,
    trend,
)
from analytics.store import ROW_COLUMNS, SnapshotMeta  # noqa: E402

UNITS = ("Finance", "Operations", "Sales", "HR", "IT", "Legal", "Supply Chain", "Marketing")
OWNERS = ("Sandra Anderson", "Ann and Bob", "R. Patel", None, "Li / Gomez", "M. Okafor")
SOLUTIONS = tuple(str(s) for s in SolutionType)
INTEGRATIONS = tuple(str(i) for i in Integration)


def _months(count: int, first: date = date(2021, 1, 1)) -> list[date]:
    return [date(first.year + (first.month - 1 + k) // 12, (first.month - 1 + k) % 12 + 1, 1) for k in range(count)]


def portfolio(initiatives: int, months: int, seed: int = 7) -> list[tuple[date, pd.DataFrame]]:
    """Canonical monthly frames: initiatives appear over time, move up the ladder, pause, stop."""
    rng = np.random.default_rng(seed)
    calendar = _months(months)
    ids = np.array([f"AI-{n:05d}" for n in range(initiatives)], dtype=object)
    # Every initiative is in every snapshot (the worst case: initiatives x months rows); each
    # starts moving up the ladder from its own month.
    born = rng.integers(0, months, initiatives)
    rank = np.zeros(initiatives, dtype=np.int64)            # 0..3 ladder, 4 = stopped
    entered = np.full(initiatives, np.datetime64(calendar[0], "D"))
    pilot_start = np.full(initiatives, np.datetime64("NaT"), dtype="datetime64[D]")
    production_date = np.full(initiatives, np.datetime64("NaT"), dtype="datetime64[D]")
    unit = rng.choice(np.array(UNITS, dtype=object), initiatives)
    owner = rng.choice(np.array(OWNERS, dtype=object), initiatives)
    solution = rng.choice(np.array(SOLUTIONS, dtype=object), initiatives)
    budget = rng.integers(50, 2_000, initiatives) * 1_000.0
    expected = budget * rng.uniform(0.5, 4.0, initiatives)
    frames = []
    stage_names = np.array([str(s) for s in LADDER] + [str(Stage.STOPPED)], dtype=object)
    for k, as_of in enumerate(calendar):
        alive = np.ones(initiatives, dtype=bool)
        day = np.datetime64(as_of, "D") + rng.integers(0, 27, initiatives)
        step = (born < k) & (rank < 3) & (rng.random(initiatives) < 0.09)
        stop = (born < k) & (rank < 3) & ~step & (rng.random(initiatives) < 0.015)
        rank = np.where(step, rank + 1, np.where(stop, 4, rank))
        entered = np.where(step | stop, day, entered)
        pilot_start = np.where(step & (rank == 1), day, pilot_start)
        production_date = np.where(step & (rank == 3), day, production_date)
        on_hold = alive & np.isin(rank, (1, 2)) & (rng.random(initiatives) < 0.04)
        idx = np.flatnonzero(alive)
        frame = pd.DataFrame({
            "initiative_id": ids[idx],
            "source_row": np.arange(2, idx.size + 2, dtype=np.int32),
            "name": [f"Use case {i}" for i in idx],
            "stage": np.where(on_hold[idx], None, stage_names[rank[idx]]),
            "business_unit": unit[idx],
            "owner": owner[idx],
            "pilot_start": pilot_start[idx],
            "production_date": production_date[idx],
            "stage_entered": np.where(rng.random(idx.size) < 0.7, entered[idx], np.datetime64("NaT")),
            "budget": budget[idx],
            "spend_to_date": budget[idx] * rng.uniform(0, 1, idx.size),
            "expected_value": expected[idx],
            "realized_value": np.where(rank[idx] == 3, expected[idx] * rng.uniform(0, 1.2, idx.size), np.nan),
            "data_readiness": pd.array(rng.integers(1, 6, idx.size), dtype="Int16"),
            "integration_status": rng.choice(np.array(INTEGRATIONS, dtype=object), idx.size),
            "solution_type": solution[idx],
            "success_metric": np.where(rng.random(idx.size) < 0.3, None, "Cost per case"),
            "stall_cause": np.where(rng.random(idx.size) < 0.05, "Waiting for data access", None),
            "notes": None,
            "stage_raw": np.where(on_hold[idx], "On hold", stage_names[rank[idx]]),
            "on_hold": on_hold[idx],
            "raw_json": "{}",
        })
        frames.append((as_of, frame.reindex(columns=[c for c in ROW_COLUMNS if c != "as_of"])))
    return frames


def build(path: Path, initiatives: int, months: int) -> float:
    started = time.perf_counter()
    with store.connect(path) as con:
        for as_of, frame in portfolio(initiatives, months):
            meta = SnapshotMeta(as_of=as_of, file_name=f"bench-{as_of:%Y-%m}.xlsx",
                                sha256=f"bench-{as_of:%Y-%m}", sheet="Portfolio", header_row=1,
                                imported_by="bench")
            store.write_snapshot(con, meta, frame, [], b"")
    return time.perf_counter() - started


def end_to_end(path: Path, as_of: date) -> dict:
    """What `report --json` does after start-up: open read-only, read, compute, JSON."""
    with store.connect(path, read_only=True) as con:
        rows = load_report_rows(con, as_of)
    return json.dumps(report_json(compute_report(rows, as_of)))


def timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        out.append(time.perf_counter() - started)
    return out


def show(label: str, seconds: list[float]) -> None:
    print(f"{label:<50} median {statistics.median(seconds):7.3f} s   min {min(seconds):7.3f} s   (n={len(seconds)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--initiatives", type=int, default=10_000)
    parser.add_argument("--months", type=int, default=60)
    parser.add_argument("--keep", type=Path, default=None, help="reuse / keep the database at PATH")
    args = parser.parse_args()
    workdir = tempfile.TemporaryDirectory()
    path = args.keep or Path(workdir.name) / "bench.duckdb"
    if not path.exists():
        print(f"building {args.initiatives:,} initiatives x {args.months} months ...", flush=True)
        print(f"setup (write_snapshot x {args.months}): {build(path, args.initiatives, args.months):.1f} s")
    with store.connect(path, read_only=True) as con:
        latest = store.list_snapshots(con)[-1].as_of
        rows = load_rows(con, latest)
    population = int((rows["as_of"] == pd.Timestamp(latest)).sum())
    print(f"rows up to {latest:%Y-%m}: {len(rows):,}; population {population:,}")

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "analytics", "report", "--as-of", f"{latest:%Y-%m}", "--db", str(path), "--json"]
    cold = []
    for _ in range(3):
        started = time.perf_counter()
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
        cold.append(time.perf_counter() - started)
    json.loads(done.stdout)
    show("cold: python -m analytics report --json", cold)
    first = timed(lambda: end_to_end(path, latest), 1)
    show("in-process first call (open, read, compute, JSON)", first)
    show("warm: open, read, compute, JSON", timed(lambda: end_to_end(path, latest), 5))
    with store.connect(path, read_only=True) as con:
        show("  of which load_report_rows", timed(lambda: load_report_rows(con, latest), 5))
        show("load_rows (full history, for trend)", timed(lambda: load_rows(con, latest), 5))
        show("store.read_rows (for comparison)", timed(lambda: store.read_rows(con, latest), 3))
    show("compute_report alone", timed(lambda: compute_report(rows, latest), 5))
    show("trend() over all months", timed(lambda: trend(rows), 3))
    show("breakdown(by=business_unit)", timed(lambda: breakdown(rows, latest, "business_unit"), 3))
    workdir.cleanup()


if __name__ == "__main__":
    main()
