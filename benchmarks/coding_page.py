"""How the Code page's per-rerun reads scale with the size of the project.

Builds two SQLite projects from the sample study — one with 5,000 codings and one with 200,000 (and as
many audit events) spread over 400 transcripts — then times, in this one run, what each rerun of the
Code page reads: the transcript list, the coder's progress, the open transcript with its turns, its
codings and whether undo is possible. Prints medians and the large/small ratio; a ratio near 1 means the
page does not slow down as the project grows.

    python benchmarks/coding_page.py [--repeat 200]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert, select

from consult_coder import coding
from consult_coder.model import Code, Coder, Coding, Event, Transcript, Turn
from consult_coder.sample import load_demo
from consult_coder.storage import Project, open_project
from consult_coder.text import content_hash

TRANSCRIPTS = 400
OPEN_CODINGS = 60


def build(path: Path, n_codings: int) -> tuple[Project, int]:
    project = open_project(str(path))
    with project.session() as s:
        load_demo(s)
    rng = random.Random(7)
    with project.session() as s:
        originals = list(s.scalars(select(Transcript)))
        codes = list(s.scalars(select(Code.id)))
        coders = [coding.get_or_create_coder(s, f"coder_{i}") for i in range(6)]
        for i in range(TRANSCRIPTS - len(originals)):  # copies with their own hash, as other studies
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
        # The open transcript holds the same 60 codings in both projects; the rest lie elsewhere,
        # so the comparison isolates the growth of the project from the size of what is shown.
        rows, events = [], []
        for i in range(n_codings):
            tid, length = spans[0] if i < OPEN_CODINGS else rng.choice(spans[1:])
            start = rng.randrange(0, length - 60)
            coder = rng.choice(coders)
            rows.append({"transcript_id": tid, "start": start, "end": start + rng.randrange(5, 60),
                         "code_id": rng.choice(codes), "coder_id": coder.id, "origin": "manual"})
            events.append({"actor": coder.name, "action": "coding.add", "entity": "transcript",
                           "entity_id": str(tid), "payload": {}})
        s.execute(insert(Coding), rows)
        s.execute(insert(Event), events)
        s.add(Coder(name="reader"))
    return project, target


def rerun(project: Project, transcript_id: int) -> None:
    """What the Code page reads on every rerun (the codebook itself is cached by version)."""
    with project.session() as s:
        coding.transcript_choices(s)
        coding.progress_by_transcript(s, "coder_1")
        coding.open_transcript(s, transcript_id)
        coding.codings_for(s, transcript_id, "coder_1", include_others=True)
        coding.can_undo(s, "coder_1", transcript_id)


def measure(project: Project, transcript_id: int, repeat: int) -> float:
    for _ in range(10):
        rerun(project, transcript_id)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        rerun(project, transcript_id)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        results = {}
        for n in (5_000, 200_000):
            project, target = build(Path(tmp) / f"p{n}.sqlite", n)
            results[n] = measure(project, target, args.repeat)
            project.close()
            print(f"{n:>7} codings: median rerun read {results[n] * 1000:.2f} ms")
        print(f"ratio 200,000 / 5,000: {results[200_000] / results[5_000]:.2f}")


if __name__ == "__main__":
    main()
