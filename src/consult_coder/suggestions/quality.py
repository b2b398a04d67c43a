"""How often suggestions are right: precision, recall and F1 per code, at sentence level.

The reference is one coder's codings (or the consensus layer's, the coder named ``consensus``) on the
transcripts that coder has marked **done**: only there does an uncoded sentence mean "not this code".
Each sentence of counted speech (participant turns, as suggestions read them) is a yes/no question per
code: yes in the reference when a coding of that code shares a character with it; yes in the
suggestions when one is stored for it. Then, per code:

- precision = suggested and coded / suggested (how often a suggestion is right),
- recall = suggested and coded / coded (how much of the coding the suggestions find),
- F1 = their harmonic mean.

The micro row pools every (sentence, code) decision; the macro row is the plain mean over the codes the
reference uses (a code with no suggestions has precision 0 there). A code with nothing suggested has no
precision to show (``None``), one never coded has no recall.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from consult_coder.access import Viewer, visible
from consult_coder.errors import UserError
from consult_coder.model import Code, Coder, Coding, Progress, Suggestion, Transcript
from consult_coder.sentences import Sentence, sentences_touching, split_sentences
from consult_coder.suggestions.engine import PatternMatcher
from consult_coder.suggestions.patterns import Pattern
from consult_coder.suggestions.store import settings, speech_and_prompts, suggested_turns

Key = tuple[int, int, int]  # transcript id, sentence start, sentence end


@dataclass(frozen=True)
class CodeQuality:
    code_id: str
    code: str
    tp: int
    fp: int
    fn: int
    precision: float | None
    recall: float | None
    f1: float | None

    @property
    def suggested(self) -> int:
        return self.tp + self.fp

    @property
    def coded(self) -> int:
        return self.tp + self.fn


@dataclass
class QualityTable:
    reference: str
    source: str
    transcripts: int
    sentences: int
    rows: list[CodeQuality] = field(default_factory=list)
    micro: CodeQuality | None = None
    macro: CodeQuality | None = None
    scored: str = ""  # what was scored, for a title: the source's suggestions unless said otherwise

    @property
    def subject(self) -> str:
        return self.scored or f"{self.source} suggestions"


@dataclass(frozen=True)
class FalseHit:
    transcript_id: int
    transcript: str
    start: int
    end: int
    sentence: str
    evidence: tuple[tuple[int, int], ...]


def _ratio(a: int, b: int) -> float | None:
    return a / b if b else None


def code_quality(code_id: str, name: str, tp: int, fp: int, fn: int) -> CodeQuality:
    p, r = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
    f1 = 2 * p * r / (p + r) if p is not None and r is not None and p + r else (0.0 if p is not None
                                                                                 and r is not None else None)
    return CodeQuality(code_id, name, tp, fp, fn, p, r, f1)


def score(codes: Sequence[tuple[str, str]], gold: set[tuple[Key, str]], predicted: set[tuple[Key, str]],
          reference: str, source: str, transcripts: int, sentences: int) -> QualityTable:
    """The table from reference and suggested (sentence, code) pairs."""
    table = QualityTable(reference, source, transcripts, sentences)
    for cid, name in codes:
        g = {k for k, c in gold if c == cid}
        p = {k for k, c in predicted if c == cid}
        table.rows.append(code_quality(cid, name, len(g & p), len(p - g), len(g - p)))
    tp, fp, fn = (sum(getattr(r, a) for r in table.rows) for a in ("tp", "fp", "fn"))
    table.micro = code_quality("micro", "all codes (micro)", tp, fp, fn)
    used = [r for r in table.rows if r.coded]
    mean = (lambda xs: sum(xs) / len(xs) if xs else None)  # noqa: E731 - one use, reads as a formula
    table.macro = CodeQuality("macro", "mean over codes (macro)", tp, fp, fn,
                              mean([r.precision or 0.0 for r in used]), mean([r.recall or 0.0 for r in used]),
                              mean([r.f1 or 0.0 for r in used]))
    return table


# ---------------------------------------------------------------- the reference

def _coder(session: Session, name: str) -> Coder:
    who = session.scalars(select(Coder).where(Coder.name == name)).first()
    if who is None:
        raise UserError(f"There is no coder {name!r} in this project")
    return who


def finished_transcripts(session: Session, coder: str,
                         transcript_ids: Iterable[int] | None = None) -> list[int]:
    """The transcripts ``coder`` has marked done (narrowed to ``transcript_ids`` if given)."""
    who = _coder(session, coder)
    q = select(Progress.transcript_id).where(Progress.coder_id == who.id, Progress.status == "done")
    done = set(session.scalars(q))
    if transcript_ids is not None:
        done &= set(transcript_ids)
    return sorted(done)


@dataclass
class Reference:
    """The reference's sentences and their codes on its finished transcripts."""

    coder: str
    sentences: dict[int, list[Sentence]]
    gold: set[tuple[Key, str]]
    codes: list[tuple[str, str]]  # (id, name) of the codes evaluated, in codebook order

    @property
    def keys(self) -> set[Key]:
        return {(tid, s.start, s.end) for tid, ss in self.sentences.items() for s in ss}


