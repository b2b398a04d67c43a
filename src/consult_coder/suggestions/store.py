"""Stored suggestions: refreshed incrementally, read per coder, accepted, rejected, bulk-accepted.

Suggestions are derived data. Each (transcript, code, source) that was matched is remembered with the
fingerprint of the code's patterns (:class:`~consult_coder.model.SuggestionScan`), so a refresh matches
again only new transcripts and codes whose patterns changed — a codebook edit refreshes that code alone.

What a coder sees (:func:`pending`) comes from the patterns, from classifiers trained on *their own*
codings, and from their own codings and rejections — never from another coder's codings, so blind
coding holds. A suggestion disappears for a coder once they have a coding of that code touching the
sentence, or have rejected it there (remembered per coder, by transcript, code and sentence, so it
stays rejected when the suggestions are rebuilt).

Accepting adds a coding with origin ``suggested``, the reviewer as coder and the sentence as span,
recorded as a ``coding.add`` event like any coding, so undo works on it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from consult_coder import audit
from consult_coder.access import Viewer, require_lead, visible
from consult_coder.coding import add_coding, get_or_create_coder
from consult_coder.errors import UserError
from consult_coder.model import (
    Code,
    Coder,
    Coding,
    Suggestion,
    SuggestionRejection,
    SuggestionScan,
    Transcript,
    Turn,
)
from consult_coder.sentences import speech_turns, split_sentences
from consult_coder.storage import get_setting
from consult_coder.suggestions.engine import PatternMatcher, fingerprint
from consult_coder.suggestions.rules import DEFAULT_CONTEXT, MAX_CONTEXT, Hit, Scan
from consult_coder.suggestions.weigher import Weigher, shipped_for
from consult_coder.text import overlaps

PIPELINE_SETTING = "suggest_pipeline"  # "" = spacy.blank("en"); else an installed pipeline's name or folder
ALL_SPEAKERS_SETTING = "suggest_all_speakers"  # "1" = interviewer speech too
CONTEXT_SETTING = "suggest_context"  # sentences after a match also suggested (engine default: 1)
WEIGH_SETTING = "suggest_weigh"  # "" = the shipped weigher decides for the codes it knows; "0" = rules only
Progress = Callable[[int, int, str], None]


@dataclass
class RefreshReport:
    transcripts_matched: int = 0
    codes_refreshed: list[str] = field(default_factory=list)
    added: int = 0  # suggestions that are new
    removed: int = 0  # suggestions withdrawn (what stays the same is neither)

    def summary(self) -> str:
        if not self.transcripts_matched and not self.removed:
            return "Suggestions are up to date."
        return (f"Matched {self.transcripts_matched} transcript(s) for {len(self.codes_refreshed)} code(s): "
                f"{self.added} new suggestion(s), {self.removed} withdrawn.")


@dataclass(frozen=True)
class SuggestionView:
    """One suggestion as a page shows it: a code for a sentence, the evidence, where it came from."""

    id: int  # the row to accept or reject by
    transcript_id: int
    transcript: str
    code_id: str
    code: str
    start: int
    end: int
    sentence: str
    evidence: tuple[tuple[int, int], ...]
    sources: tuple[str, ...]  # pattern and/or classifier
    score: float | None


@dataclass(frozen=True)
class Settings:
    pipeline: str = ""
    all_speakers: bool = False
    context: int = DEFAULT_CONTEXT
    weigh: bool = True


def settings(session: Session) -> Settings:
    context = get_setting(session, CONTEXT_SETTING, "")
    return Settings(get_setting(session, PIPELINE_SETTING, ""),
                    get_setting(session, ALL_SPEAKERS_SETTING, "") == "1",
                    int(context) if context.isdigit() else DEFAULT_CONTEXT,
                    get_setting(session, WEIGH_SETTING, "") != "0")


def weigher_for(codes: Sequence[Code], conf: Settings) -> Weigher | None:
    """The shipped weigher for those of ``codes`` it was trained for (same id and name), if weighing is on
    and the passage rules run (context >= 1)."""
    if not conf.weigh or conf.context <= 0:
        return None
    return shipped_for(codes)


def choose_pipeline(session: Session, name: str, actor: str) -> None:
    """Use an installed trained spaCy pipeline (package name or folder), or "" for the blank one.

    Checked by loading it now (never downloading), so a typo is one line here rather than a failed
    refresh later. Every code is matched again at the next refresh.
    """
    from consult_coder.storage import set_setting
    from consult_coder.suggestions.engine import load_pipeline

    require_lead(session, actor, "Choosing the suggestions' language pipeline")
    name = (name or "").strip()
    before = get_setting(session, PIPELINE_SETTING, "")
    if name == before:
        return
    load_pipeline(name)
    set_setting(session, PIPELINE_SETTING, name)
    audit.setting_changed(session, actor, PIPELINE_SETTING, before, name)


def set_context(session: Session, sentences: int, actor: str) -> None:
    """Also suggest a match's code for this many sentences after it in the same turn (0: matches only)."""
    if not isinstance(sentences, int) or not 0 <= sentences <= MAX_CONTEXT:
        raise UserError(f"Context must be a whole number of sentences from 0 to {MAX_CONTEXT}")
    _set(session, CONTEXT_SETTING, str(sentences), actor)


