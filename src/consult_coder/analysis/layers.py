"""Whose codings count, and where: the one loader every analysis, chart and export starts from.

A *layer* is one coder (by name), ``"consensus"`` (the codings of the coder named
:data:`~consult_coder.model.CONSENSUS_CODER`) or ``"union"`` (every individual coder together; the
consensus coder is left out because its codings are derived from theirs and would count twice).
In the union, codings with the identical span and code by several coders are one segment.

Every reader takes the :class:`~consult_coder.access.Viewer` it reads for: a blind coder is offered,
and can load, only their own layer (not the union, not the consensus, not a colleague's).

By default only participant speech counts: a coding counts where it overlaps a participant turn and
is clipped to those turns for word counts and quotes. ``include_interviewer=True`` counts every turn.
Speaker labels lie between turns and never count; nor does the front matter (stored apart). A
transcript without turns is treated as one participant turn.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from consult_coder.access import Viewer, visible
from consult_coder.analysis.offsets import TranscriptIndex, merge_spans
from consult_coder.codebook import list_codes
from consult_coder.collector import collector_paused
from consult_coder.errors import UserError
from consult_coder.model import (
    CONSENSUS_CODER,
    GROUPS,
    UNION_LAYER,
    Coder,
    Coding,
    Participant,
    Transcript,
    Turn,
)
from consult_coder.text import overlaps, word_count

Span = tuple[int, int]

UNION = UNION_LAYER
CONSENSUS = CONSENSUS_CODER
NOT_RECORDED = "(not recorded)"
BASE_ATTRIBUTES = ("group", "role", "age_band")
# Columns of the participants frame that an extra attribute must not overwrite.
_RESERVED = {"participant_id", "words", "transcripts", *BASE_ATTRIBUTES}


@dataclass(frozen=True)
class Study:
    """Everything an analysis needs, read once: the layer's codings with their participants."""

    layer: str
    include_interviewer: bool
    codes: pd.DataFrame  # code_id, code (unique display name), colour, parent_id; in codebook order
    participants: pd.DataFrame  # one row per participant with a transcript; ``words`` = counted words
    codings: pd.DataFrame  # one row per segment of the layer that falls in counted speech
    texts: dict[int, str]  # transcript id -> text
    speech: dict[int, list[Span]]  # transcript id -> counted speech, merged spans
    # transcript id -> its word / turn / speech lookups (built once; see analysis.offsets)
    index: dict[int, TranscriptIndex] = field(default_factory=dict, repr=False, compare=False)

    @property
    def code_names(self) -> dict[str, str]:
        return dict(zip(self.codes["code_id"], self.codes["code"], strict=True))

    def words(self, transcript_id: int, spans: list[Span]) -> int:
        """Words in these spans of one transcript (overlapping spans counted once)."""
        found = self.index.get(transcript_id)
        return found.words(spans) if found else words_in(self.texts[transcript_id], spans)


def clip_spans(span: Span, regions: list[Span]) -> list[Span]:
    """The parts of ``span`` inside ``regions``."""
    return [(max(span[0], s), min(span[1], e)) for s, e in regions if overlaps(span, (s, e))]


def words_in(text: str, spans: Iterable[Span]) -> int:
    return sum(word_count(text[s:e]) for s, e in merge_spans(spans))


def layer_options(session: Session, viewer: Viewer) -> list[str]:
    """Layers to offer: each individual coder, then consensus and union; a blind viewer's own only."""
    if viewer.blind:
        own = session.scalar(select(Coder.name).where(Coder.name == viewer.name, Coder.name != CONSENSUS))
        return [own] if own else []
    names = session.scalars(select(Coder.name).where(Coder.name != CONSENSUS).order_by(Coder.name))
    return [*names, CONSENSUS, UNION]


def default_layer(session: Session, viewer: Viewer) -> str | None:
    """Consensus once the coders have reconciled (it holds codings), else the union of the coders; a
    blind viewer's own layer (None before they have one)."""
    if viewer.blind:
        return next(iter(layer_options(session, viewer)), None)
    q = select(Coding.id).join(Coder, Coding.coder_id == Coder.id).where(Coder.name == CONSENSUS).limit(1)
    return CONSENSUS if session.scalar(q) is not None else UNION


def check_visible(viewer: Viewer, layer: str) -> None:
    """Refuse a layer ``viewer`` may not see: while blind, only their own (the union holds everyone's)."""
    if layer == UNION and viewer.blind:
        raise UserError("The union of all coders cannot be shown while coding is blind: you see only your "
                        "own codings (the lead can unblind the project)")
    visible(viewer, layer, "The codings")


