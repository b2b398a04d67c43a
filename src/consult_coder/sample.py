"""The synthetic sample study: 32 consultations, the working-alliance codebook, two coders' codings.

Loading it twice changes nothing: transcripts are recognised by their content hash, and a coder's
sample codings are only loaded when that coder has no codings yet.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from consult_coder.access import require_lead
from consult_coder.codebook import apply_codebook, load_codebook_file
from consult_coder.errors import UserError
from consult_coder.model import Coder, Coding, Progress
from consult_coder.storage import get_setting, set_setting

REPO = Path(__file__).resolve().parents[2]
SAMPLE_DIR = REPO / "transcripts_sample"
SAMPLE_CODINGS = SAMPLE_DIR / "codings"
CODEBOOK_FILE = REPO / "codebooks" / "working_alliance.yaml"
# The sample's held-out split: never read by whoever writes the shipped patterns or trains their weights,
# so the suggestions' quality on it is quality on consultations they were not made from.
HELD_OUT = ("P06", "P07", "P08", "P10", "P12", "P19", "P20", "P21", "P24", "P26", "P27", "P32")
ACTOR = "demo"
PROJECT_NAME = "Working alliance consultations (synthetic sample)"


def load_demo(session: Session, progress: Callable[[int, int, str], None] | None = None, *,
              actor: str = ACTOR) -> str:
    """Load the sample study into the project, in the caller's unit of work; a summary for people.
    ``actor`` is who asked (a lead's action: it imports transcripts and codings)."""
    if not SAMPLE_DIR.is_dir() or not CODEBOOK_FILE.is_file():
        raise UserError(f"the sample study is not beside this installation ({SAMPLE_DIR}); "
                        "install from a checkout with `pip install -e .`")
    summary = load_study(session, SAMPLE_DIR, progress, actor=actor)  # checks the actor is a lead first
    if not get_setting(session, "project_name"):
        set_setting(session, "project_name", PROJECT_NAME)
    return "Sample study: " + summary


def load_study(session: Session, folder: Path, progress: Callable[[int, int, str], None] | None = None,
               *, actor: str = ACTOR, codebook: Path = CODEBOOK_FILE) -> str:
    """Load a study folder laid out like the sample (transcripts, ``participants.csv``, and
    ``codings/<coder>.csv``) with the shipped codebook; a summary for people. Used for the sample and
    for ``evaluation/fresh``, the consultations the shipped patterns are judged on blind."""
    from consult_coder.codings_io import load_codings_csv
    from consult_coder.ingest import import_paths

    if not folder.is_dir():
        raise UserError(f"{folder}: no such study folder")
    require_lead(session, actor, "Loading a study")
    book = load_codebook_file(codebook)
    apply_codebook(session, book, ACTOR)
    people = folder / "participants.csv"
    report = import_paths(session, [folder], participants_csv=people if people.is_file() else None,
                          actor=actor, progress=progress)
    loaded = 0
    for csv_path in sorted((folder / "codings").glob("*.csv")):
        coder = csv_path.stem
        has = session.scalar(select(func.count(Coding.id)).join(Coder).where(Coder.name == coder))
        if has:
            continue  # loading twice changes nothing
        loaded += load_codings_csv(session, csv_path, actor=actor)
        _mark_done(session, coder)
    return f"{report.summary().rstrip('.')}; {len(book.codes)} codes; {loaded} sample codings loaded."


def _mark_done(session: Session, coder: str) -> None:
    """The sample coders finished every transcript they coded (codings/README.md says so); the
    suggestion quality figures count only finished transcripts."""
    who = session.scalars(select(Coder).where(Coder.name == coder)).one()
    tids = session.scalars(select(Coding.transcript_id).where(Coding.coder_id == who.id).distinct())
    for tid in tids:
        row = session.get(Progress, (tid, who.id))
        if row is None:
            session.add(Progress(transcript_id=tid, coder_id=who.id, status="done"))
        else:
            row.status = "done"
