"""The Streamlit UI layer: the cached data seam, filters, access and shared render helpers.

Pages import from here; nothing here holds SQL or metric logic (that is `analytics/`).
"""
