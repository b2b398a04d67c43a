"""How the Code page's per-rerun reads scale with the size of the project.

Builds two projects from the sample study — one with few codings and one with many (5,000 and
200,000 at the large size, as many audit events), spread over several hundred transcripts — then
times what each rerun of the Code page reads: the transcript list, the coder's progress, the open
transcript with its turns, its codings and whether undo is possible. The open transcript holds the
same 60 codings in both projects; the rest lie elsewhere, so the ratio isolates the growth of the
project from the size of what is shown. A ratio near 1 means the page does not slow down as the
project grows.
"""

from __future__ import annotations

import random

from sqlalchemy import insert, select

from benchmarks.registry import Row, measure
from benchmarks.runner import Bench
from benchmarks.timing import compare
from consult_coder import audit, coding
from consult_coder.access import Viewer
from consult_coder.model import Code, Coder, Coding, Event, Transcript, Turn
from consult_coder.sample import load_demo
from consult_coder.storage import Project
from consult_coder.text import content_hash

# Events written in bulk, as many as the codings (only their count and keys matter here); the names
# are audit's, so they stay the ones undo and the Code page look for.
ADDED, TRANSCRIPT = audit.Action.CODING_ADD.value, audit.Entity.TRANSCRIPT.value

OPEN_CODINGS = 60


def build(project: Project, n_codings: int, transcripts: int) -> int:
    """Fill ``project``; returns the id of the transcript the page has open."""
    with project.session() as s:
        load_demo(s)
    rng = random.Random(7)
    with project.session() as s:
        originals = list(s.scalars(select(Transcript)))
        codes = list(s.scalars(select(Code.id)))
        coders = [coding.get_or_create_coder(s, f"coder_{i}") for i in range(6)]
        for i in range(transcripts - len(originals)):  # copies with their own hash, as other studies
            src = originals[i % len(originals)]
            text = src.text + f"\n\nInterviewer: Copy {i}."
            t = Transcript(title=f"{src.title} (copy {i})", text=text, content_hash=content_hash(text),
                           source_name=f"copy_{i}.txt", source_format="txt",
                           participant_id=src.participant_id)
            t.turns = [Turn(index=x.index, speaker=x.speaker, speaker_kind=x.speaker_kind, start=x.start,
                            end=x.end) for x in src.turns]
            s.add(t)
        s.flush()
        spans = [(t.id, len(t.text)) for t in s.scalars(select(Transcript))]
        target = spans[0][0]
        rows, events = [], []
        for i in range(n_codings):
            tid, length = spans[0] if i < OPEN_CODINGS else rng.choice(spans[1:])
            start = rng.randrange(0, length - 60)
            coder = rng.choice(coders)
            rows.append({"transcript_id": tid, "start": start, "end": start + rng.randrange(5, 60),
                         "code_id": rng.choice(codes), "coder_id": coder.id, "origin": "manual"})
            events.append({"actor": coder.name, "action": ADDED, "entity": TRANSCRIPT,
                           "entity_id": str(tid), "payload": {}})
        for i in range(0, n_codings, 10_000):
            s.execute(insert(Coding), rows[i:i + 10_000])
            s.execute(insert(Event), events[i:i + 10_000])
        s.add(Coder(name="reader"))
    return target


def rerun(project: Project, transcript_id: int) -> None:
    """What the Code page reads on every rerun (the codebook itself is cached by version)."""
    with project.session() as s:
        coding.transcript_choices(s)
        coding.progress_by_transcript(s, "coder_1")
        coding.open_transcript(s, transcript_id)
        coding.codings_for(s, transcript_id, Viewer.everyone("coder_1"))
        coding.can_undo(s, "coder_1", transcript_id)


@measure("code_page", rows=("code_page.{backend}",))
def code_page(b: Bench) -> list[Row]:
    few, many = b.size.code_page
    rows = []
    for backend in b.backends:
        small, large = b.new_project(backend), b.new_project(backend)
        t_small = build(small, few, b.size.code_page_transcripts)
        t_large = build(large, many, b.size.code_page_transcripts)
        for _ in range(10):  # warm the connection pool and the database's caches alike
            rerun(small, t_small)
            rerun(large, t_large)
        ours, base = compare(lambda _, p=large, t=t_large: rerun(p, t),
                             lambda _, p=small, t=t_small: rerun(p, t), b.repeat(fast=True))
        row = Row.timed(f"code_page.{backend}", f"Code page reads, {many:,} vs {few:,} codings", ours, base,
                        f"the same with {few:,} codings", target_ratio=1.5, backend=backend,
                        note="flat is good: the page reads only the open transcript")
        row.value, row.baseline_value, row.unit = ours.median * 1000, base.median * 1000, "ms"
        rows.append(row)
    return rows
