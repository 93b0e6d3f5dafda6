"""Where the repository is, and whether a browser is there to drive."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app.py"
CHROMIUM = "/usr/bin/chromium"


def chromium_available() -> bool:
    return Path(CHROMIUM).exists() or shutil.which("chromium") is not None


def require_chromium() -> None:
    """Skip with a reason where Chromium is missing; under CI a missing browser fails."""
    if chromium_available():
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail("Chromium is required under CI: .ci/run installs Debian's chromium package")
    pytest.skip("Chromium not installed (apt-get install -y chromium)")