def set_weigh(session: Session, on: bool, actor: str) -> None:
    """Let the shipped weigher decide for the codes it was trained for (on), or the rules alone (off)."""
    _set(session, WEIGH_SETTING, "" if on else "0", actor)


def set_all_speakers(session: Session, on: bool, actor: str) -> None:
    """Read interviewer speech too (on), or participants' speech only (off)."""
    _set(session, ALL_SPEAKERS_SETTING, "1" if on else "", actor)


def _set(session: Session, key: str, value: str, actor: str) -> None:
    from consult_coder.storage import set_setting

    before = get_setting(session, key, "")
    if value != before:
        set_setting(session, key, value)
        audit.setting_changed(session, actor, key, before, value)


def suggested_turns(session: Session, transcript_id: int, all_speakers: bool) -> list[tuple[int, int]]:
    """The speech suggestions are made for: participants' turns, or every turn with ``all_speakers``."""
    return speech_and_prompts(session, transcript_id, all_speakers)[0]


def speech_and_prompts(session: Session, transcript_id: int, all_speakers: bool
                       ) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """From one read of the turns: the speech to suggest codes for (as :func:`suggested_turns`), and the
    interviewer's turns, which the engine reads for the question each answer follows (never suggests
    on them)."""
    rows = session.execute(select(Turn.start, Turn.end, Turn.speaker_kind)
                           .where(Turn.transcript_id == transcript_id).order_by(Turn.index)).all()
    return speech_turns(rows, all_speakers), sorted((s, e) for s, e, kind in rows if kind == "interviewer")


# ---------------------------------------------------------------- refresh

def refresh(session: Session, progress: Progress | None = None) -> RefreshReport:
    """Bring pattern suggestions up to date with the codebook and the transcripts; only stale work.

    Only the stale (transcript, code) pairs are matched, by a matcher over the stale codes alone; what
    each code's patterns found is kept on its scan row. The passage rules then run again over every code's
    kept matches on each transcript touched, because they read the other codes' matches (a sentence with
    words of its own for another code is a new point): an edit to one code can move another code's
    suggestions, and the stored suggestions always equal a full match's."""
    conf = settings(session)
    codes = list(session.scalars(select(Code).where(Code.archived.is_(False))))
    weigher = weigher_for(codes, conf)
    wanted = _fingerprints(codes, conf, weigher)
    patterns = {c.id: list(c.patterns or []) for c in codes}
    report = RefreshReport()
    gone, touched = _forget_retired_codes(session, wanted, report)
    todo = _stale_work(session, wanted)
    total, done = sum(len(t) for t in todo.values()), 0
    refreshed: set[str] = set()
    for stale, tids in todo.items():
        live = {cid: patterns[cid] for cid in stale if patterns[cid]}
        # with a weigher the words are read even when no stale code has patterns left
        matcher = PatternMatcher(live, conf.pipeline, conf.context, weigher) if live or weigher else None
        refreshed |= stale
        for (tid, title), scan in _scans(session, matcher, tids, conf.all_speakers):
            _apply_rules(session, tid, scan, {cid: wanted[cid] for cid in stale}, conf.context, weigher,
                         report)
            touched.discard(tid)
            done += 1
            if progress:
                progress(done, total, title)
    _rules_again(session, sorted(touched), conf, weigher, report)
    session.flush()
    report.transcripts_matched = total
    report.codes_refreshed = sorted(refreshed)
    if total or gone:
        audit.suggestions_refreshed(session, "suggestions", report.codes_refreshed, total, report.added)
    return report