def attribute_options(session: Session) -> list[str]:
    """Participant attributes to split by: group, role, age band, then any extra CSV columns."""
    extra: set[str] = set()
    for attrs in session.scalars(select(Participant.attributes)):
        extra.update(_attribute_column(k) for k in (attrs or {}))
    return [*BASE_ATTRIBUTES, *sorted(extra)]


def split_values(participants: pd.DataFrame, by: str) -> list[str]:
    """The values of ``by`` in display order: youth before clinician, '(not recorded)' last."""
    if by not in participants.columns or by in ("participant_id", "words", "transcripts"):
        raise UserError(f"Cannot split by {by!r}: not a participant attribute in this project")
    present = set(participants[by])
    first = [g for g in GROUPS if g in present] if by == "group" else []
    rest = sorted(present - set(first) - {NOT_RECORDED})
    return first + rest + ([NOT_RECORDED] if NOT_RECORDED in present else [])


def load_study(session: Session, layer: str, include_interviewer: bool = False, *, viewer: Viewer) -> Study:
    """The layer's study with one interviewer setting (:func:`load_studies` gives both from one read)."""
    return _load(session, layer, (include_interviewer,), viewer)[include_interviewer]


def load_studies(session: Session, layer: str, *, viewer: Viewer) -> dict[bool, Study]:
    """The layer's study for both interviewer settings, ``{False: participant speech only, True: every
    turn}``, each equal to what :func:`load_study` gives for it. The two differ only in which speech
    counts, so the database is read once, and a span either setting clips alike is measured once."""
    return _load(session, layer, (False, True), viewer)


@dataclass(frozen=True)
class _Read:
    """What every interviewer setting of a layer shares, read once."""

    codes: pd.DataFrame
    participants: pd.DataFrame  # without ``words``, which depends on the setting
    transcripts_of: dict[str, list[int]]
    texts: dict[int, str]
    archived: pd.DataFrame | None = None  # archived codes holding codings in either setting


def _load(session: Session, layer: str, settings: tuple[bool, ...], viewer: Viewer) -> dict[bool, Study]:
    check_visible(viewer, layer)
    participants, transcripts_of = _participants(session)
    linked = Transcript.participant_id.is_not(None)
    texts = dict(session.execute(select(Transcript.id, Transcript.text).where(linked)).all())
    read = _Read(_codes(session), participants, transcripts_of, texts)
    turns: dict[int, list[tuple[str, Span]]] = defaultdict(list)
    speakers: dict[int, list[str]] = defaultdict(list)
    for tid, kind, speaker, s, e in session.execute(
        select(Turn.transcript_id, Turn.speaker_kind, Turn.speaker, Turn.start, Turn.end)
        .join(Transcript, Turn.transcript_id == Transcript.id)
        .where(linked)
        .order_by(Turn.transcript_id, Turn.start, Turn.index)
    ):
        turns[tid].append((kind, (s, e)))
        speakers[tid].append(speaker)
    first = {tid: TranscriptIndex(text, turns.get(tid, []), settings[0], speakers.get(tid))
             for tid, text in texts.items()}
    indexes = {setting: {t: f.counting(setting) for t, f in first.items()} for setting in settings[1:]}
    indexes[settings[0]] = first
    codings = _codings(session, layer, indexes)
    known = set(read.codes["code_id"])  # archived codes that still hold codings in this layer, below
    archived = [c for c in dict.fromkeys(c for f in codings.values() for c in f["code_id"]) if c not in known]
    if archived:
        read = replace(read, archived=_codes(session, archived))
    return {setting: _study(layer, setting, read, indexes[setting], codings[setting]) for setting in settings}


def _study(layer: str, include_interviewer: bool, read: _Read, index: dict[int, TranscriptIndex],
           codings: pd.DataFrame) -> Study:
    """One setting's study from the shared read, its transcripts' indexes and its measured segments."""
    participants = read.participants.copy()
    words = {pid: sum(index[t].speech_words() for t in ts) for pid, ts in read.transcripts_of.items()}
    participants["words"] = participants["participant_id"].map(words).astype(int)
    codings = codings.merge(participants.drop(columns=["words", "transcripts"]), on="participant_id")
    codes = read.codes.copy()
    held = set(codings["code_id"])
    if held - set(codes["code_id"]):  # in codebook order, as the live codes are
        codes = pd.concat([codes, read.archived[read.archived["code_id"].isin(held)]], ignore_index=True)
    codes["code"] = _unique_names(codes)
    codings["code"] = codings["code_id"].map(dict(zip(codes["code_id"], codes["code"], strict=True)))
    attrs = [c for c in participants.columns if c not in ("words", "transcripts")]
    head = ["coding_id", "coder", "coders", "code_id", "code", "transcript_id", *attrs]
    codings = codings[head + [c for c in codings.columns if c not in head]]
    codings = codings.reset_index(drop=True)
    speech = {tid: found.speech for tid, found in index.items()}
    return Study(layer, include_interviewer, codes, participants, codings, read.texts, speech, index)


