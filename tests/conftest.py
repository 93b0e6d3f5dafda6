"""Shared fixtures: a fresh DuckDB file per test, and the Chromium gate for browser tests."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def db_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A database path no other test shares; also what $PORTFOLIO_DB points at."""
    path = tmp_path / "portfolio.duckdb"
    monkeypatch.setenv("PORTFOLIO_DB", str(path))
    return path


def chromium_available() -> bool:
    return Path(CHROMIUM).exists() or shutil.which("chromium") is not None


def require_chromium() -> None:
    """Skip with a reason where Chromium is missing; under CI a missing browser fails."""
    if chromium_available():
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail("Chromium is required under CI: .ci/run installs Debian's chromium package")
    pytest.skip("Chromium not installed (apt-get install -y chromium)")


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