def _fingerprints(codes: Sequence[Code], conf: Settings, weigher: Weigher | None) -> dict[str, str]:
    """code id -> what its suggestions depend on (a weighed code's include the weights)."""
    weighed = weigher.codes if weigher else {}
    return {c.id: fingerprint(c.patterns or [], conf.pipeline, conf.all_speakers, conf.context,
                              weigher.digest if weigher and c.id in weighed else "") for c in codes}


def _rules_again(session: Session, tids: Sequence[int], conf: Settings, weigher: Weigher | None,
                 report: RefreshReport) -> None:
    """The passage rules (and the weigher, which reads the words again) over transcripts that lost a
    retired code's matches and had nothing else to match."""
    reader = PatternMatcher({}, conf.pipeline, conf.context, weigher) if weigher and tids else None
    for (tid, _), scan in _scans(session, reader, tids, conf.all_speakers):
        _apply_rules(session, tid, scan, {}, conf.context, weigher, report)


def _forget_retired_codes(session: Session, wanted: dict[str, str], report: RefreshReport
                          ) -> tuple[list[str], set[int]]:
    """Codes archived (or deleted, by the foreign key) lose their suggestions and scans; returns them and
    the transcripts they had been matched on."""
    scanned = select(SuggestionScan.code_id).distinct().where(SuggestionScan.source == "pattern")
    gone = [cid for (cid,) in session.execute(scanned) if cid not in wanted]
    if not gone:
        return gone, set()
    touched = set(session.scalars(select(SuggestionScan.transcript_id).distinct().where(
        SuggestionScan.source == "pattern", SuggestionScan.code_id.in_(gone))))
    report.removed += _clear(session, None, gone)
    return gone, touched


def _stale_work(session: Session, wanted: dict[str, str]) -> dict[frozenset[str], list[int]]:
    """The transcripts to match again, grouped by the codes stale on them (each group: one matcher).
    A scan without kept matches (made before they were kept) is stale too."""
    scans: dict[int, dict[str, str]] = defaultdict(dict)
    for tid, cid, fp, kept in session.execute(
            select(SuggestionScan.transcript_id, SuggestionScan.code_id, SuggestionScan.fingerprint,
                   SuggestionScan.matches.is_not(None)).where(SuggestionScan.source == "pattern")):
        scans[tid][cid] = fp if kept else ""
    todo: dict[frozenset[str], list[int]] = defaultdict(list)
    for (tid,) in session.execute(select(Transcript.id).order_by(Transcript.id)):
        stale = frozenset(cid for cid, fp in wanted.items() if scans[tid].get(cid) != fp)
        if stale:
            todo[stale].append(tid)
    return todo


def _scans(session: Session, matcher: PatternMatcher | None, tids: Sequence[int], all_speakers: bool
           ) -> Iterator[tuple[tuple[int, str], Scan]]:
    """((transcript, title), what ``matcher`` found there), matched in batches across transcripts; with no
    matcher (nothing to find), each transcript's sentences only."""
    def items() -> Iterator[tuple[tuple[int, str], str, list[tuple[int, int]], list[tuple[int, int]]]]:
        for tid in tids:
            tr = session.get(Transcript, tid)
            yield (tid, tr.title), tr.text, *speech_and_prompts(session, tid, all_speakers)

    if matcher is None:
        for key, text, turns, _ in items():
            yield key, Scan(text, split_sentences(text, turns))
        return
    yield from matcher.scan_many(items())


def _apply_rules(session: Session, tid: int, scan: Scan, scanned: dict[str, str], context: int,
                 weigher: Weigher | None, report: RefreshReport) -> None:
    """Keep what ``scan`` found for the codes just ``scanned`` (code -> fingerprint), add every other
    code's kept matches on the transcript to it, run the passage rules over them all and store the
    result, changing only the rows that differ (so unchanged suggestions keep their ids)."""
    rows = {r.code_id: r for r in session.scalars(select(SuggestionScan).where(
        SuggestionScan.transcript_id == tid, SuggestionScan.source == "pattern"))}
    for cid, fp in scanned.items():
        row = rows.get(cid) or SuggestionScan(transcript_id=tid, code_id=cid, source="pattern")
        row.fingerprint, row.matches = fp, scan.of_code(cid)
        session.add(row)
    for cid, row in rows.items():
        if cid not in scanned:
            scan.merge(cid, row.matches or {})
    hits = {(h.code_id, h.start, h.end): h for h in scan.suggest(context, weigher)}
    for row in session.scalars(select(Suggestion).where(Suggestion.transcript_id == tid,
                                                        Suggestion.source == "pattern")):
        hit = hits.pop((row.code_id, row.start, row.end), None)
        if hit is None:
            session.delete(row)
            report.removed += 1
        elif row.evidence != [list(e) for e in hit.evidence]:
            row.evidence = [list(e) for e in hit.evidence]
    session.add_all(suggestion_rows(tid, list(hits.values()), "pattern"))
    report.added += len(hits)


