"""The disagreement queue: where the chosen coders coded a code differently, passage by passage.

For each transcript and code, the coders' codings are grouped into *passages*: codings that overlap one
another (by at least one character, whoever made them) form one passage, spanning from the first start
to the last end. A passage is a disagreement when

* only some of the coders coded it — "only A coded" (the others saw the transcript and did not), or
* every coder coded it, but over different characters — a boundary difference.

Passages every coder coded over exactly the same characters are agreements and never queue. Which
transcripts, codes and text count is the agreement's selection (:class:`AgreementOptions`): done
transcripts by default, participant speech unless interviewers count (a passage entirely in uncounted
speech does not queue).

A passage is *settled* once a decision on it was recorded (:mod:`~consult_coder.adjudication.decisions`)
or the consensus layer already holds its code anywhere on it — so the queue resumes where it was left,
and consensus coding done by hand counts too.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from consult_coder.access import Viewer
from consult_coder.agreement.oversight import require_comparison
from consult_coder.agreement.selection import AgreementOptions, Material, load_material
from consult_coder.errors import UserError
from consult_coder.model import CONSENSUS_CODER, Adjudication, Coder, Coding

Span = tuple[int, int]
ONLY, BOUNDARY = "only", "boundary"


@dataclass(frozen=True)
class Passage:
    """One coder's part of a disagreement: their codings there, as spans and words, with their memos."""

    coder: str
    coding_ids: tuple[int, ...]
    spans: tuple[Span, ...]  # each coding's span, in text order
    quotes: tuple[str, ...]
    memos: tuple[str, ...]  # each coding's memo ("" for none)

    @property
    def coverage(self) -> tuple[Span, ...]:
        """The characters this coder coded here, as disjoint spans (touching codings join)."""
        return merge(self.spans)


@dataclass(frozen=True)
class Settlement:
    """How a disagreement was settled: a recorded decision, or codings already in the consensus layer."""

    decision: str  # keep | union | overlap | discard | edit | copy, or "consensus" (already there)
    kept: str = ""
    decided_by: str = ""
    decided_at: datetime | None = None

    def describe(self) -> str:
        if self.decision == "consensus":
            return "already in the consensus"
        return f"keep {self.kept}" if self.decision == "keep" else self.decision


@dataclass(frozen=True)
class Disagreement:
    """One passage the coders coded differently with one code, in one transcript."""

    transcript_id: int
    transcript: str  # its title
    participant_id: str | None
    code_id: str
    code: str
    start: int  # the passage: from the first coding's start to the last one's end
    end: int
    kind: str  # ONLY (some coders did not code it) or BOUNDARY (all did, over different characters)
    passages: tuple[Passage, ...]  # one per coder who coded it, in the order the coders were chosen
    missing: tuple[str, ...]  # coders who saw the transcript but did not code this passage
    settled: Settlement | None = None

    @property
    def key(self) -> str:
        return f"{self.transcript_id}:{self.code_id}:{self.start}-{self.end}"

    @property
    def coding_ids(self) -> tuple[int, ...]:
        return tuple(sorted(i for p in self.passages for i in p.coding_ids))

    @property
    def coders(self) -> tuple[str, ...]:
        return tuple(p.coder for p in self.passages)

    def passage_of(self, coder: str) -> Passage | None:
        return next((p for p in self.passages if p.coder == coder), None)

    @property
    def overlap(self) -> tuple[Span, ...]:
        """The characters every coder coded (nothing when some did not code the passage)."""
        if self.missing:
            return ()
        common = self.passages[0].coverage
        for p in self.passages[1:]:
            common = intersect(common, p.coverage)
        return common

    def describe(self) -> str:
        if self.kind == ONLY:
            return f"Only {_and(self.coders)} coded this"
        return "Both coded this, with different boundaries" if len(self.passages) == 2 else \
            f"{_and(self.coders)} coded this, with different boundaries"


@dataclass(frozen=True)
class TranscriptProgress:
    transcript_id: int
    transcript: str
    participant_id: str | None
    disagreements: int
    settled: int

    @property
    def left(self) -> int:
        return self.disagreements - self.settled


