"""What a reviewer sees of the suggestions: the reads behind the Suggestions page and the reader, each
taking the :class:`~consult_coder.access.Viewer` behind the page.

Blind coding holds in two ways. A reviewer is offered only suggestions that never depend on another
coder's codings (:func:`consult_coder.suggestions.store.pending`: the codebook's patterns, a classifier
trained on their own codings, and their own decisions). And the figures that *are* made from a coder's
codings — quality against a reference layer, its false hits, the words mined from it, a classifier
trained on it — are measured against another coder's layer (the consensus included) only for a viewer
who is not blind (:func:`may_measure`, as ``access.visible`` in the core reads).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from consult_coder.access import Viewer
from consult_coder.codebook import COLOUR, DEFAULT_COLOUR, codebook_stamp
from consult_coder.errors import UserError
from consult_coder.model import Code, Coder, Participant, Progress, Suggestion, Transcript, Turn
from consult_coder.suggestions import store
from consult_coder.suggestions.quality import FalseHit, QualityTable

CONSENSUS = "consensus"  # the coder whose codings are the team's agreed layer
SOURCES = ("pattern", "classifier", "keywords")  # what a quality table can score
Step = Callable[[int, int, str], None]  # (done, total, what) as work goes on


# ---------------------------------------------------------------- the review queues

@dataclass(frozen=True)
class CodeQueue:
    """One code's review queue for a viewer: how many suggestions are open, how many decided."""

    code_id: str
    code: str
    colour: str
    open: int
    decided: int  # accepted, rejected, or coded by hand on that sentence

    @property
    def total(self) -> int:
        return self.open + self.decided


def pending_for(session: Session, viewer: Viewer, transcript_id: int | None = None,
                code_id: str | None = None) -> list[store.SuggestionView]:
    """The suggestions still open for the viewer (nothing before a coder is chosen)."""
    if viewer.name is None:
        return []
    return store.pending(session, viewer.name, transcript_id=transcript_id, code_id=code_id, viewer=viewer)


def review_queues(session: Session, viewer: Viewer) -> list[CodeQueue]:
    """Every live code in codebook order, with its open and decided suggestions for the viewer."""
    codes = list(session.execute(select(Code.id, Code.name, Code.colour).where(Code.archived.is_(False))
                                 .order_by(Code.sort_order, Code.name)))
    opened: dict[str, int] = defaultdict(int)
    for view in pending_for(session, viewer):
        opened[view.code_id] += 1
    offered = _offered_counts(session, viewer)
    return [CodeQueue(cid, name, colour if COLOUR.match(colour or "") else DEFAULT_COLOUR, opened[cid],
                      max(0, offered[cid] - opened[cid])) for cid, name, colour in codes]


def _offered_counts(session: Session, viewer: Viewer) -> dict[str, int]:
    """Per code, the (sentence, code) suggestions the viewer is offered or was offered."""
    if viewer.name is None:
        return defaultdict(int)
    who = session.scalars(select(Coder.id).where(Coder.name == viewer.name)).first() or -1
    keys = (select(Suggestion.code_id, Suggestion.transcript_id, Suggestion.start, Suggestion.end)
            .where((Suggestion.coder_id.is_(None)) | (Suggestion.coder_id == who)).distinct().subquery())
    rows = session.execute(select(keys.c.code_id, func.count()).group_by(keys.c.code_id))
    return defaultdict(int, {cid: n for cid, n in rows})


# ---------------------------------------------------------------- one suggestion in context

@dataclass(frozen=True)
class Piece:
    """A run of the passage's text: inside the suggested sentence or around it; evidence or not."""

    text: str
    sentence: bool
    evidence: bool


@dataclass(frozen=True)
class Passage:
    """A suggestion's sentence in its turn, cut into pieces so the evidence can be marked."""

    transcript_id: int
    transcript: str
    participant: str  # "P07 · youth · young person" (less the speaker's name), or ""
    speaker: str
    start: int  # the sentence's start: where "open in context" goes
    pieces: tuple[Piece, ...]
    cut_before: bool = False  # the turn goes on before the first piece
    cut_after: bool = False  # …or after the last


