"""A real app in a real browser: `streamlit run app.py` on a prepared project, and headless Chromium.

Chromium is Debian's /usr/bin/chromium; no browser is ever downloaded. When it is missing the browser
tests fail with a message saying so.

The project holds the short P07 transcript of the coding study (tests/factories.py) and a long one
(C05, tests/browser/support.py) that does not fit on one screen, so jumping and stepping through search
hits have to scroll.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from consult_coder import coding
from consult_coder.storage import open_project
from tests.browser.support import CHROMIUM, App, build_long_transcript, launch, serve
from tests.factories import build_coding_study


@pytest.fixture(scope="session")
def app_server() -> Iterator[App]:
    root = Path(tempfile.mkdtemp(prefix="cc-browser-"))
    db = str(root / "project.sqlite")
    project = open_project(db)
    tid = build_coding_study(project)
    long_id = build_long_transcript(project)
    with project.session() as s:  # the coder exists, so the sidebar lists it
        coding.get_or_create_coder(s, "amira")
    project.close()
    log = root / "streamlit.log"
    try:
        with serve(db, log) as url:
            yield App(url=url, db=db, transcript_id=tid, long_id=long_id, log=log)
    except RuntimeError as exc:
        pytest.fail(str(exc))


@pytest.fixture
def page(tmp_path: Path):  # noqa: ANN201 - playwright Page
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is not installed at {CHROMIUM}: apt-get install chromium "
                    "(the browser tests never download a browser)")
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=30_000)  # a rerun on a busy 2-core machine can take seconds

    with sync_playwright() as pw:
        context = launch(pw, tmp_path / "profile")
        context.set_default_timeout(30_000)
        try:
            yield context.pages[0] if context.pages else context.new_page()
        finally:
            context.close()


BROWSER_FIXTURES = {"page", "app_server"}


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects anything, so every run checks every test
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that starts Chromium or the app must carry the browser mark (``-m "not browser"``
    promises never to start Chromium)."""
    unmarked = [item.nodeid for item in items
                if BROWSER_FIXTURES & set(getattr(item, "fixturenames", ()))
                and item.get_closest_marker("browser") is None]
    if unmarked:
        raise pytest.UsageError("these tests use the browser but lack the browser mark (put "
                                "`pytestmark = pytest.mark.browser` in their module): " + ", ".join(unmarked))
