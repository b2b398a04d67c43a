"""What the browser tests share: the app served on a prepared project, Debian's headless Chromium, and
a look at what the project stored. The moves a user makes, each waiting for the state the next step
needs, are in actions.py. Not a test module: tests and conftest.py import from here.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from consult_coder import coding
from consult_coder.model import Coding, Participant, Transcript
from consult_coder.sample import load_demo
from consult_coder.storage import Project, open_project
from consult_coder.text import content_hash
from tests.browser.actions import eventually
from tests.factories import REPO, free_port, stored_turns

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


def sample_copy(root: Path, *coders: str) -> tuple[str, dict[str, int]]:
    """A throwaway copy of the sample study (what ``consult-coder demo`` loads) in ``root``: its database
    and the transcript ids by participant. ``coders`` are added with nothing coded yet."""
    db = str(root / "sample.sqlite")
    project = open_project(db)
    try:
        with project.session() as s:
            load_demo(s)
            for name in coders:
                coding.get_or_create_coder(s, name)
            ids = {t.participant_id: t.id for t in coding.transcript_choices(s) if t.participant_id}
    finally:
        project.close()
    return db, ids


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
    port = free_port()
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


def launch(playwright, profile: Path, width: int = 1400, height: int = 1000):  # noqa: ANN001, ANN201
    """Debian's Chromium, headless, with a fresh profile (downloads allowed, for the export tests)."""
    return playwright.chromium.launch_persistent_context(
        str(profile), executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True, accept_downloads=True,
        viewport={"width": width, "height": height})


def stored(app: App) -> tuple[str, list[tuple[int, int, str, str, int]]]:
    project = open_project(app.db)
    try:
        with project.session() as s:
            text = s.get(Transcript, app.transcript_id).text
            rows = [(c.start, c.end, c.code_id, c.memo, c.id)
                    for c in s.query(Coding).filter(Coding.transcript_id == app.transcript_id)
                    .order_by(Coding.start, Coding.code_id)]
        return text, rows
    finally:
        project.close()


def wait_for_db(app: App, check, what: str) -> list:  # noqa: ANN001
    """The project's codings once ``check(text, rows)`` holds for them."""
    def rows_if_done() -> list | None:
        text, rows = stored(app)
        return (rows,) if check(text, rows) else None

    return eventually(rows_if_done, f"the project showing {what}")[0]
