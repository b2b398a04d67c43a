"""A real app in a real browser: `streamlit run app.py` on a prepared project, and headless Chromium.

Chromium is Debian's /usr/bin/chromium; no browser is ever downloaded. When it is missing the browser
tests fail with a message saying so.

The project holds the short P07 transcript of tests/test_coding.py and a long one (C05) that does not
fit on one screen, so jumping and stepping through search hits have to scroll.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from consult_coder import coding
from consult_coder.model import Participant, Transcript
from consult_coder.storage import Project, open_project
from consult_coder.text import content_hash
from tests.conftest import REPO, _free_port
from tests.factories import stored_turns
from tests.test_coding import build_study

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


# Synthetic words, written for these tests: a clinician's long consultation, one passage near its end.
LONG_QUESTIONS = ["How do you start with a new young person?", "What happens when sessions are missed?",
                  "How do you explain what stays private?", "What do families ask you about?",
                  "How do you know the work is helping?"]
LONG_ANSWERS = ["I ask what they want to be different in a month, and we write it down in their words.",
                "I send a short message the same day, and we find a time that suits the bus timetable.",
                "I say what I keep to myself and the few things I would have to share, and why.",
                "Mostly how long it takes, and whether the sessions replace school support.",
                "We look back at the goals together every fourth session and adjust them."]
LONG_TARGET = "The fish tank in the waiting room settles nearly everyone before the session starts."


def build_long_transcript(project: Project) -> int:
    """C05's consultation: 25 question-and-answer rounds, then LONG_TARGET, then a few more rounds."""
    said = [(LONG_QUESTIONS[i % 5], LONG_ANSWERS[i % 5]) for i in range(25)]
    said += [("Anything about the place itself?", LONG_TARGET)]
    said += [(LONG_QUESTIONS[i % 5], LONG_ANSWERS[i % 5]) for i in range(4)]
    text, turns = stored_turns([turn for question, answer in said
                                for turn in (("Interviewer", "interviewer", question),
                                             ("C05", "participant", answer))])
    with project.session() as s:
        s.add(Participant(id="C05", group="clinician", role="occupational therapist", age_band=""))
        tr = Transcript(participant_id="C05", title="C05 consultation", text=text,
                        content_hash=content_hash(text), source_name="C05.txt", source_format="txt",
                        turns=turns)
        s.add(tr)
        s.flush()
        return tr.id


@dataclass
class App:
    url: str
    db: str
    transcript_id: int
    long_id: int
    log: Path


# What the tests pass besides the port; the project's .streamlit/config.toml says the same.
STREAMLIT_FLAGS = ("--server.headless", "true", "--server.address", "127.0.0.1",
                   "--browser.gatherUsageStats", "false")


@contextmanager
def serve(db: str, log: Path, flags: tuple[str, ...] = STREAMLIT_FLAGS) -> Iterator[str]:
    """``streamlit run app.py`` on the project at ``db``, on a free local port; yields its URL.

    ``flags=()`` runs it with the project's own settings only, as a user's ``streamlit run`` does.
    """
    port = _free_port()
    env = {**os.environ, "CONSULT_CODER_DB": db}
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", *flags, "--server.port", str(port)],
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
                raise RuntimeError(f"streamlit did not start:\n{log.read_text()}")
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="session")
def app_server() -> Iterator[App]:
    root = Path(tempfile.mkdtemp(prefix="cc-browser-"))
    db = str(root / "project.sqlite")
    project = open_project(db)
    tid = build_study(project)
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


def launch(playwright, profile: Path, width: int = 1400, height: int = 1000):  # noqa: ANN001, ANN201
    """Debian's Chromium, headless, with a fresh profile (downloads allowed, for the export tests)."""
    return playwright.chromium.launch_persistent_context(
        str(profile), executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True, accept_downloads=True,
        viewport={"width": width, "height": height})


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
