"""The portfolio's import, store, metrics, charts and board pack; no Streamlit here."""
import os

#: Arrow's allocator for this process, read once by Arrow's C++ library when it loads.
ARROW_POOL_ENV = "ARROW_DEFAULT_MEMORY_POOL"
# The C library's allocator unless the operator chose another: every entry point (the command
# line, the dashboard, the tests) imports this package before pandas loads Arrow. Arrow's
# bundled mimalloc made the import's Arrow work twice as slow in a fresh process (0.47 s against
# 0.26 s for the rows of the 200,000-row limit, most of it first use of its pages) and kept
# 36 MB more at its peak; and it keeps the pages a thread freed, while every Streamlit script
# run is a new thread, so the server kept what an upload's reading had freed
# (dashboard/heap.py, bench/bench_upload.py).
os.environ.setdefault(ARROW_POOL_ENV, "system")
