"""Benchmark: the 24 MB upload of distinct text through the Data page of a real server.

A `streamlit run app.py` on a fresh, empty DuckDB (local unprotected mode: the analyst's page),
one headless Chromium: open the Data page, give the file uploader the 24 MB workbook of
bench/bench_import.py (115,000 rows x 25 columns, every text cell distinct), wait for the
preview, press Commit, wait for the success message. The server process's resident memory is
read from /proc: VmRSS with the page open is the page's own footprint (the floor), VmHWM the
peak of each step (reset between steps through /proc/PID/clear_refs). Issue #11's target:
every upload of at most 25 MB handled, accepted or refused, in under 500 MB peak and 15 s.

Then, in a new session, the same file with an Excel error as one initiative's stage is uploaded:
it must be refused within the same bounds (--skip-refusal leaves this out).

Run: .venv/bin/python bench/bench_upload.py [--skip-refusal]
"""
from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_import import WIDE_FILE, write_wide_text  # noqa: E402

from tests.support.server import serve  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
TARGET_MB = 500
TARGET_SECONDS = 15
MONTH = "2025-03"
_IDLE = """() => {
  if (document.querySelector('[data-testid="stStatusWidget"]')) return false;
  const app = document.querySelector('[data-testid="stApp"]');
  return !!app && app.getAttribute('data-test-script-state') !== 'running';
}"""


def _status_mb(pid: int, field: str) -> float:
    text = Path(f"/proc/{pid}/status").read_text()
    match = re.search(rf"^{field}:\s+(\d+) kB", text, re.MULTILINE)
    assert match, field
    return int(match.group(1)) / 1024


def _reset_peak(pid: int) -> None:
    # "5" resets the peak resident set size (VmHWM) to the current one (proc(5)).
    Path(f"/proc/{pid}/clear_refs").write_text("5")


class _Sampler:
    """VmRSS every 20 ms, for a peak that does not depend on clear_refs being allowed."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.peak = max(self.peak, _status_mb(self.pid, "VmRSS"))
            except (FileNotFoundError, ProcessLookupError):
                return
            time.sleep(0.02)

    def restart(self) -> None:
        self.peak = _status_mb(self.pid, "VmRSS")

    def __enter__(self) -> _Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def with_error_cell(source: Path, target: Path) -> None:
    """The same workbook with a #REF! error as the first initiative's stage (a blocking error)."""
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                stage = data.index(b"<t>Pilot</t>")
                cell = data.rindex(b"<c ", 0, stage)
                end = data.index(b"</c>", stage) + len(b"</c>")
                data = data[:cell] + b'<c t="e"><v>#REF!</v></c>' + data[end:]
            zout.writestr(info, data)


def _open_data_page(browser, url: str):
    page = browser.new_page(viewport={"width": 1440, "height": 2400})
    page.goto(f"{url}/data")
    page.get_by_text("Load the monthly export").wait_for(timeout=120_000)
    page.wait_for_function(_IDLE, timeout=120_000)
    return page


def _upload(page, workbook: Path) -> None:
    page.locator('input[type="file"]').set_input_files(str(workbook))
    month = page.get_by_role("textbox", name="As-of month (YYYY-MM)")
    month.wait_for(timeout=120_000)
    if not month.input_value():
        page.wait_for_function(_IDLE, timeout=120_000)
        month.fill(MONTH)
        month.press("Enter")


def run(workbook: Path, refused: Path | None) -> None:
    from playwright.sync_api import sync_playwright

    workdir = Path(tempfile.mkdtemp(prefix="bench-upload-"))
    db = workdir / "upload.duckdb"
    # Named for its month, as an analyst's export is: the as-of month is filled in by the page.
    named = workdir / f"portfolio-{MONTH}.xlsx"
    shutil.copy(workbook, named)
    workbook = named
    env = {"PORTFOLIO_LOAD_SAMPLE": "0"}
    rows: list[tuple[str, float, float, float]] = []
    with serve(ROOT / "app.py", db, workdir / "streamlit.log", **env) as app, \
            sync_playwright() as p, _Sampler(app.pid) as sampler:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = _open_data_page(browser, app.url)
            time.sleep(1.0)
            floor = _status_mb(app.pid, "VmRSS")
            start_peak = _status_mb(app.pid, "VmHWM")

            def step(label: str, action) -> None:
                _reset_peak(app.pid)
                sampler.restart()
                before = _status_mb(app.pid, "VmRSS")
                started = time.perf_counter()
                action()
                seconds = time.perf_counter() - started
                time.sleep(0.5)
                peak = max(_status_mb(app.pid, "VmHWM"), sampler.peak)
                rows.append((label, seconds, before, peak))
                print(f"  {label}: {seconds:.1f} s, peak {peak:.0f} MB", flush=True)

            def preview() -> None:
                _upload(page, workbook)
                page.get_by_text("What was found").wait_for(timeout=300_000)
                page.wait_for_function(_IDLE, timeout=300_000)

            def commit() -> None:
                page.get_by_role("button", name=re.compile("^Commit")).click()
                page.get_by_text(re.compile(r"imported: [\d,]+ initiatives")).wait_for(
                    timeout=300_000)
                page.wait_for_function(_IDLE, timeout=300_000)

            step("upload -> preview", preview)
            step("commit -> success", commit)
            after = _status_mb(app.pid, "VmRSS")
            if refused is not None:
                page.close()
                page = _open_data_page(browser, app.url)

                def refusal() -> None:
                    _upload(page, refused)
                    try:
                        page.get_by_text(re.compile("problems block this import|was refused")
                                         ).first.wait_for(timeout=120_000)
                    finally:
                        page.screenshot(path=str(workdir / "refusal.png"), full_page=True)
                    page.wait_for_function(_IDLE, timeout=300_000)

                step("refusal (one error cell)", refusal)
        finally:
            browser.close()

    print(f"{workbook.name}: {workbook.stat().st_size / 1e6:.1f} MB, server on an empty database")
    print(f"page open (floor): VmRSS {floor:.0f} MB (peak so far {start_peak:.0f} MB)")
    print(f"{'step':26} {'wall s':>7} {'RSS before':>11} {'peak MB':>8} {'over floor':>11}  verdict")
    for label, seconds, before, peak in rows:
        verdict = "ok" if peak < TARGET_MB and seconds < TARGET_SECONDS else "OVER"
        print(f"{label:26} {seconds:7.1f} {before:11.0f} {peak:8.0f} {peak - floor:+11.0f}  {verdict}")
    overall = max(peak for _, _, _, peak in rows)
    print(f"server peak {overall:.0f} MB = {overall / TARGET_MB:.2f}x the {TARGET_MB} MB target "
          f"({overall - TARGET_MB:+.0f} MB); floor {floor:.0f} MB; RSS after commit {after:.0f} MB")
    shutil.rmtree(workdir, ignore_errors=True)  # kept when a step failed: its log and picture


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-refusal", action="store_true",
                        help="do not upload the same file with an error cell (refused)")
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"needs Chromium at {CHROMIUM} (apt-get install -y chromium)")
    if not WIDE_FILE.exists():
        write_wide_text(WIDE_FILE)
    refused = None
    if not args.skip_refusal:
        refused = WIDE_FILE.with_name(WIDE_FILE.stem + "-stage-error.xlsx")
        if not refused.exists():
            with_error_cell(WIDE_FILE, refused)
    run(WIDE_FILE, refused)


if __name__ == "__main__":
    main()
