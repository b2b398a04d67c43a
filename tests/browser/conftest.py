"""A real app in a real browser: `streamlit run app.py` on a prepared project, and headless Chromium.

Chromium is Debian's /usr/bin/chromium; no browser is ever downloaded. When it is missing the browser
tests fail with a message saying so.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from consult_coder import coding
from consult_coder.storage import open_project
from tests.conftest import REPO, _free_port
from tests.test_coding import build_study

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@dataclass
class App:
    url: str
    db: str
    transcript_id: int
    log: Path


@pytest.fixture(scope="session")
def app_server() -> Iterator[App]:
    root = Path(tempfile.mkdtemp(prefix="cc-browser-"))
    db = str(root / "project.sqlite")
    project = open_project(db)
    tid = build_study(project)
    with project.session() as s:  # the coder exists, so the sidebar lists it
        coding.get_or_create_coder(s, "amira")
    project.close()

    port = _free_port()
    log = root / "streamlit.log"
    env = {**os.environ, "CONSULT_CODER_DB": db}
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
             "--server.address", "127.0.0.1", "--server.port", str(port),
             "--browser.gatherUsageStats", "false"],
            cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                    if resp.read().decode().strip() == "ok":
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"streamlit did not start:\n{log.read_text()}")
            time.sleep(0.3)
        yield App(url=url, db=db, transcript_id=tid, log=log)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture
def page(tmp_path: Path):  # noqa: ANN201 - playwright Page
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is not installed at {CHROMIUM}: apt-get install chromium "
                    "(the browser tests never download a browser)")
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=30_000)  # a rerun on a busy 2-core machine can take seconds

    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True,
            viewport={"width": 1400, "height": 1000})
        context.set_default_timeout(30_000)
        try:
            yield context.pages[0] if context.pages else context.new_page()
        finally:
            context.close()