@dataclass(frozen=True)
class Queue:
    """Every disagreement of the chosen coders, settled or not, in transcript and text order."""

    coders: tuple[str, ...]
    items: tuple[Disagreement, ...]
    progress: tuple[TranscriptProgress, ...]  # every counted transcript, those without disagreements too

    @property
    def open(self) -> tuple[Disagreement, ...]:
        return tuple(i for i in self.items if i.settled is None)

    @property
    def left(self) -> int:
        return sum(1 for i in self.items if i.settled is None)

    @property
    def settled(self) -> int:
        return len(self.items) - self.left

    def find(self, key: str) -> Disagreement | None:
        return next((i for i in self.items if i.key == key), None)


def disagreement_queue(session: Session, options: AgreementOptions, *, viewer: Viewer) -> Queue:
    """The disagreements between ``options.coders`` (two, or more) for a viewer who may compare them."""
    require_comparison(viewer)
    if CONSENSUS_CODER in options.coders:
        raise UserError(f"The {CONSENSUS_CODER!r} layer is what the queue settles into: compare the coders "
                        "who coded independently")
    material = load_material(session, options, viewer=viewer)
    raw = sorted(find_passages(material), key=lambda p: (p[0], p[2], p[1]))  # transcript, start, code
    memos = _memos(session, material)
    settle = _settlements(session, material)
    items = []
    for t, k, start, end, parts in raw:
        tid = int(material.transcripts["transcript_id"].iloc[t])
        code_id = str(material.codes["code_id"].iloc[k])
        items.append(_disagreement(material, t, k, start, end, parts, memos,
                                   settle(tid, code_id, start, end)))
    return Queue(material.coders, tuple(items), _progress(material, items))


Parts = dict[int, list[tuple[int, int, int]]]  # coder row -> [(coding id, start, end)]
Found = tuple[int, int, int, int, Parts]  # transcript row, code row, start, end, parts


def find_passages(material: Material) -> Iterator[Found]:
    """Disagreeing passages as (transcript row, code row, start, end, {coder: [(coding id, start, end)]})."""
    c = material.codings
    chosen = c["code"] >= 0
    order = np.lexsort((c["end"][chosen], c["start"][chosen], c["code"][chosen], c["transcript"][chosen]))
    cols = {key: c[key][chosen][order] for key in ("id", "transcript", "coder", "code", "start", "end")}
    n = len(order)
    i = 0
    while i < n:
        t, k = cols["transcript"][i], cols["code"][i]
        j = i
        while j < n and cols["transcript"][j] == t and cols["code"][j] == k:
            j += 1
        yield from _group(material, int(t), int(k), cols, i, j)
        i = j


def _group(material: Material, t: int, k: int, cols: dict[str, np.ndarray], lo: int,
           hi: int) -> Iterator[Found]:
    """The disagreeing passages of one transcript and code (rows lo:hi, sorted by start)."""
    seen = np.flatnonzero(material.observed[:, t])
    if len(seen) < 2:
        return
    speech = material.speech(t)
    i = lo
    while i < hi:
        end = int(cols["end"][i])
        j = i + 1
        while j < hi and cols["start"][j] < end:  # overlaps the passage so far
            end = max(end, int(cols["end"][j]))
            j += 1
        start = int(cols["start"][i])
        parts: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
        for r in range(i, j):
            coder = int(cols["coder"][r])
            if material.observed[coder, t]:
                parts[coder].append((int(cols["id"][r]), int(cols["start"][r]), int(cols["end"][r])))
        i = j
        if parts and _counted(speech, start, end) and not _agreed(parts, seen):
            yield t, k, start, end, dict(parts)


def _counted(speech: list[Span], start: int, end: int) -> bool:
    return any(s < end and start < e for s, e in speech)


def _agreed(parts: dict[int, list[tuple[int, int, int]]], seen: np.ndarray) -> bool:
    if set(parts) != {int(s) for s in seen}:
        return False
    coverages = {merge([(s, e) for _, s, e in spans]) for spans in parts.values()}
    return len(coverages) == 1


def merge(spans: Sequence[Span]) -> tuple[Span, ...]:
    """Spans joined where they overlap or touch, in order."""
    out: list[list[int]] = []
    for s, e in sorted(spans):
        if out and s <= out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return tuple((s, e) for s, e in out)