def layer_codings(session: Session, layer: str, include_interviewer: bool = False, *,
                  viewer: Viewer) -> pd.DataFrame:
    """The layer's segments joined with participant attributes, one row per segment.

    Columns: coding_id, coder (who owns the row), coders (in the union: everyone who made this
    identical segment), code_id, code, transcript_id, participant_id, group, role, age_band,
    extra attributes…, start, end, speaker_kind (participant | interviewer | mixed | outside — of the
    turns the coding overlaps), spans (the counted parts), words (words in the counted parts),
    quote, pinned, memo, created_at, updated_at.
    """
    return load_study(session, layer, include_interviewer, viewer=viewer).codings


def _codes(session: Session, only: list[str] | None = None) -> pd.DataFrame:
    """The codes ``only`` names (archived or not), else every live code, in codebook order."""
    keep = set(only) if only is not None else None
    rows = [(c.id, c.name, c.colour, c.parent_id) for c in list_codes(session)
            if (c.id in keep if keep is not None else not c.archived)]
    return pd.DataFrame(rows, columns=["code_id", "code", "colour", "parent_id"])


def _unique_names(codes: pd.DataFrame) -> list[str]:
    """Code names for tables; a name two codes share gets the code id added."""
    counts = codes["code"].value_counts()
    pairs = zip(codes["code_id"], codes["code"], strict=True)
    return [n if counts[n] == 1 else f"{n} ({i})" for i, n in pairs]


def _attribute_column(key: str) -> str:
    return f"{key} (attribute)" if key in _RESERVED else key


def _participants(session: Session) -> tuple[pd.DataFrame, dict[str, list[int]]]:
    """Participants with at least one transcript: they form every N."""
    transcripts_of: dict[str, list[int]] = defaultdict(list)
    for tid, pid in session.execute(
        select(Transcript.id, Transcript.participant_id)
        .where(Transcript.participant_id.is_not(None))
        .order_by(Transcript.id)
    ):
        transcripts_of[pid].append(tid)
    rows = []
    people = select(Participant.id, Participant.group, Participant.role, Participant.age_band,
                    Participant.attributes).where(Participant.id.in_(
                        select(Transcript.participant_id).where(Transcript.participant_id.is_not(None))))
    for pid, group, role, age_band, attributes in session.execute(people):
        row = {"participant_id": pid, "group": group, "role": role, "age_band": age_band}
        row.update({_attribute_column(k): v for k, v in (attributes or {}).items()})
        rows.append(row)
    frame = pd.DataFrame(rows) if rows else pd.DataFrame(columns=["participant_id", *BASE_ATTRIBUTES])
    for col in frame.columns[1:]:  # a value left blank, or a column another participant lacks
        frame[col] = [_recorded(v) for v in frame[col]]
    order = {g: i for i, g in enumerate(GROUPS)}
    frame["_g"] = frame["group"].map(lambda g: order.get(g, len(order)))
    frame = frame.sort_values(["_g", "participant_id"]).drop(columns="_g").reset_index(drop=True)
    frame["transcripts"] = frame["participant_id"].map(lambda p: len(transcripts_of[p]))
    return frame, dict(transcripts_of)


def _recorded(value: object) -> str:
    missing = value is None or (isinstance(value, float) and value != value) or str(value).strip() == ""
    return NOT_RECORDED if missing else str(value)


_COLUMNS = ["coding_id", "coder", "coders", "code_id", "transcript_id", "participant_id", "start", "end",
            "speaker_kind", "spans", "words", "quote", "pinned", "memo", "created_at", "updated_at"]


