"""What a hostile upload costs the server: wall time and peak memory of each case in
tests/support/hostile.py through the guard alone and through the whole import preparation, plus a
legitimate 200,000-row workbook prepared and imported.

Each measurement runs in a fresh process; its peak resident memory is the kernel's figure for
that child (os.wait4, the per-child form of getrusage(RUSAGE_CHILDREN)). The 'baseline' row is
a child that only loads the modules: subtract it to see what a case itself costs.
Targets: every refusal under 500 MB peak and a few seconds; the 200k import within the limits.
The 200k workbook is generated once with openpyxl and cached in /tmp (about 15 s).

Run: .venv/bin/python bench/bench_refusals.py [--only NAME ...] [--stages guard,prepare]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]

CACHE = Path(tempfile.gettempdir()) / "bench_refusals"
PEAK_TARGET_MB = 500
SECONDS_TARGET = 3.0
LEGIT = "legit_200k_rows"


def child(stage: str, case_file: str, file_name: str) -> None:
    """Runs in the measured process: one stage on one file, prints a JSON result."""
    from analytics.ingest import import_file, prepare_import
    from analytics.ingest.guard import check_bytes
    from analytics.problems import ImportRefused, PortfolioError

    data = Path(case_file).read_bytes() if stage != "baseline" else b""
    started = time.perf_counter()
    try:
        if stage == "baseline":
            outcome = "modules loaded"
        elif stage == "guard":
            outcome = f"accepted as {check_bytes(data).value}"
        elif stage == "prepare":
            plan = prepare_import(data, file_name)
            outcome = f"plan: {len(plan.rows):,} rows, {len(plan.errors)} errors"
        else:
            with tempfile.TemporaryDirectory() as folder:
                result = import_file(data, db=Path(folder) / "bench.duckdb", as_of="2025-03",
                                     file_name=file_name)
            outcome = f"{result.status} {result.rows:,} rows"
    except ImportRefused as exc:
        outcome = f"refused: {exc.problems[0].code}" if exc.problems else "refused"
    except PortfolioError as exc:
        outcome = f"refused: {type(exc).__name__}"
    except BaseException as exc:  # the whole point is to see these, never to hide them
        outcome = f"UNEXPECTED {type(exc).__name__}: {str(exc)[:80]}"
    print(json.dumps({"seconds": time.perf_counter() - started, "outcome": outcome}))


def run_and_reap(stage: str, case_file: Path, file_name: str) -> tuple[float, float, str]:
    """(seconds, peak RSS in MB, outcome) of one stage in its own process, reaped with wait4."""
    process = subprocess.Popen(
        [sys.executable, __file__, "--child", stage, str(case_file), file_name],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out = process.stdout.read()
    err = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    peak_mb = usage.ru_maxrss / 1024
    try:
        result = json.loads(out.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return float("nan"), peak_mb, f"CRASHED (exit {process.returncode}): {err.strip()[-160:]}"
    return result["seconds"], peak_mb, result["outcome"]


def build_cases(only: set[str]) -> None:
    """Runs in a helper process: writes each case's bytes to the cache, prints the list."""
    from tests.support import hostile

    CACHE.mkdir(exist_ok=True)
    files = []
    for case in hostile.CASES:
        if only and case.name not in only:
            continue
        path = CACHE / f"{case.name}.bin"
        if not path.exists():
            path.write_bytes(case.build())
        files.append((case.name, path, case.file_name))
    if not only or LEGIT in only:
        started = time.perf_counter()
        big = hostile.big_workbook_file(200_000)
        if time.perf_counter() - started > 1:
            print(f"(generated {big} in {time.perf_counter() - started:.0f} s)")
        files.append((LEGIT, big, "portfolio-2025-03.xlsx"))
    print(json.dumps([[name, str(path), file_name] for name, path, file_name in files]))


def case_files(only: set[str]) -> list[tuple[str, Path, str]]:
    """The cases' files, built in another process: Linux carries a parent's resident size into
    a forked child's peak, so this process must stay small for the children's figures to hold."""
    done = subprocess.run([sys.executable, __file__, "--build", *sorted(only)],
                          capture_output=True, text=True, check=True)
    lines = done.stdout.strip().splitlines()
    for note in lines[:-1]:
        print(note)
    return [(name, Path(path), file_name) for name, path, file_name in json.loads(lines[-1])]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", default=[], help="case names to run")
    parser.add_argument("--stages", default="guard,prepare", help="comma-separated: guard,prepare")
    args = parser.parse_args()
    stages = [s for s in args.stages.split(",") if s]

    files = case_files(set(args.only))
    _, base_mb, _ = run_and_reap("baseline", files[0][1], files[0][2])
    print(f"baseline (modules loaded, nothing read): peak {base_mb:.0f} MB")
    print("| case | size | stage | outcome | seconds | peak RSS MB | within target |")
    print("|---|---:|---|---|---:|---:|---|")
    misses = 0
    for name, path, file_name in files:
        run_stages = [*stages, "import"] if name == LEGIT else stages
        for stage in run_stages:
            seconds, peak_mb, outcome = run_and_reap(stage, path, file_name)
            sound = not outcome.startswith(("UNEXPECTED", "CRASHED"))
            if name == LEGIT:  # the legitimate import must complete: accepted, not refused
                ok = sound and not outcome.startswith("refused")
            else:
                ok = sound and peak_mb < PEAK_TARGET_MB and seconds < SECONDS_TARGET
            misses += not ok
            size = path.stat().st_size
            print(f"| {name} | {size / 1024 / 1024:.1f} MB | {stage} | {outcome} | {seconds:.2f} "
                  f"| {peak_mb:.0f} | {'yes' if ok else 'NO'} |", flush=True)
    print(f"{misses} case(s) outside the targets (each hostile case: peak < {PEAK_TARGET_MB} MB "
          f"and < {SECONDS_TARGET:g} s; the 200k workbook: accepted and imported)")
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(*sys.argv[2:5])
    elif len(sys.argv) > 1 and sys.argv[1] == "--build":
        build_cases(set(sys.argv[2:]))
    else:
        sys.exit(main())
