"""Keeping Streamlit's per-run garbage collection cheap.

Streamlit forces a full `gc.collect()` after every script run. Its cost grows with every
container object alive in the process, and nearly all of those are the imported libraries
(pandas, plotly, duckdb, pyarrow) and the warm caches: after the first complete run they never
become garbage. Freezing them once moves them out of the collector's view, so each later run
pays only for what it allocated (bench/bench_viewers.py measures the effect).
"""
from __future__ import annotations

import gc
import threading

_lock = threading.Lock()
_frozen = False


def freeze_after_first_run() -> None:
    """Called at the end of a script run; freezes the heap once per server process."""
    global _frozen
    if _frozen:
        return
    with _lock:
        if not _frozen:
            gc.collect()  # what is garbage now is collected, not frozen
            gc.freeze()
            _frozen = True