def in_context(session: Session, transcript_id: int, start: int, end: int,
               evidence: Sequence[tuple[int, int]], window: int = 320) -> Passage:
    """The sentence ``start``–``end`` in its turn (at most ``window`` characters either side, cut at a
    space), with the sentence and the matched ``evidence`` marked: a suggestion, or a false hit."""
    tr = session.get(Transcript, transcript_id)
    if tr is None:
        raise UserError("That transcript is no longer in the project")
    turn = session.scalars(select(Turn).where(Turn.transcript_id == tr.id, Turn.start <= start,
                                              Turn.end >= end)).first()
    whole = (turn.start, turn.end) if turn else (start, end)
    lo, hi = _clip(tr.text, *whole, start, end, window)
    cuts = {lo, hi, start, end}
    for a, b in evidence:
        cuts |= {min(max(a, lo), hi), min(max(b, lo), hi)}
    edges = sorted(cuts)
    pieces = [Piece(tr.text[a:b], start <= a and b <= end, any(x <= a and b <= y for x, y in evidence))
              for a, b in zip(edges, edges[1:], strict=False) if a < b]
    speaker = turn.speaker if turn else ""
    return Passage(tr.id, tr.title, _participant(session, tr.participant_id, speaker), speaker, start,
                   tuple(pieces), cut_before=lo > whole[0], cut_after=hi < whole[1])


def _clip(text: str, lo: int, hi: int, start: int, end: int, window: int) -> tuple[int, int]:
    if start - lo > window:
        cut = text.find(" ", start - window, start)
        lo = cut + 1 if cut >= 0 else start - window
    if hi - end > window:
        cut = text.rfind(" ", end, end + window)
        hi = cut if cut >= 0 else end + window
    return lo, hi


def _participant(session: Session, pid: str | None, speaker: str) -> str:
    """Who the participant is, without repeating the speaker's name."""
    p = session.get(Participant, pid) if pid else None
    return " · ".join(x for x in (p.id, p.group, p.role) if x and x != speaker) if p else ""


# ---------------------------------------------------------------- deciding on one transcript

def _on_transcript(session: Session, transcript_id: int, suggestion_id: int) -> Suggestion:
    sug = session.get(Suggestion, suggestion_id)
    if sug is None or sug.transcript_id != transcript_id:
        raise UserError("That suggestion is no longer open on this transcript (the codebook may have "
                        "changed since); nothing was changed")
    return sug


def accept_on(session: Session, transcript_id: int, suggestion_id: int, coder: str) -> str:
    """Accept a suggestion the reader showed on ``transcript_id``; returns its code's name."""
    name = session.get(Code, _on_transcript(session, transcript_id, suggestion_id).code_id).name
    store.accept(session, suggestion_id, coder)
    return name


def reject_on(session: Session, transcript_id: int, suggestion_id: int, coder: str) -> str:
    """Reject a suggestion the reader showed on ``transcript_id``; returns its code's name."""
    name = session.get(Code, _on_transcript(session, transcript_id, suggestion_id).code_id).name
    store.reject(session, suggestion_id, coder)
    return name


# ---------------------------------------------------------------- quality, measured within blindness

def may_measure(viewer: Viewer, reference: str) -> bool:
    """Whether the viewer may see figures made from ``reference``'s codings (as the core's reads
    decide: their own, or anyone's once not blind)."""
    return viewer.may_see(reference)


def _check(viewer: Viewer, reference: str) -> None:
    if not may_measure(viewer, reference):
        raise UserError(f"You are coding blind: quality can be measured against your own codings, not "
                        f"{reference!r}'s")


def references(session: Session, viewer: Viewer) -> list[str]:
    """The coders with finished transcripts the viewer may measure against: their own first, then the
    consensus, then the others."""
    done = select(Coder.name).join(Progress, Progress.coder_id == Coder.id).where(Progress.status == "done")
    names = set(session.scalars(done.distinct()))
    return sorted((n for n in names if may_measure(viewer, n)),
                  key=lambda n: (n != viewer.name, n != CONSENSUS, n.lower()))


