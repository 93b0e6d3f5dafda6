"""The Streamlit UI layer: the cached data seam, filters, access and shared render helpers.

Pages import from here; nothing here holds SQL or metric logic (that is `analytics/`).
"""
import os

#: Arrow's allocator for this process, read once by Arrow's C++ library when it loads.
ARROW_POOL_ENV = "ARROW_DEFAULT_MEMORY_POOL"
# Before pandas loads Arrow: its C++ allocations read this once. Arrow's bundled mimalloc keeps
# the pages a thread freed, and every Streamlit script run is a new thread, so after a large
# upload the server kept what its reading had freed (dashboard/heap.py, bench/bench_upload.py).
os.environ.setdefault(ARROW_POOL_ENV, "system")
