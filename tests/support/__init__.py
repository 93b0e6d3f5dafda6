"""Helpers the tests share, imported one way: `from tests.support.MODULE import NAME`.

environment  ROOT (the repository), Chromium's path and the gate for browser tests
scenario     initiatives and their monthly rows, written as real snapshots (write_months)
hostile      hostile and odd uploads with the refusal the guard must give
apptest      the Streamlit AppTest helpers (the app, fresh caches)
"""
