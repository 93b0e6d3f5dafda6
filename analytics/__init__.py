"""The portfolio's import, store, metrics, charts and board pack; no Streamlit here."""
import os

# Read once, when pyarrow first loads: every entry point (the command line, the dashboard, the
# tests) imports this package before pandas. Arrow's bundled mimalloc made the import's Arrow
# work more than twice as slow in a fresh process (0.47 s against 0.26 s for the rows of the
# 200,000-row limit, most of it first use of its pages) and kept 36 MB more at the peak; the C
# library's allocator hands freed pages back, which a long-lived server needs as well.
os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")
