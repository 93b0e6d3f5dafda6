"""Keeping Streamlit's per-run garbage collection cheap, and the server's memory handed back.

Streamlit forces a full `gc.collect()` after every script run. Its cost grows with every
container object alive in the process, and nearly all of those are the imported libraries
(pandas, plotly, duckdb, pyarrow) and the warm caches: after the first complete run they never
become garbage. Freezing them once moves them out of the collector's view, so each later run
pays only for what it allocated (bench/bench_viewers.py measures the effect).

A large upload allocates hundreds of MB for a moment; the server gives them back to the
operating system afterwards (bench/bench_upload.py measures the peak and what stays).
"""
from __future__ import annotations

import ctypes
import ctypes.util
import gc
import os
import threading
from collections.abc import Callable

from analytics import ARROW_POOL_ENV

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


def _libc_trim() -> Callable[[], object] | None:
    try:
        trim = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc (macOS, musl): nothing to hand back
        return None
    return lambda: trim(0)


_trim = _libc_trim()


def use_system_allocator() -> None:
    """Arrow's buffers from the C library's allocator instead of its bundled mimalloc.

    mimalloc keeps freed pages for the thread that freed them, and every Streamlit script run
    is a new thread: after a 24 MB upload's commit the server kept 400 MB (floor 220 MB), which
    the next upload's reading came on top of. glibc's pages are handed back (give_back)."""
    import pyarrow as pa

    if os.environ.get(ARROW_POOL_ENV, "system") != "system":
        return  # the operator's choice (analytics/__init__.py sets "system" only as a default)
    system = pa.system_memory_pool()
    if pa.default_memory_pool().backend_name != system.backend_name:
        pa.set_memory_pool(system)


def give_back() -> None:
    """Hand the memory freed so far back to the operating system (after a large upload is
    read, committed or dropped): Arrow's unused pages, then glibc's free heap pages."""
    import pyarrow as pa

    pa.default_memory_pool().release_unused()
    if _trim is not None:
        _trim()
