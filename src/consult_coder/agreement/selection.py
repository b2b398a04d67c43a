"""Which codings are compared: the chosen coders, codes and transcripts, read once from the project.

A transcript counts when every chosen coder marked it done (``model.Progress`` status ``"done"``): a
transcript still being coded would count its unfinished parts as disagreement. With
``all_transcripts=True`` every transcript that at least two of the coders have started (a progress row,
or codings) counts, and a coder who has not started one is *missing* there — Krippendorff's alpha
takes missing coders in its stride; pairwise figures use the units both coders of a pair saw.

Only the chosen speech counts, as in the analysis layers: participant turns by default, every turn with
``include_interviewer=True``; speaker labels lie between turns and never count; a transcript without
turns is one participant turn.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from consult_coder.access import Viewer, visible
from consult_coder.errors import UserError
from consult_coder.model import Code, Coder, Coding, Progress, Transcript, Turn

Span = tuple[int, int]


@dataclass(frozen=True)
class AgreementOptions:
    """What to compare. Codes and transcripts are named by id or name (title or file name)."""

    coders: tuple[str, ...]
    codes: tuple[str, ...] | None = None  # None: every code of the codebook
    transcripts: tuple[str, ...] | None = None  # None: every transcript that counts
    all_transcripts: bool = False  # also transcripts not marked done by every coder
    include_interviewer: bool = False
    coded_only: bool = False  # only units that at least one of the coders coded (with any code)


class NothingToCompare(UserError):
    """No transcript qualifies: the page or CLI adds how to include unfinished ones."""


@dataclass(frozen=True)
class Material:
    """The coders' codings on the counted transcripts as arrays: everything the grids are built from.

    ``codings`` columns: id (``Coding.id``, for the disagreement queue to point back at), transcript (row
    of ``transcripts``), coder (index into ``coders``), code (row of ``codes``, or -1 for a code that is
    not compared — it still marks text as coded), start, end.
    """

    options: AgreementOptions
    coders: tuple[str, ...]
    codes: pd.DataFrame  # code_id, code — in codebook order
    transcripts: pd.DataFrame  # transcript_id, title, source_name, participant_id — in id order
    texts: list[str]
    turns: list[list[tuple[str, int, int]]]  # per transcript: (speaker_kind, start, end) in text order
    observed: np.ndarray  # coders × transcripts, bool: the coder's codings count there
    codings: dict[str, np.ndarray]

    def speech(self, t: int) -> list[Span]:
        """The counted turns of transcript row ``t``: participant speech unless interviewers count."""
        keep = self.options.include_interviewer
        return [(s, e) for kind, s, e in self.turns[t] if s < e and (keep or kind == "participant")]


def load_material(session: Session, options: AgreementOptions, *, viewer: Viewer) -> Material:
    """The chosen coders' codings, read once; refused while ``viewer`` may not see one of them."""
    coders = _coders(session, options.coders)
    for _, name in coders:
        visible(viewer, name, "The codings")
    coder_ids = [cid for cid, _ in coders]
    names = tuple(name for _, name in coders)
    codes = _codes(session, options.codes, coder_ids)
    transcripts, observed = _transcripts(session, options, coder_ids, names)
    tids = [int(t) for t in transcripts["transcript_id"]]
    row_of = {tid: i for i, tid in enumerate(tids)}
    texts_by_id = dict(session.execute(
        select(Transcript.id, Transcript.text).where(Transcript.id.in_(tids))).all())
    turns: dict[int, list[tuple[str, int, int]]] = defaultdict(list)
    for tid, kind, s, e in session.execute(
        select(Turn.transcript_id, Turn.speaker_kind, Turn.start, Turn.end)
        .where(Turn.transcript_id.in_(tids)).order_by(Turn.transcript_id, Turn.start)
    ):
        turns[tid].append((kind, s, e))
    texts = [texts_by_id[tid] for tid in tids]
    turn_rows = [turns.get(tid) or [("participant", 0, len(texts[i]))] for i, tid in enumerate(tids)]
    code_row = {cid: i for i, cid in enumerate(codes["code_id"])}
    coder_row = {cid: i for i, cid in enumerate(coder_ids)}
    rows = session.execute(
        select(Coding.transcript_id, Coding.coder_id, Coding.code_id, Coding.start, Coding.end, Coding.id)
        .where(Coding.transcript_id.in_(tids), Coding.coder_id.in_(coder_ids)).order_by(Coding.id)
    ).all()
    columns = list(zip(*rows, strict=True)) if rows else [(), (), (), (), (), ()]
    codings = {
        "id": np.array(columns[5], dtype=np.int64),
        "transcript": np.array([row_of[t] for t in columns[0]], dtype=np.int64),
        "coder": np.array([coder_row[c] for c in columns[1]], dtype=np.int64),
        "code": np.array([code_row.get(c, -1) for c in columns[2]], dtype=np.int64),
        "start": np.array(columns[3], dtype=np.int64),
        "end": np.array(columns[4], dtype=np.int64),
    }
    return Material(options, names, codes, transcripts, texts, turn_rows, observed, codings)


