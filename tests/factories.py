"""Test data in stored form, written once: ``Speaker: spoken text`` per turn, turns split by a blank
line, each Turn's offsets on the spoken text only — the layout every importer produces."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from pathlib import Path

from consult_coder.model import Turn


def stored_turns(turns: Sequence[tuple[str, str, str]]) -> tuple[str, list[Turn]]:
    """``(speaker, kind, spoken)`` triples -> the stored text and its (unsaved) Turn rows."""
    text, rows = "", []
    for index, (speaker, kind, spoken) in enumerate(turns):
        if text:
            text += "\n\n"
        text += f"{speaker}: "
        rows.append(Turn(index=index, speaker=speaker, speaker_kind=kind, start=len(text),
                         end=len(text) + len(spoken)))
        text += spoken
    return text, rows


# --- REFI-QDA fixtures (tests/fixtures/refi: see its README) -------------------------------------

REFI_FIXTURES = Path(__file__).resolve().parent / "fixtures" / "refi"


def zipped(entries: dict[str, bytes | str]) -> bytes:
    """A zip archive in memory; a name ending in "/" is a folder entry."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(zipfile.ZipInfo(name), data, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def qdpx_of(fixture: str, sources_dir: str | None = None, with_texts: bool = True) -> bytes:
    """A .qdpx of a fixture folder: its .qde at the top and its texts in ``sources_dir`` (by default
    the folder the fixture has); without texts, only an empty ``Sources/`` folder entry."""
    folder = REFI_FIXTURES / fixture
    qde = next(folder.glob("*.qde"))
    texts = next(p for p in folder.iterdir() if p.is_dir())
    sources_dir = sources_dir or texts.name
    entries: dict[str, bytes | str] = {qde.name: qde.read_bytes()}
    if with_texts:
        entries.update({f"{sources_dir}/{p.name}": p.read_bytes() for p in sorted(texts.iterdir())})
    else:
        entries[f"{sources_dir}/"] = b""
    return zipped(entries)


# --- agreement fixtures ---------------------------------------------------------------------------

AGREEMENT_T1 = [("Interviewer", "interviewer", "How was it?"),
                ("P1", "participant", "It was good. I felt heard. The room was cold.")]
AGREEMENT_T2 = [("Interviewer", "interviewer", "And then?"), ("P2", "participant", "We met weekly."),
                ("Interviewer", "interviewer", "Good?"), ("P2", "participant", "Yes. It helped.")]
# (coder, transcript, code, phrase): hand counts in tests/test_agreement_units.py
AGREEMENT_CODINGS = [
    ("coder_a", "T1", "empathy", "I felt heard."),
    ("coder_a", "T1", "environment", "The room was cold."),
    ("coder_b", "T1", "empathy", "It was good. I felt heard."),
    ("coder_b", "T1", "empathy", "How was it?"),  # interviewer speech: not counted by default
    ("coder_a", "T2", "environment", "We met weekly."),
    ("coder_b", "T2", "environment", "We met weekly."),
    ("coder_b", "T2", "empathy", "It helped."),
]


def agreement_study(session, done: dict[str, tuple[str, ...]] | None = None) -> dict[str, int]:  # noqa: ANN001
    """Two small transcripts, two codes, coders coder_a and coder_b (and coder_c, who coded nothing).

    ``done`` maps a transcript ("T1", "T2") to the coders who marked it done; by default both coders
    marked T1 done and only coder_a marked T2 done (coder_b's T2 is still in progress).
    Returns the transcript ids by name.
    """
    from consult_coder.model import Code, Coder, Coding, Participant, Progress, Transcript
    from consult_coder.text import content_hash

    done = {"T1": ("coder_a", "coder_b"), "T2": ("coder_a",)} if done is None else done
    session.add_all([Code(id="empathy", name="Empathy", sort_order=0),
                     Code(id="environment", name="Environment", sort_order=1)])
    coders = {n: Coder(name=n) for n in ("coder_a", "coder_b", "coder_c")}
    session.add_all(coders.values())
    ids: dict[str, int] = {}
    texts: dict[str, str] = {}
    for name, pid, turns in (("T1", "P1", AGREEMENT_T1), ("T2", "P2", AGREEMENT_T2)):
        session.add(Participant(id=pid, group="youth", role="young person", age_band="16-17"))
        text, rows = stored_turns(turns)
        t = Transcript(participant_id=pid, title=name, text=text, content_hash=content_hash(text),
                       source_name=f"{name}.txt", source_format="txt")
        t.turns = rows
        session.add(t)
        session.flush()
        ids[name], texts[name] = t.id, text
    for coder, name, code, phrase in AGREEMENT_CODINGS:
        start = texts[name].index(phrase)
        session.add(Coding(transcript_id=ids[name], start=start, end=start + len(phrase), code_id=code,
                           coder_id=coders[coder].id))
    for name in ("T1", "T2"):
        for coder in ("coder_a", "coder_b"):
            status = "done" if coder in done.get(name, ()) else "in_progress"
            session.add(Progress(transcript_id=ids[name], coder_id=coders[coder].id, status=status))
    session.flush()
    return ids