def suggestion_rows(tid: int, hits: Sequence[Hit], source: str, coder_id: int | None = None
                    ) -> list[Suggestion]:
    return [Suggestion(transcript_id=tid, code_id=h.code_id, source=source, start=h.start, end=h.end,
                       evidence=[list(e) for e in h.evidence], score=h.score, coder_id=coder_id)
            for h in hits]


def _clear(session: Session, tid: int | None, code_ids: Sequence[str], source: str = "pattern") -> int:
    q = delete(Suggestion).where(Suggestion.source == source, Suggestion.code_id.in_(code_ids))
    s = delete(SuggestionScan).where(SuggestionScan.source == source, SuggestionScan.code_id.in_(code_ids))
    if tid is not None:
        q, s = q.where(Suggestion.transcript_id == tid), s.where(SuggestionScan.transcript_id == tid)
    removed = session.execute(q).rowcount or 0
    session.execute(s)
    return removed


# ---------------------------------------------------------------- reading

def pending(
    session: Session,
    coder: str,
    transcript_id: int | None = None,
    code_id: str | None = None,
    limit: int | None = None,
    *,
    viewer: Viewer,
) -> list[SuggestionView]:
    """Suggestions still open for ``coder``: one per (sentence, code), in text order; ``viewer`` is who
    asks (they are made of ``coder``'s codings, so a blind coder sees their own only).

    Left out: rejected by this coder there; already coded by this coder with that code on a span
    touching the sentence; classifier suggestions from a model trained on anyone else's codings.
    """
    visible(viewer, coder, "The suggestions")
    who = session.scalars(select(Coder).where(Coder.name == coder)).first()
    who_id = who.id if who else -1
    rows = _candidates(session, who_id, transcript_id, code_id)
    if not rows:
        return []
    tids = sorted({r[0].transcript_id for r in rows})
    settled = _settled_by(session, who_id, tids)
    grouped: dict[tuple[int, str, int, int], list[Any]] = {}
    for sug, title, name in rows:
        key = (sug.transcript_id, sug.code_id, sug.start, sug.end)
        if not settled(key):
            grouped.setdefault(key, []).append((sug, title, name))
    texts = dict(session.execute(select(Transcript.id, Transcript.text).where(Transcript.id.in_(tids))).all())
    out = []
    for key, group in grouped.items():
        out.append(_view(key, group, texts[key[0]]))
        if limit is not None and len(out) >= limit:
            break
    return out


def _candidates(session: Session, who_id: int, transcript_id: int | None, code_id: str | None
                ) -> list[Any]:
    """(suggestion, transcript title, code name) rows the coder may see, in text order."""
    q = (select(Suggestion, Transcript.title, Code.name)
         .join(Transcript, Transcript.id == Suggestion.transcript_id)
         .join(Code, Code.id == Suggestion.code_id)
         .where(Code.archived.is_(False))
         .where((Suggestion.coder_id.is_(None)) | (Suggestion.coder_id == who_id)))
    if transcript_id is not None:
        q = q.where(Suggestion.transcript_id == transcript_id)
    if code_id is not None:
        q = q.where(Suggestion.code_id == code_id)
    return list(session.execute(q.order_by(Suggestion.transcript_id, Suggestion.start, Code.sort_order,
                                           Suggestion.source)).all())


def _settled_by(session: Session, who_id: int, tids: Sequence[int]
                ) -> Callable[[tuple[int, str, int, int]], bool]:
    """Whether the coder has already decided a (transcript, code, start, end): rejected it there, or
    coded that code on a span touching it."""
    rejected = set(session.execute(
        select(SuggestionRejection.transcript_id, SuggestionRejection.code_id, SuggestionRejection.start,
               SuggestionRejection.end)
        .where(SuggestionRejection.coder_id == who_id, SuggestionRejection.transcript_id.in_(tids))))
    own: dict[tuple[int, str], list[tuple[int, int]]] = defaultdict(list)
    for tid, cid, s, e in session.execute(
            select(Coding.transcript_id, Coding.code_id, Coding.start, Coding.end)
            .where(Coding.coder_id == who_id, Coding.transcript_id.in_(tids))):
        own[(tid, cid)].append((s, e))

    def settled(key: tuple[int, str, int, int]) -> bool:
        return key in rejected or any(overlaps(key[2:], span) for span in own[key[:2]])

    return settled