def quality_for(session: Session, viewer: Viewer, reference: str, source: str = "pattern") -> QualityTable:
    """Precision, recall and F1 per code against ``reference``'s finished transcripts.

    ``source``: the stored pattern suggestions, the classifier's cross-validated figures, or the
    code-name keyword search (the baseline).
    """
    _check(viewer, reference)
    from consult_coder.suggestions import quality

    if source == "classifier":
        from consult_coder.suggestions.classifier import cross_validated_table

        return cross_validated_table(session, reference, viewer=viewer)
    if source == "keywords":
        return quality.evaluate_patterns(session, reference, quality.keyword_patterns(session),
                                         source="code-name keywords", viewer=viewer)
    if source != "pattern":
        raise UserError(f"Unknown suggestion source {source!r}: use one of {', '.join(SOURCES)}")
    return quality.evaluate(session, reference, "pattern", viewer=viewer)


def people_for_scale(session: Session, viewer: Viewer, reference: str) -> list[tuple[str, QualityTable]]:
    """The other coders the viewer may see, each scored against ``reference`` by the suggestions' own
    measure on the transcripts both finished: what a person reaches, to read the suggestions' figures by."""
    _check(viewer, reference)
    from consult_coder.suggestions import quality

    others = [name for name in references(session, viewer) if name != reference]
    return quality.compare_coders(session, reference, others, viewer=viewer)


def false_hits_for(session: Session, viewer: Viewer, reference: str, code_id: str) -> list[FalseHit]:
    """Sentences the code's patterns suggested that ``reference`` did not code with it."""
    _check(viewer, reference)
    from consult_coder.suggestions.quality import false_hits

    return false_hits(session, reference, code_id, viewer=viewer)


def candidates_for(session: Session, viewer: Viewer, reference: str, code_id: str, top: int = 15) -> list:
    """Words and phrases typical of the code in ``reference``'s codings (``mining.Candidate``s)."""
    _check(viewer, reference)
    from consult_coder.suggestions.mining import candidates

    return candidates(session, reference, code_id, top=top, viewer=viewer)


def patterns_text(patterns: Sequence[object]) -> str:
    """A code's patterns as the pattern editor shows them: a JSON list, one pattern a line."""
    if not patterns:
        return "[]"
    return "[\n" + ",\n".join("  " + json.dumps(p, ensure_ascii=False) for p in patterns) + "\n]"


def edit_patterns(session: Session, viewer: Viewer, code_id: str, text: str) -> list:
    """Replace a code's patterns with those typed in the editor (a JSON list), as the viewer; an invalid
    one is refused with one line naming the code, the pattern's number and what is wrong."""
    if viewer.name is None:
        raise UserError("Choose who is coding first: patterns are changed in someone's name")
    from consult_coder.suggestions.mining import set_patterns
    from consult_coder.suggestions.patterns import patterns_for_code

    code = session.get(Code, code_id)
    if code is None:
        raise UserError(f"There is no code {code_id!r} in the codebook")
    return set_patterns(session, code_id, patterns_for_code(code.name, text), viewer.name)


def classifier_trained(session: Session, viewer: Viewer, reference: str) -> bool:
    _check(viewer, reference)
    from consult_coder.suggestions.classifier import latest_model

    return latest_model(session, reference) is not None


def train_for(session: Session, viewer: Viewer, reference: str, progress: Step | None = None
              ) -> QualityTable:
    """Train the classifier on ``reference``'s codings; returns its cross-validated table. Its
    suggestions are offered to ``reference`` alone."""
    _check(viewer, reference)
    from consult_coder.suggestions.classifier import train

    return train(session, reference, progress=progress, viewer=viewer)


# ---------------------------------------------------------------- when to refresh

def freshness(session: Session) -> str:
    """Changes whenever a refresh could have work to do: the codebook, the transcripts or the settings.

    A page keeps the value it last refreshed at, and refreshes again only when it differs.
    """
    n, top = session.execute(select(func.count(Transcript.id), func.max(Transcript.id))).one()
    conf = store.settings(session)
    return f"{codebook_stamp(session)}|{n}|{top}|{conf.pipeline}|{int(conf.all_speakers)}|{conf.context}"


def installed_pipelines() -> list[str]:
    """The trained spaCy pipelines installed as packages (never downloaded)."""
    import spacy

    return sorted(spacy.util.get_installed_models())