def reference(session: Session, coder: str, transcript_ids: Iterable[int] | None = None) -> Reference:
    tids = finished_transcripts(session, coder, transcript_ids)
    if not tids:
        raise UserError(f"Coder {coder!r} has not marked any transcript done: quality is measured only on "
                        "transcripts a coder has finished")
    all_speakers = settings(session).all_speakers
    sentences: dict[int, list[Sentence]] = {}
    for tid in tids:
        text = session.get(Transcript, tid).text
        sentences[tid] = split_sentences(text, suggested_turns(session, tid, all_speakers))
    codes = [(c.id, c.name) for c in session.scalars(select(Code).where(Code.archived.is_(False))
                                                     .order_by(Code.sort_order, Code.name))]
    return Reference(coder, sentences, _coded(session, coder, sentences), codes)


def _coded(session: Session, coder: str, sentences: Mapping[int, list[Sentence]]) -> set[tuple[Key, str]]:
    """The (sentence, code) pairs ``coder``'s codings touch among ``sentences``."""
    who = _coder(session, coder)
    found: set[tuple[Key, str]] = set()
    q = (select(Coding.transcript_id, Coding.code_id, Coding.start, Coding.end)
         .where(Coding.coder_id == who.id, Coding.transcript_id.in_(list(sentences))))
    for tid, cid, s, e in session.execute(q):
        ss = sentences[tid]
        found |= {((tid, ss[i].start, ss[i].end), cid) for i in sentences_touching(ss, s, e)}
    return found


def compare_coders(session: Session, coder: str, others: Iterable[str],
                   transcript_ids: Iterable[int] | None = None, *, viewer: Viewer
                   ) -> list[tuple[str, QualityTable]]:
    """(name, table) for each of ``others``: their codings scored as if they were suggestions, against
    ``coder``'s, on the transcripts both have finished: what a second person reaches by the same measure,
    to read the suggestions' figures by. The reference is read once for them all; a coder who finished
    none of the reference's transcripts is left out."""
    visible(viewer, coder, "The codings")
    ref = reference(session, coder, transcript_ids)
    tables = []
    for other in others:
        visible(viewer, other, "The codings")
        both = set(finished_transcripts(session, other, ref.sentences))
        if not both:
            continue
        sentences = {tid: ss for tid, ss in ref.sentences.items() if tid in both}
        gold = {(key, c) for key, c in ref.gold if key[0] in both}
        table = score(ref.codes, gold, _coded(session, other, sentences), coder, "codings", len(sentences),
                      sum(len(ss) for ss in sentences.values()))
        table.scored = f"coder {other!r}"
        tables.append((other, table))
    return tables


def compare_coder(session: Session, coder: str, other: str, transcript_ids: Iterable[int] | None = None,
                  *, viewer: Viewer) -> QualityTable:
    """:func:`compare_coders` for one coder; one line if the two have no finished transcript in common."""
    found = compare_coders(session, coder, [other], transcript_ids, viewer=viewer)
    if not found:
        raise UserError(f"Coders {coder!r} and {other!r} have no finished transcript in common: a coder is "
                        "compared only where both have marked the transcript done")
    return found[0][1]


# ---------------------------------------------------------------- scoring what is stored or proposed

def stored_predictions(session: Session, ref: Reference,
                       source: str = "pattern") -> dict[tuple[Key, str], Suggestion]:
    keys = ref.keys
    q = select(Suggestion).where(Suggestion.source == source, Suggestion.transcript_id.in_(ref.sentences))
    return {((s.transcript_id, s.start, s.end), s.code_id): s for s in session.scalars(q)
            if (s.transcript_id, s.start, s.end) in keys}


