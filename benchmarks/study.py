"""Projects to measure: the generated programme imported, coded by several coders.

Codings are made the way coders make them, on the stored text: one to three whole sentences of a
participant's turn (sometimes starting in the interviewer's question before it), in a code of the
working-alliance codebook (a few codes much more often than others). Coders often agree: a third of
the codings repeat another coder's span and code exactly (one segment in the union), a sixth move
its edge by a sentence. A few have memos, a few are pinned, a tenth came from suggestions. Rows are
written in bulk, with an audit event each, as the app would have left them.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from collections import defaultdict
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select

from benchmarks.corpus import ROOT
from consult_coder import audit, coding
from consult_coder.codebook import apply_codebook, load_codebook_file
from consult_coder.model import Code, Coding, Event, Transcript, Turn
from consult_coder.storage import Project
from consult_coder.text import sentence_spans

# Events written in bulk, as many as the codings (only their count and keys matter here); the names
# are audit's, so they stay the ones undo and the Code page look for.
ADDED, TRANSCRIPT = audit.Action.CODING_ADD.value, audit.Entity.TRANSCRIPT.value

CODEBOOK = ROOT / "codebooks" / "working_alliance.yaml"
ACTOR = "bench"
MEMOS = ["negative case", "check with the team", "ambivalent: re-read", "good exemplar", "link to goals",
         "compare with the clinician's account"]
CHUNK = 10_000


def apply_sample_codebook(project: Project) -> None:
    with project.session() as s:
        apply_codebook(s, load_codebook_file(CODEBOOK), ACTOR)


def _sentences(project: Project) -> list[tuple[int, list[tuple[int, int]], list[tuple[int, int]]]]:
    """Per transcript: (id, the participant turns' sentences, the interviewer turns' sentences)."""
    with project.session() as s:
        texts = dict(s.execute(select(Transcript.id, Transcript.text)).all())
        turns = defaultdict(list)
        for tid, kind, start, end in s.execute(
                select(Turn.transcript_id, Turn.speaker_kind, Turn.start, Turn.end).order_by(Turn.start)):
            turns[tid].append((kind, start, end))
    out = []
    for tid in sorted(texts):
        ours, theirs = [], []
        for kind, start, end in turns[tid]:
            (ours if kind == "participant" else theirs).extend(sentence_spans(texts[tid], start, end))
        if ours:
            out.append((tid, ours, sorted(theirs)))
    return out


def add_codings(project: Project, n: int, coders: int, seed: int = 14) -> None:
    rng = random.Random(seed)
    apply_sample_codebook(project)
    places = _sentences(project)
    with project.session() as s:
        codes = list(s.scalars(select(Code.id).where(Code.archived.is_(False)).order_by(Code.sort_order)))
        people = [coding.get_or_create_coder(s, f"coder_{i + 1}") for i in range(coders)]
        ids = {c.id: c.name for c in people}
    weights = [1 / (i + 1) for i in range(len(codes))]  # a few themes come up far more often
    made: list[dict] = []
    where: list[tuple[list[tuple[int, int]], int, int]] = []  # each coding's sentences: (all, first, end)
    seen: set[tuple] = set()
    base = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    while len(made) < n:
        r = rng.random()
        if made and r < 0.33:  # another coder coded the same passage the same way
            k = rng.randrange(len(made))
            src = made[k]
            row = {**src, "coder_id": rng.choice([c for c in ids if c != src["coder_id"]])}
            place = where[k]
        elif made and r < 0.5:  # … or took one sentence more or less
            k = rng.randrange(len(made))
            ours, i, j = where[k]
            j = max(i + 1, min(len(ours), j + rng.choice((-1, 1))))
            row = {**made[k], "coder_id": rng.choice(list(ids)), "end": ours[j - 1][1]}
            place = (ours, i, j)
        else:
            tid, ours, theirs = rng.choice(places)
            i = rng.randrange(len(ours))
            j = min(len(ours), i + rng.choice((1, 1, 1, 2, 2, 3)))
            start, end = ours[i][0], ours[j - 1][1]
            if theirs and rng.random() < 0.03:  # from the question into the answer
                k = bisect_right(theirs, (start, start)) - 1
                start = theirs[k][0] if k >= 0 else start
            row = {"transcript_id": tid, "start": start, "end": end,
                   "code_id": rng.choices(codes, weights)[0], "coder_id": rng.choice(list(ids))}
            place = (ours, i, j)
        key = (row["transcript_id"], row["start"], row["end"], row["code_id"], row["coder_id"])
        if key in seen:
            continue
        seen.add(key)
        when = base + timedelta(seconds=len(made) * 7)
        row.update(origin="suggested" if rng.random() < 0.1 else "manual",
                   memo=rng.choice(MEMOS) if rng.random() < 0.03 else "",
                   pinned=rng.random() < 0.003, created_at=when, updated_at=when)
        made.append(row)
        where.append(place)
    with project.session() as s:
        for i in range(0, len(made), CHUNK):
            part = made[i:i + CHUNK]
            s.execute(insert(Coding), part)
            s.execute(insert(Event), [
                {"actor": ids[r["coder_id"]], "action": ADDED, "entity": TRANSCRIPT,
                 "entity_id": str(r["transcript_id"]), "payload": {}, "at": r["created_at"]} for r in part])
