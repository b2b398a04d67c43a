"""The test suite's own promise: ``pytest -m "not browser"`` never starts Chromium or the app."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_deselecting_browser_tests_leaves_none_that_start_chromium():
    """Every test under tests/browser carries the browser mark (tests/browser/conftest.py refuses a
    test that uses the browser without it), so `-m "not browser"` deselects them all."""
    out = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
                          "-m", "not browser", "tests/browser"],
                         capture_output=True, text=True, cwd=REPO)
    assert out.returncode == 5, out.stdout + out.stderr  # 5: every test found was deselected
    assert "no tests collected" in out.stdout and "deselected" in out.stdout, out.stdout