def evaluate(session: Session, coder: str, source: str = "pattern",
             transcript_ids: Iterable[int] | None = None, *, viewer: Viewer) -> QualityTable:
    """The stored suggestions of ``source`` scored against ``coder``'s finished transcripts.

    Refresh the suggestions first (:func:`consult_coder.suggestions.store.refresh`) for current figures.
    """
    visible(viewer, coder, "The codings")
    ref = reference(session, coder, transcript_ids)
    predicted = set(stored_predictions(session, ref, source))
    return score(ref.codes, ref.gold, predicted, coder, source, len(ref.sentences), len(ref.keys))


def propose(session: Session, ref: Reference,
            patterns: Mapping[str, Sequence[Pattern]]) -> set[tuple[Key, str]]:
    """What ``patterns`` would suggest on the reference's transcripts (nothing stored), by the passage
    rules alone: the weigher's weights were trained for the codebook's own patterns, not these."""
    conf = settings(session)
    all_speakers = conf.all_speakers
    matcher = PatternMatcher({k: v for k, v in patterns.items() if v}, conf.pipeline, conf.context)
    items = ((tid, session.get(Transcript, tid).text, *speech_and_prompts(session, tid, all_speakers))
             for tid in ref.sentences)
    return {((tid, h.start, h.end), h.code_id) for tid, hits in matcher.match_many(items) for h in hits}


def evaluate_patterns(session: Session, coder: str, patterns: Mapping[str, Sequence[Pattern]],
                      transcript_ids: Iterable[int] | None = None,
                      source: str = "patterns given", *, viewer: Viewer) -> QualityTable:
    """Score patterns that are not (or not yet) the codebook's: a draft, or the keyword baseline."""
    visible(viewer, coder, "The codings")
    ref = reference(session, coder, transcript_ids)
    return score(ref.codes, ref.gold, propose(session, ref, patterns), coder, source, len(ref.sentences),
                 len(ref.keys))


def codebook_patterns(session: Session) -> dict[str, list[Pattern]]:
    """The codebook's own patterns, by code (archived codes left out)."""
    codes = session.scalars(select(Code).where(Code.archived.is_(False)))
    return {c.id: list(c.patterns or []) for c in codes}


def keyword_patterns(session: Session) -> dict[str, list[Pattern]]:
    """The baseline: each code found by the words of its own name (stop words left out), as lemmas."""
    from spacy.lang.en.stop_words import STOP_WORDS

    out: dict[str, list[Pattern]] = {}
    for code in session.scalars(select(Code).where(Code.archived.is_(False))):
        words = [w for w in code.name.lower().replace("-", " ").split()
                 if w.isalpha() and w not in STOP_WORDS]
        out[code.id] = [[{"LEMMA": w}] for w in words]
    return out


def false_hits(session: Session, coder: str, code_id: str, source: str = "pattern",
               transcript_ids: Iterable[int] | None = None, *, viewer: Viewer) -> list[FalseHit]:
    """Sentences suggested for ``code_id`` that ``coder`` did not code with it: what to fix in a pattern."""
    visible(viewer, coder, "The codings")
    ref = reference(session, coder, transcript_ids)
    stored = stored_predictions(session, ref, source)
    titles = dict(session.execute(select(Transcript.id, Transcript.title)
                                  .where(Transcript.id.in_(ref.sentences))).all())
    texts: dict[int, str] = {}
    out = []
    for (key, cid), sug in sorted(stored.items()):
        if cid != code_id or (key, cid) in ref.gold:
            continue
        tid, s, e = key
        if tid not in texts:
            texts[tid] = session.get(Transcript, tid).text
        out.append(FalseHit(tid, titles[tid], s, e, texts[tid][s:e], tuple(tuple(x) for x in sug.evidence)))
    return out


def per_transcript_gold(ref: Reference) -> dict[int, dict[tuple[int, int], set[str]]]:
    """tid -> (sentence start, end) -> codes: the reference as labels, for training a classifier."""
    out: dict[int, dict[tuple[int, int], set[str]]] = defaultdict(dict)
    for tid, ss in ref.sentences.items():
        for s in ss:
            out[tid][(s.start, s.end)] = set()
    for (tid, s, e), cid in ref.gold:
        out[tid][(s, e)].add(cid)
    return out