def _codings(session: Session, layer: str,
             indexes: dict[bool, dict[int, TranscriptIndex]]) -> dict[bool, pd.DataFrame]:
    """Per interviewer setting, one row per segment of the layer in counted speech: columns are read, not
    ORM objects, and each distinct span is clipped, counted and quoted once (coders often code the very
    same span)."""
    q = (
        select(Coding.id, Coder.name, Coding.code_id, Coding.transcript_id, Transcript.participant_id,
               Coding.start, Coding.end, Coding.pinned, Coding.memo, Coding.created_at, Coding.updated_at)
        .join(Coder, Coding.coder_id == Coder.id)
        .join(Transcript, Coding.transcript_id == Transcript.id)
        .where(Transcript.participant_id.is_not(None))
        .order_by(Coding.id)
    )
    if layer == UNION:
        q = q.where(Coder.name != CONSENSUS)
    else:
        if session.scalar(select(Coder.id).where(Coder.name == layer)) is None:
            if layer == CONSENSUS:
                raise UserError("No consensus codings yet: reconcile the coders' codings first, "
                                "or pick a coder or 'union'")
            raise UserError(f"No coder named {layer!r} in this project")
        q = q.where(Coder.name == layer)
    with collector_paused():  # a few hundred thousand small rows, no cycles
        segments = _segments(session.connection().execute(q).all(), layer == UNION)
        return _measured(segments, indexes)


Measured = tuple[str, list[Span], int, str]  # speaker kind, counted parts, their words, the quote
# A segment row before it is measured: _COLUMNS without the four measured ones, which go in at _MEASURED.
_TID, _START, _END, _PINNED = 4, 6, 7, 8
_MEASURED = _PINNED


def _segments(result: Iterable[Any], union: bool) -> list[list]:
    """The layer's segments in coding order: in the union, codings with the identical span and code by
    several coders are one (a pinned one if any, else the oldest), ``coders`` naming them all. Which
    codings are one segment does not depend on the interviewer setting (they share their span)."""
    rows: list[list] = []
    kept: dict[tuple[int, int, int, str], int] = {}  # union: a segment's key -> its row
    coders: dict[int, set[str]] = {}  # union: row -> everyone who made that segment
    for cid, coder, code_id, tid, pid, start, end, pinned, memo, created, updated in result:
        if union:
            key = (tid, start, end, code_id)
            if key in kept:
                at = kept[key]
                coders[at].add(coder)
                if pinned and not rows[at][_PINNED]:
                    rows[at] = [cid, coder, coder, code_id, tid, pid, start, end, True, memo, created,
                                updated]
                continue
            kept[key] = len(rows)
            coders[len(rows)] = {coder}
        rows.append([cid, coder, coder, code_id, tid, pid, start, end, bool(pinned), memo, created, updated])
    for at, names in coders.items():
        if len(names) > 1:
            rows[at][2] = ", ".join(sorted(names))
    if union:
        rows.sort(key=lambda row: row[0])
    return rows


def _measured(segments: list[list],
              indexes: dict[bool, dict[int, TranscriptIndex]]) -> dict[bool, pd.DataFrame]:
    """Per setting, the segments in its counted speech with their measures (columns as ``_COLUMNS``)."""
    settings = list(indexes)
    seen: dict[tuple[int, int, int], list[Measured | None]] = {}
    measures = []  # per segment, its measure in each setting
    for row in segments:
        place = (row[_TID], row[_START], row[_END])
        found = seen.get(place)
        if found is None:
            found = seen[place] = _measure_each([indexes[s][place[0]] for s in settings], place[1], place[2])
        measures.append(found)
    frames = {}
    for i, setting in enumerate(settings):
        rows = [[*row[:_MEASURED], *measured[i], *row[_MEASURED:]]
                for row, measured in zip(segments, measures, strict=True)
                if measured[i] is not None]
        frames[setting] = pd.DataFrame(rows, columns=_COLUMNS)
    return frames


def _measure_each(found: list[TranscriptIndex], start: int, end: int) -> list[Measured | None]:
    """One span measured in each setting's index; a setting that clips it as the first does shares the
    first's measure (same parts of the same text)."""
    first = _measure(found[0], start, end, found[0].clip((start, end)))
    out = [first]
    for f in found[1:]:
        spans = f.clip((start, end))
        out.append(first if first is not None and spans == first[1] else _measure(f, start, end, spans))
    return out


def _measure(found: TranscriptIndex, start: int, end: int, spans: list[Span]) -> Measured | None:
    """(speaker kind, counted parts, their words, the quote) of one span clipped to ``spans``, or None if
    nothing counts (interviewer speech, or outside any turn, when that is excluded)."""
    if not spans:
        return None
    text = found.text
    return (found.speaker_kind((start, end)), spans, found.words(spans),
            " … ".join(text[s:e].strip() for s, e in spans))