def _view(key: tuple[int, str, int, int], group: list[Any], text: str) -> SuggestionView:
    """The suggestions of one code on one sentence (from patterns and classifiers), as one."""
    tid, cid, start, end = key
    first, title, name = group[0]
    evidence = tuple(sorted({tuple(e) for sug, _, _ in group for e in sug.evidence})) or ((start, end),)
    scores = [sug.score for sug, _, _ in group if sug.score is not None]
    return SuggestionView(first.id, tid, title, cid, name, start, end, text[start:end], evidence,
                          tuple(dict.fromkeys(sug.source for sug, _, _ in group)),
                          max(scores) if scores else None)


def counts_by_code(session: Session, coder: str, *, viewer: Viewer) -> dict[str, int]:
    """How many suggestions are open for ``coder`` per code (for a review queue's menu)."""
    counts: dict[str, int] = defaultdict(int)
    for view in pending(session, coder, viewer=viewer):
        counts[view.code_id] += 1
    return dict(counts)


# ---------------------------------------------------------------- decisions

def _suggestion(session: Session, suggestion_id: int, coder: str) -> tuple[Suggestion, Coder]:
    sug = session.get(Suggestion, suggestion_id) if isinstance(suggestion_id, int) else None
    if sug is None:
        raise UserError(f"There is no suggestion {suggestion_id!r} (the codebook may have changed since)")
    who = get_or_create_coder(session, coder)
    if sug.coder_id is not None and sug.coder_id != who.id:
        raise UserError(f"Suggestion {suggestion_id} was made for another coder")
    return sug, who


def accept(session: Session, suggestion_id: int, coder: str) -> int:
    """Code the suggestion's sentence with its code, as ``coder``; returns the coding's id."""
    sug, who = _suggestion(session, suggestion_id, coder)
    return _accept_many(session, [sug], who)[0]


def _accept_many(session: Session, sugs: Sequence[Suggestion], who: Coder) -> list[int]:
    """Each suggestion coded as by hand (:func:`coding.add_coding`, so undo takes it back), with
    origin ``suggested``; a span the coder already coded with that code keeps its coding."""
    ids: list[int] = []
    for sug in sugs:
        code = session.get(Code, sug.code_id)
        if code is None or code.archived:
            raise UserError(f"Code {sug.code_id!r} is archived or gone: its suggestions cannot be accepted")
        ids += add_coding(session, sug.transcript_id, sug.start, sug.end, [sug.code_id], who.name,
                          origin="suggested")
    return ids


def reject(session: Session, suggestion_id: int, coder: str) -> None:
    """Never suggest this code for this sentence to ``coder`` again (whatever the source)."""
    sug, who = _suggestion(session, suggestion_id, coder)
    key = dict(transcript_id=sug.transcript_id, code_id=sug.code_id, coder_id=who.id, start=sug.start,
               end=sug.end)
    if session.scalars(select(SuggestionRejection.id).filter_by(**key)).first() is None:
        session.add(SuggestionRejection(**key))
        session.flush()
        audit.suggestion_rejected(session, who.name, sug.transcript_id, sug.code_id, sug.start, sug.end)


def bulk_preview(session: Session, code_id: str, coder: str, transcript_id: int | None = None, *,
                 viewer: Viewer) -> list[SuggestionView]:
    """What :func:`bulk_accept` would code: every open suggestion of ``code_id`` for ``coder``."""
    if session.get(Code, code_id) is None:
        raise UserError(f"There is no code {code_id!r} in the codebook")
    return pending(session, coder, transcript_id=transcript_id, code_id=code_id, viewer=viewer)


def bulk_accept(session: Session, code_id: str, coder: str, suggestion_ids: Sequence[int]) -> list[int]:
    """Accept exactly the previewed suggestions (their ids), all or none; returns the codings' ids.

    Suggestions rejected or coded since the preview are skipped rather than accepted.
    """
    who = get_or_create_coder(session, coder)
    still_open = {v.id for v in pending(session, coder, code_id=code_id, viewer=Viewer(coder))}
    chosen = []
    for sid in dict.fromkeys(suggestion_ids):
        sug, _ = _suggestion(session, sid, coder)
        if sug.code_id != code_id:
            raise UserError(f"Suggestion {sid} is for code {sug.code_id!r}, not {code_id!r}")
        if sid in still_open:
            chosen.append(sug)
    return _accept_many(session, chosen, who)
