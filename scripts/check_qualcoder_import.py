"""Check what QualCoder's own REFI-QDA importer makes of consult-coder's .qdpx export.

QualCoder (https://github.com/ccbogel/QualCoder, LGPL) is not a dependency of consult-coder and none
of its code is kept here: this script runs the importer (``qualcoder/refi.py``) from a checkout you
point it at, headless, against an export of the sample study (or of a project you name), then reads
QualCoder's project database and compares it with the consult-coder project it came from:

- every coding, under its own coder, on the same text;
- every memo: coding memos as QualCoder coding memos, the others as QualCoder journals;
- participants linked to their transcripts (QualCoder keeps cases apart from files, so the link it
  shows is the file attributes "Participant", "Participant group", … on each transcript).

Needs PyQt6 (``pip install PyQt6``; not a consult-coder dependency). Run from a consult-coder checkout:

    QT_QPA_PLATFORM=offscreen python scripts/check_qualcoder_import.py PATH/TO/QualCoder [--db PROJECT]

Without ``--db`` the sample study is loaded into a temporary project; ``--with-memos`` then also gives
it memos on transcripts, codes and the project from each coder, and archives its most used code, so
every kind of memo and an archived code's codings are checked too. Two things are stood in for,
as QualCoder's own GUI would do them: the file dialog returns the export's path, and message boxes
are recorded instead of shown (QualCoder's ``helpers`` module, which only supplies them to the
importer, pulls in PDF and image libraries the importer does not use). QualCoder's tables are created
from the ``CREATE TABLE`` statements in its own ``new_project``. Exit status 0 when everything arrived.
"""

from __future__ import annotations

import argparse
import ast
import os
import sqlite3
import sys
import tempfile
import types
from collections import Counter
from pathlib import Path
from typing import Any


def qualcoder_tables(checkout: Path) -> list[str]:
    """The CREATE TABLE statements QualCoder's ``new_project`` runs, read from its source."""
    tree = ast.parse((checkout / "src" / "qualcoder" / "__main__.py").read_text(encoding="utf-8"))
    new_project = next(n for n in ast.walk(tree)
                       if isinstance(n, ast.FunctionDef) and n.name == "new_project")
    return [node.value for node in ast.walk(new_project)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and node.value.lstrip().upper().startswith("CREATE TABLE")]


class _App:
    """The parts of QualCoder's App object its REFI importer touches."""

    def __init__(self, folder: Path, tables: list[str]) -> None:
        self.project_path = str(folder / "check.qda")
        for sub in ("", "images", "audio", "video", "documents"):
            Path(self.project_path, sub).mkdir(parents=True, exist_ok=True)
        self.conn = sqlite3.connect(Path(self.project_path) / "data.qda")
        for sql in tables:
            self.conn.execute(sql)
        self.conn.execute("INSERT INTO project (databaseversion, memo) VALUES ('check', '')")
        self.conn.commit()
        self.project_name = "check.qda"
        self.settings: dict[str, Any] = {"directory": str(folder), "codername": "qualcoder-user",
                                         "ai_enable": "False"}
        self.ai_models: list[Any] = []
        self.version = "check"
        self.project_events = None

    def write_config_ini(self, *_: object) -> None:
        pass


