"""Shared fixtures: a fresh DuckDB file per test, the sample portfolio, fresh Streamlit caches.

Helpers are not defined here: they live in tests/support/ and are imported from there. The
names below are re-exported so `from tests.conftest import ROOT` keeps working.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.support.environment import CHROMIUM, ROOT, chromium_available, require_chromium

__all__ = ["CHROMIUM", "ROOT", "chromium_available", "require_chromium"]


@pytest.fixture
def db_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A database path no other test shares; also what $PORTFOLIO_DB points at."""
    path = tmp_path / "portfolio.duckdb"
    monkeypatch.setenv("PORTFOLIO_DB", str(path))
    return path


@pytest.fixture(scope="session")
def sample_db_master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped sample portfolio imported once per test session (tests copy it)."""
    from analytics.sample import load_sample

    path = tmp_path_factory.mktemp("sample") / "sample.duckdb"
    load_sample(path)
    return path


@pytest.fixture
def sample_db(sample_db_master: Path, db_file: Path) -> Path:
    """A private copy of the sample database, also what $PORTFOLIO_DB points at."""
    shutil.copyfile(sample_db_master, db_file)
    return db_file


@pytest.fixture
def fresh_streamlit_caches() -> None:
    """AppTest runs in this process: Streamlit's caches would carry one test's data into the next.

    The AppTest modules use it for every test: pytestmark = usefixtures("fresh_streamlit_caches").
    """
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()