def intersect(a: Sequence[Span], b: Sequence[Span]) -> tuple[Span, ...]:
    """The characters in both sets of disjoint, ordered spans."""
    out, i, j = [], 0, 0
    while i < len(a) and j < len(b):
        s, e = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if s < e:
            out.append((s, e))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return tuple(out)


def _disagreement(material: Material, t: int, k: int, start: int, end: int,
                  parts: dict[int, list[tuple[int, int, int]]], memos: dict[int, str],
                  settled: Settlement | None) -> Disagreement:
    text = material.texts[t]
    row = material.transcripts.iloc[t]
    passages = tuple(
        Passage(material.coders[coder], tuple(i for i, _, _ in spans), tuple((s, e) for _, s, e in spans),
                tuple(text[s:e] for _, s, e in spans), tuple(memos.get(i, "") for i, _, _ in spans))
        for coder, spans in sorted(parts.items()))
    missing = tuple(material.coders[c] for c in np.flatnonzero(material.observed[:, t]) if c not in parts)
    pid = row["participant_id"]
    return Disagreement(int(row["transcript_id"]), str(row["title"]), None if pid is None else str(pid),
                        str(material.codes["code_id"].iloc[k]), str(material.codes["code"].iloc[k]),
                        start, end, ONLY if missing else BOUNDARY, passages, missing, settled)


def _memos(session: Session, material: Material) -> dict[int, str]:
    """The memos of the chosen coders' codings on the counted transcripts (only those with one)."""
    tids = [int(t) for t in material.transcripts["transcript_id"]]
    return dict(session.execute(
        select(Coding.id, Coding.memo).join(Coder, Coder.id == Coding.coder_id)
        .where(Coder.name.in_(list(material.coders)), Coding.transcript_id.in_(tids),
               Coding.memo != "")).all())


Places = dict[tuple[int, str], list[tuple[int, int, Settlement]]]


def _settlements(session: Session, material: Material):  # noqa: ANN202 - a lookup function
    """A lookup: how the passage (transcript, code, start, end) was settled, or None. A recorded
    decision overlapping the passage settles it; failing that, a consensus coding overlapping it."""
    tids = [int(t) for t in material.transcripts["transcript_id"]]
    decided: Places = defaultdict(list)
    for row in session.scalars(select(Adjudication).where(Adjudication.transcript_id.in_(tids))):
        decided[(row.transcript_id, row.code_id)].append(
            (row.start, row.end, Settlement(row.decision, row.kept, row.decided_by, row.decided_at)))
    layer: Places = defaultdict(list)
    in_consensus = Settlement("consensus")
    for tid, code_id, s, e in session.execute(
            select(Coding.transcript_id, Coding.code_id, Coding.start, Coding.end)
            .join(Coder, Coder.id == Coding.coder_id)
            .where(Coder.name == CONSENSUS_CODER, Coding.transcript_id.in_(tids))):
        layer[(tid, code_id)].append((s, e, in_consensus))
    for places in (decided, layer):
        for spans in places.values():
            spans.sort(key=lambda x: x[0])

    def settle(tid: int, code_id: str, start: int, end: int) -> Settlement | None:
        for places in (decided, layer):
            spans = places.get((tid, code_id), [])
            upto = bisect_left(spans, end, key=lambda x: x[0])  # the spans starting before ``end``
            found = next((how for s, e, how in spans[:upto] if e > start), None)
            if found is not None:
                return found
        return None

    return settle


def _progress(material: Material, items: list[Disagreement]) -> tuple[TranscriptProgress, ...]:
    total: dict[int, int] = defaultdict(int)
    settled: dict[int, int] = defaultdict(int)
    for item in items:
        total[item.transcript_id] += 1
        settled[item.transcript_id] += item.settled is not None
    return tuple(TranscriptProgress(int(tid), str(title), None if pid is None else str(pid), total[tid],
                                    settled[tid])
                 for tid, title, pid in material.transcripts[["transcript_id", "title", "participant_id"]]
                 .itertuples(index=False))


def _and(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + f" and {names[-1]}"
