"""A large import must not lock coders out: on SQLite a coder's save made while an import is running
succeeds (it used to wait for the import's write lock and fail with "database is locked" after 10 s),
and the import is still all or nothing."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import func, select

from consult_coder.coding import add_coding
from consult_coder.ingest import import_files
from consult_coder.model import Code, Coding, Participant, Transcript
from consult_coder.storage import open_project
from tests.factories import in_session

FILES = 130  # more than two of the import's chunks


def _batch() -> list[tuple[str, bytes]]:
    return [(f"P{i:03d}_consultation.txt",
             f"Interviewer: How was it, visit {i}?\n\nP{i:03d}: It helped in week {i}, mostly.\n".encode())
            for i in range(1, FILES + 1)]


def _participants() -> bytes:
    rows = "".join(f"P{i:03d},youth,young person,14-17\n" for i in range(1, FILES + 1))
    return ("participant_id,group,role,age_band\n" + rows).encode()


def test_a_coders_save_during_a_large_import_succeeds(tmp_path: Path) -> None:
    location = str(tmp_path / "project.sqlite")
    project = open_project(location)
    coder_project = open_project(location)  # the coder's own connection pool, as in a second browser tab
    with project.session() as s:
        s.add(Code(id="trust", name="Trust", definition="Feeling safe with the clinician"))
    in_session(project, import_files, [("P900_first.txt", b"Interviewer: Hello?\n\nP900: I trust her.\n")],
               actor="setup")
    with project.session() as s:
        first = s.scalars(select(Transcript)).one()
        start = first.text.index("I trust her")

    outcome: dict[str, object] = {}

    def coder_saves() -> None:
        try:
            outcome["ids"] = in_session(coder_project, add_coding, first.id, start, start + 11, ["trust"],
                                        "alice")
        except Exception as exc:  # what the coder would see: the save failed
            outcome["error"] = exc

    def progress(done: int, total: int, name: str) -> None:
        # Late in the import, once most files are read, the coder saves; the import waits for the save
        # to finish (or give up) before it goes on, so the two certainly overlap.
        if done == total - 1:
            saver = threading.Thread(target=coder_saves)
            saver.start()
            saver.join(timeout=120)

    report = in_session(project, import_files, _batch(), _participants(), "participants.csv", actor="import",
                        progress=progress)

    assert "error" not in outcome, f"the coder's save failed during the import: {outcome.get('error')}"
    assert len(report.imported) == FILES
    with project.session() as s:
        assert s.scalar(select(func.count()).select_from(Coding)) == 1
        assert s.scalar(select(func.count()).select_from(Transcript)) == FILES + 1
        assert s.scalar(select(func.count()).select_from(Participant)) == FILES + 1
    project.close()
    coder_project.close()


def test_an_import_that_fails_late_still_writes_nothing(tmp_path: Path) -> None:
    project = open_project(str(tmp_path / "project.sqlite"))
    batch = [*_batch(), ("P999_broken.txt", b"no speaker labels anywhere in this file")]
    try:
        in_session(project, import_files, batch, _participants(), "participants.csv", actor="import")
    except Exception as exc:  # noqa: BLE001 - the message is checked below
        message = str(exc)
    assert "P999_broken.txt: no speaker turns found" in message and "nothing was imported" in message
    with project.session() as s:
        for table in (Transcript, Participant):
            assert s.scalar(select(func.count()).select_from(table)) == 0
    project.close()