def _coders(session: Session, wanted: Sequence[str]) -> list[tuple[int, str]]:
    names = list(dict.fromkeys(n.strip() for n in wanted if n.strip()))
    if len(names) < 2:
        raise UserError("Agreement needs at least two different coders (e.g. coder_a,coder_b)")
    known = dict(session.execute(select(Coder.name, Coder.id)).all())
    missing = [n for n in names if n not in known]
    if missing:
        others = ", ".join(sorted(known)) or "none yet"
        raise UserError(f"No coder named {missing[0]!r} in this project (coders: {others})")
    return [(known[n], n) for n in names]


def _codes(session: Session, wanted: Sequence[str] | None, coder_ids: list[int]) -> pd.DataFrame:
    """Codebook order; archived codes only while they still hold codings of these coders."""
    used = set(session.scalars(select(Coding.code_id).where(Coding.coder_id.in_(coder_ids)).distinct()))
    rows = [(c.id, c.name) for c in session.scalars(select(Code).order_by(Code.sort_order, Code.name))
            if not c.archived or c.id in used]
    if wanted is not None:
        by_key = {}
        for cid, name in rows:
            by_key.setdefault(name.casefold(), cid)
            by_key[cid.casefold()] = cid
        chosen = []
        for w in wanted:
            cid = by_key.get(w.strip().casefold())
            if cid is None:
                raise UserError(f"No code {w.strip()!r} in the codebook (give a code id or name)")
            chosen.append(cid)
        keep = set(chosen)
        rows = [r for r in rows if r[0] in keep]
    if not rows:
        raise UserError("No codes to compare: the codebook is empty")
    frame = pd.DataFrame(rows, columns=["code_id", "code"])
    counts = frame["code"].value_counts()
    frame["code"] = [n if counts[n] == 1 else f"{n} ({i})" for i, n in zip(frame["code_id"], frame["code"],
                                                                             strict=True)]
    return frame


def _transcripts(
    session: Session, options: AgreementOptions, coder_ids: list[int], names: tuple[str, ...]
) -> tuple[pd.DataFrame, np.ndarray]:
    rows = session.execute(select(Transcript.id, Transcript.title, Transcript.source_name,
                                  Transcript.participant_id).order_by(Transcript.id)).all()
    frame = pd.DataFrame(rows, columns=["transcript_id", "title", "source_name", "participant_id"])
    if options.transcripts is not None:
        frame = frame[_chosen(frame, options.transcripts)]
    status: dict[tuple[int, int], str] = {
        (tid, cid): st for tid, cid, st in session.execute(
            select(Progress.transcript_id, Progress.coder_id, Progress.status)
            .where(Progress.coder_id.in_(coder_ids)))
    }
    with_codings = set(session.execute(
        select(Coding.transcript_id, Coding.coder_id).where(Coding.coder_id.in_(coder_ids)).distinct()).all())
    tids = [int(t) for t in frame["transcript_id"]]
    done = np.array([[status.get((t, c)) == "done" for t in tids] for c in coder_ids], dtype=bool)
    started = np.array([[(t, c) in status or (t, c) in with_codings for t in tids] for c in coder_ids],
                       dtype=bool)
    if options.all_transcripts:
        observed = started
        keep = observed.sum(axis=0) >= 2
        if not keep.any():
            raise UserError(f"No transcript that at least two of {_names(names)} have started coding")
    else:
        keep = done.all(axis=0)
        observed = done
        if not keep.any():
            who = "both" if len(names) == 2 else "all"
            raise NothingToCompare(f"No transcript that {_names(names)} have {who} marked done")
    frame = frame[keep].reset_index(drop=True)
    return frame, observed[:, keep]


def _chosen(frame: pd.DataFrame, wanted: Sequence[str]) -> pd.Series:
    keys: dict[str, int] = {}
    for tid, title, source in frame[["transcript_id", "title", "source_name"]].itertuples(index=False):
        for key in (str(tid), str(title).casefold(), str(source).casefold()):
            keys.setdefault(key, int(tid))
    chosen = set()
    for w in wanted:
        tid = keys.get(w.strip().casefold())
        if tid is None:
            raise UserError(f"No transcript {w.strip()!r} (give its id, title or file name)")
        chosen.add(tid)
    return frame["transcript_id"].isin(chosen)


def _names(names: Sequence[str]) -> str:
    return ", ".join(names[:-1]) + f" and {names[-1]}"