def run_importer(checkout: Path, qdpx: Path, work: Path) -> tuple[sqlite3.Connection, list[str]]:
    """Run QualCoder's RefiImport on ``qdpx``; QualCoder's database and the messages it showed."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PyQt6 import QtWidgets

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    sys.path.insert(0, str(checkout / "src"))
    messages: list[str] = []

    class Message:  # stands in for qualcoder.helpers.Message: record, do not block
        def __init__(self, _app: object, title: str, text: str, *_: object) -> None:
            messages.append(f"{title}: {text}")

        def exec(self) -> int:
            return 0

    helpers = types.ModuleType("qualcoder.helpers")
    helpers.Message = Message  # type: ignore[attr-defined]
    sys.modules["qualcoder.helpers"] = helpers
    from qualcoder.refi import RefiImport  # type: ignore[import-not-found]

    QtWidgets.QFileDialog.getOpenFileName = staticmethod(lambda *a, **k: (str(qdpx), "qdpx"))  # type: ignore
    qc_app = _App(work, qualcoder_tables(checkout))
    log = QtWidgets.QTextEdit()
    RefiImport(qc_app, log, "qdpx")
    del app
    return qc_app.conn, messages


def expected(db: str) -> dict[str, Any]:
    """What consult-coder holds: codings by coder, coded texts, memos, participants by transcript."""
    from sqlalchemy import select

    from consult_coder.model import Coder, Coding, Memo, Participant, Transcript
    from consult_coder.storage import open_project

    project = open_project(db)
    with project.session() as s:
        rows = s.execute(select(Transcript.title, Transcript.text, Coding.start, Coding.end, Coder.name,
                                Coding.memo).join(Coding, Coding.transcript_id == Transcript.id)
                         .join(Coder)).all()
        owners = {t.title: t.participant_id for t in s.scalars(select(Transcript))}
        groups = {p.id: p.group for p in s.scalars(select(Participant))}
        memos = [m for m in s.scalars(select(Memo)) if m.text.strip()]
    project.close()
    return {
        "codings": Counter((title, text[a:b], coder) for title, text, a, b, coder, _ in rows),
        "by_coder": Counter(coder for *_, coder, _ in rows),
        "coding_memos": Counter(memo for *_, memo in rows if memo.strip()),
        "memos": sorted(m.text for m in memos),
        "owners": owners, "groups": groups,
    }


def arrived(conn: sqlite3.Connection) -> dict[str, Any]:
    q = conn.execute
    codings = q("select s.name, c.seltext, c.owner, c.memo from code_text c "
                "join source s on s.id = c.fid").fetchall()
    attributes = q("select s.name, a.name, a.value from attribute a join source s on s.id = a.id "
                   "where a.attr_type = 'file'").fetchall()
    return {
        "codings": Counter((name, text, owner) for name, text, owner, _ in codings),
        "by_coder": Counter(owner for _, _, owner, _ in codings),
        "coding_memos": Counter(memo for *_, memo in codings if memo),
        "journals": sorted(row[0] for row in q("select jentry from journal")),
        "file_attributes": {(source, name): value for source, name, value in attributes},
        "sources": q("select count(*) from source").fetchone()[0],
        "codes": q("select count(*) from code_name").fetchone()[0],
        "categories": q("select count(*) from code_cat").fetchone()[0],
        "cases": q("select count(*) from cases").fetchone()[0],
        "case_links": q("select count(*) from case_text").fetchone()[0],
        "annotations": q("select count(*) from annotation").fetchone()[0],
    }


def compare(want: dict[str, Any], got: dict[str, Any]) -> list[str]:
    problems = []
    lost = want["codings"] - got["codings"]
    if lost:
        problems.append(f"{sum(lost.values())} codings did not arrive as they were, e.g. {next(iter(lost))}")
    if want["by_coder"] != got["by_coder"]:
        problems.append(f"codings per coder differ: {dict(want['by_coder'])} vs {dict(got['by_coder'])}")
    if want["coding_memos"] != got["coding_memos"]:
        problems.append(f"coding memos: {sum(want['coding_memos'].values())} written, "
                        f"{sum(got['coding_memos'].values())} arrived")
    missing = [m for m in want["memos"] if m not in got["journals"]]
    if missing:
        problems.append(f"{len(missing)} of {len(want['memos'])} other memos did not arrive as journals")
    unlinked = [t for t, pid in want["owners"].items()
                if pid and got["file_attributes"].get((t, "Participant")) != pid]
    if unlinked:
        problems.append(f"{len(unlinked)} transcripts lack their participant, e.g. {unlinked[0]}")
    wrong_group = [t for t, pid in want["owners"].items()
                   if pid and got["file_attributes"].get((t, "Participant group")) != want["groups"][pid]]
    if wrong_group:
        problems.append(f"{len(wrong_group)} transcripts lack their participant's group")
    return problems


def sample_project(folder: Path) -> str:
    from consult_coder.sample import load_demo
    from consult_coder.storage import open_project

    db = str(folder / "sample.sqlite")
    project = open_project(db)
    load_demo(project)
    project.close()
    return db


def add_memos_and_archive(db: str) -> None:
    """A memo from each coder on three transcripts, on each code and on the project; the code with the
    most codings archived."""
    from sqlalchemy import func, select

    from consult_coder.memos import PROJECT_TARGET, write_memo
    from consult_coder.model import Code, Coder, Coding, Transcript
    from consult_coder.storage import open_project

    project = open_project(db)
    with project.session() as s:
        coders = list(s.scalars(select(Coder.name).order_by(Coder.name)))
        transcripts = list(s.scalars(select(Transcript.id).order_by(Transcript.id).limit(3)))
        codes = list(s.scalars(select(Code.id).order_by(Code.id)))
        for coder in coders:
            for t in transcripts:
                text = f"{coder}: rapport builds slowly in transcript {t}."
                write_memo(s, "transcript", t, coder, text, "check")
            for code in codes:
                write_memo(s, "code", code, coder, f"{coder}: boundary of {code} discussed.", "check")
            write_memo(s, "project", PROJECT_TARGET, coder, f"{coder}: coding frame agreed.", "check")
        write_memo(s, "project", PROJECT_TARGET, None, "Shared: synthetic data only.", "check")
        busiest = s.scalar(select(Coding.code_id).group_by(Coding.code_id)
                           .order_by(func.count().desc()).limit(1))
        s.get(Code, busiest).archived = True
    project.close()


def export(db: str, folder: Path) -> Path:
    from consult_coder.refi import write_qdpx_file
    from consult_coder.storage import open_project

    path = folder / "export.qdpx"
    project = open_project(db)
    with project.session() as s, open(path, "wb") as out:
        write_qdpx_file(s, out)
    project.close()
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("qualcoder", type=Path,
                        help="a QualCoder checkout (the folder holding src/qualcoder)")
    parser.add_argument("--db", help="a consult-coder project (default: the sample study, in a "
                                     "temporary project)")
    parser.add_argument("--with-memos", action="store_true",
                        help="sample study: add memos of every kind and archive its most used code first")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cc-qualcoder-") as tmp:
        work = Path(tmp)
        db = args.db or sample_project(work)
        if args.with_memos and not args.db:
            add_memos_and_archive(db)
        qdpx = export(db, work)
        conn, messages = run_importer(args.qualcoder.resolve(), qdpx, work)
        want, got = expected(db), arrived(conn)
        conn.close()
    print(f"consult-coder: {sum(want['codings'].values())} codings "
          f"({', '.join(f'{c} {n}' for c, n in sorted(want['by_coder'].items()))}), "
          f"{sum(want['coding_memos'].values())} coding memos, {len(want['memos'])} other memos, "
          f"{sum(1 for p in want['owners'].values() if p)} transcripts with a participant")
    print(f"QualCoder:     {sum(got['codings'].values())} codings "
          f"({', '.join(f'{c} {n}' for c, n in sorted(got['by_coder'].items()))}), "
          f"{sum(got['coding_memos'].values())} coding memos, {len(got['journals'])} journals, "
          f"{got['sources']} sources, {got['codes']} codes, {got['categories']} categories, "
          f"{got['cases']} cases ({got['case_links']} case-file links), {got['annotations']} annotations, "
          f"{len({s for s, n in got['file_attributes'] if n == 'Participant'})} sources with a "
          "Participant attribute")
    warnings = [m for m in messages if "EXPERIMENTAL" not in m.upper() and "imported" not in m.lower()]
    for m in warnings:
        print(f"QualCoder said: {' '.join(m.split())[:200]}")
    problems = compare(want, got)
    for p in problems:
        print(f"PROBLEM: {p}")
    print("everything arrived" if not problems else f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
