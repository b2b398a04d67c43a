"""A disagreement in its surroundings: the turns around the passage, cut into pieces by who coded what.

Each piece of the shown text says which coders' passages cover it, so a page can mark A's span, B's
span and where they overlap without reading codings itself. The window reaches ``around`` characters
either side of the passage, widened to whole sentences and cut at the turns it touches.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from consult_coder.access import Viewer
from consult_coder.adjudication.queue import Disagreement
from consult_coder.agreement.oversight import require_comparison
from consult_coder.coding import open_transcript
from consult_coder.text import snap_to_sentences, word_spans

AROUND = 200


@dataclass(frozen=True)
class Piece:
    start: int
    end: int
    text: str
    coders: tuple[str, ...]  # whose passage covers these characters (none: context only)


@dataclass(frozen=True)
class ContextTurn:
    speaker: str
    kind: str  # interviewer | participant
    pieces: tuple[Piece, ...]
    cut_before: bool  # the turn goes on before the window
    cut_after: bool


@dataclass(frozen=True)
class Context:
    transcript_id: int
    start: int  # the window, in code points of the stored text
    end: int
    text: str  # the stored text of the window
    turns: tuple[ContextTurn, ...]
    edges: tuple[int, ...]  # word edges in the window: where an edited boundary may fall

    def mark(self, offset: int, width: int = 16) -> str:
        """Where ``offset`` falls, for a boundary control: a few characters either side of a bar."""
        before = self.quote(offset - width, offset).split("\n")[-1]
        after = self.quote(offset, offset + width).split("\n")[0]
        lead = "…" if offset - width > self.start else ""
        tail = "…" if offset + width < self.end else ""
        return f"{lead}{before}│{after}{tail}"

    def quote(self, start: int, end: int) -> str:
        """The words between two offsets inside the window."""
        lo, hi = max(start, self.start), min(end, self.end)
        return self.text[lo - self.start:hi - self.start] if lo < hi else ""


def passage_context(session: Session, item: Disagreement, *, viewer: Viewer, around: int = AROUND) -> Context:
    require_comparison(viewer)
    view = open_transcript(session, item.transcript_id)
    text = view.text
    lo, hi = snap_to_sentences(text, max(0, item.start - around), min(len(text), item.end + around))
    lo, hi = min(lo, item.start), max(hi, item.end)
    turns = [(t.speaker, t.kind, t.start, t.end) for t in view.turns] or [("", "participant", 0, len(text))]
    covers = [(p.coder, s, e) for p in item.passages for s, e in p.coverage]
    shown = []
    for speaker, kind, t_start, t_end in turns:
        s, e = max(lo, t_start), min(hi, t_end)
        if s < e:
            shown.append(ContextTurn(speaker, kind, _pieces(text, s, e, covers), s > t_start, e < t_end))
    edges = {item.start, item.end}
    for s, e in word_spans(text, lo, hi):
        edges.update((s, e))
    return Context(item.transcript_id, lo, hi, text[lo:hi], tuple(shown), tuple(sorted(edges)))


def _pieces(text: str, lo: int, hi: int, covers: list[tuple[str, int, int]]) -> tuple[Piece, ...]:
    cuts = sorted({lo, hi, *(x for _, s, e in covers for x in (s, e) if lo < x < hi)})
    out = []
    for s, e in zip(cuts, cuts[1:], strict=False):
        who = tuple(dict.fromkeys(c for c, cs, ce in covers if cs < e and s < ce))
        out.append(Piece(s, e, text[s:e], who))
    return tuple(out)
