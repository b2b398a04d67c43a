"""Tables of a consult-coder project.

Offsets (``Turn.start``/``end``, ``Coding.start``/``end``) are Unicode code points of
``Transcript.text`` — the stored, normalised text — with ``end`` exclusive, as REFI-QDA counts them.
The text of a transcript is never edited after import, so offsets never drift.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

GROUPS = ("youth", "clinician")
SPEAKER_KINDS = ("interviewer", "participant")
ORIGINS = ("manual", "suggested", "adjudicated", "copied")  # copied: from a colleague's coding
CONSENSUS_CODER = "consensus"  # the reconciled layer is stored as the codings of this coder
UNION_LAYER = "union"  # the analysis layer of all coders together: never a coder's name


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class Participant(Base):
    __tablename__ = "participants"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    group: Mapped[str] = mapped_column(String(32), default="")
    role: Mapped[str] = mapped_column(String(128), default="")
    age_band: Mapped[str] = mapped_column(String(32), default="")
    # Any further columns a participants CSV brought (gender, site, …), as strings.
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict)

    transcripts: Mapped[list[Transcript]] = relationship(back_populates="participant")


class Transcript(Base):
    __tablename__ = "transcripts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    participant_id: Mapped[str | None] = mapped_column(
        ForeignKey("participants.id", onupdate="CASCADE", ondelete="SET NULL"), index=True
    )
    title: Mapped[str] = mapped_column(String(255))
    text: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    source_name: Mapped[str] = mapped_column(String(255))
    source_format: Mapped[str] = mapped_column(String(16))
    # Text before the first turn (title lines, consent notes): kept, but not part of the coded text.
    front_matter: Mapped[str] = mapped_column(Text, default="")
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    participant: Mapped[Participant | None] = relationship(back_populates="transcripts")
    turns: Mapped[list[Turn]] = relationship(
        back_populates="transcript", order_by="Turn.index", cascade="all, delete-orphan"
    )


class Turn(Base):
    __tablename__ = "turns"
    __table_args__ = (
        UniqueConstraint("transcript_id", "index"),
        CheckConstraint("start <= \"end\"", name="turn_span"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    transcript_id: Mapped[int] = mapped_column(
        ForeignKey("transcripts.id", ondelete="CASCADE"), index=True
    )
    index: Mapped[int] = mapped_column(Integer)
    speaker: Mapped[str] = mapped_column(String(128))
    speaker_kind: Mapped[str] = mapped_column(String(16))
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    cue_start: Mapped[float | None] = mapped_column(Float)  # seconds into the recording
    cue_end: Mapped[float | None] = mapped_column(Float)

    transcript: Mapped[Transcript] = relationship(back_populates="turns")


class Code(Base):
    __tablename__ = "codes"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # stable slug
    name: Mapped[str] = mapped_column(String(255))
    definition: Mapped[str] = mapped_column(Text, default="")
    when_to_use: Mapped[str] = mapped_column(Text, default="")
    when_not_to_use: Mapped[str] = mapped_column(Text, default="")
    example: Mapped[str] = mapped_column(Text, default="")
    colour: Mapped[str] = mapped_column(String(16), default="#888888")
    parent_id: Mapped[str | None] = mapped_column(
        ForeignKey("codes.id", onupdate="CASCADE", ondelete="SET NULL")
    )
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    patterns: Mapped[list[Any]] = mapped_column(default=list)  # spaCy matcher patterns
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Coder(Base):
    __tablename__ = "coders"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class User(Base):
    """An account of a team project: who logs in, the coder they code as, and their role.

    A project with no accounts is a solo project (no login); any account makes it a team project.
    """

    __tablename__ = "users"
    __table_args__ = (CheckConstraint("role IN ('lead', 'coder')", name="user_role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    login: Mapped[str] = mapped_column(String(128), unique=True)
    coder_id: Mapped[int] = mapped_column(ForeignKey("coders.id"), unique=True)
    role: Mapped[str] = mapped_column(String(16))  # lead | coder
    # argon2id (argon2-cffi's encoded form); None: logs in only through the institution's sign-in
    password_hash: Mapped[str | None] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(255), unique=True)  # the institution's sign-in
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Raised when the password, role or access changes: a browser logged in before is logged out.
    session_version: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    coder: Mapped[Coder] = relationship()


class Coding(Base):
    __tablename__ = "codings"
    __table_args__ = (
        CheckConstraint("start < \"end\"", name="coding_span"),
        Index("ix_codings_transcript_coder", "transcript_id", "coder_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    transcript_id: Mapped[int] = mapped_column(
        ForeignKey("transcripts.id", ondelete="CASCADE"), index=True
    )
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    code_id: Mapped[str] = mapped_column(
        ForeignKey("codes.id", onupdate="CASCADE"), index=True
    )
    coder_id: Mapped[int] = mapped_column(ForeignKey("coders.id"), index=True)
    origin: Mapped[str] = mapped_column(String(16), default="manual")
    memo: Mapped[str] = mapped_column(Text, default="")
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)  # an exemplar quote for the report
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    code: Mapped[Code] = relationship()
    coder: Mapped[Coder] = relationship()


class Progress(Base):
    """Each coder's own state on each transcript: not started (no row) / in progress / done."""

    __tablename__ = "progress"

    transcript_id: Mapped[int] = mapped_column(
        ForeignKey("transcripts.id", ondelete="CASCADE"), primary_key=True
    )
    coder_id: Mapped[int] = mapped_column(ForeignKey("coders.id"), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), default="in_progress")  # in_progress | done
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Memo(Base):
    """A memo on a transcript, a code or the project (coding memos live on ``Coding.memo``)."""

    __tablename__ = "memos"
    __table_args__ = (UniqueConstraint("target_kind", "target_id", "coder_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    target_kind: Mapped[str] = mapped_column(String(16))  # transcript | code | project
    target_id: Mapped[str] = mapped_column(String(64))
    coder_id: Mapped[int | None] = mapped_column(ForeignKey("coders.id"))
    text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Event(Base):
    """One row per change: the audit trail, and what undo reads."""

    __tablename__ = "events"
    # Undo looks up a coder's latest action on one transcript; keep that a short index scan.
    __table_args__ = (Index("ix_events_actor_entity", "actor", "entity", "entity_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(64))  # e.g. coding.add, code.update, import.batch
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)  # {"before": …, "after": …}
    undone: Mapped[bool] = mapped_column(Boolean, default=False)


class Setting(Base):
    """Project-wide values, e.g. the codebook version."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


# ---------------------------------------------------------------- suggestions (consult_coder.suggestions)

SUGGESTION_SOURCES = ("pattern", "classifier")


class Suggestion(Base):
    """A code proposed for one sentence. Derived data: rebuilt whenever its code or source changes."""

    __tablename__ = "suggestions"
    __table_args__ = (
        UniqueConstraint("transcript_id", "code_id", "source", "start", "end", "coder_id"),
        Index("ix_suggestions_code_source", "code_id", "source"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    transcript_id: Mapped[int] = mapped_column(
        ForeignKey("transcripts.id", ondelete="CASCADE"), index=True
    )
    code_id: Mapped[str] = mapped_column(ForeignKey("codes.id", onupdate="CASCADE", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(16))  # pattern | classifier
    start: Mapped[int] = mapped_column(Integer)  # the sentence
    end: Mapped[int] = mapped_column(Integer)
    evidence: Mapped[list[Any]] = mapped_column(default=list)  # [[start, end], …] of matched words
    score: Mapped[float | None] = mapped_column(Float)  # the classifier's probability
    # A classifier learns from one coder's codings, so its suggestions are shown to that coder only.
    coder_id: Mapped[int | None] = mapped_column(ForeignKey("coders.id", ondelete="CASCADE"))


class SuggestionScan(Base):
    """That a transcript was matched for a code, with which patterns (their fingerprint), and what they
    found there before the passage rules (``matches``: the engine's ``Scan.of_code``), so an edit to one
    code matches that code alone and the rules re-run over every code's stored matches."""

    __tablename__ = "suggestion_scans"

    transcript_id: Mapped[int] = mapped_column(
        ForeignKey("transcripts.id", ondelete="CASCADE"), primary_key=True
    )
    code_id: Mapped[str] = mapped_column(
        ForeignKey("codes.id", onupdate="CASCADE", ondelete="CASCADE"), primary_key=True
    )
    source: Mapped[str] = mapped_column(String(16), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    matches: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True), nullable=True)


class SuggestionRejection(Base):
    """A coder said no to a code on a sentence: never suggested to them there again."""

    __tablename__ = "suggestion_rejections"
    __table_args__ = (UniqueConstraint("transcript_id", "code_id", "coder_id", "start", "end"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    transcript_id: Mapped[int] = mapped_column(
        ForeignKey("transcripts.id", ondelete="CASCADE"), index=True
    )
    code_id: Mapped[str] = mapped_column(ForeignKey("codes.id", onupdate="CASCADE", ondelete="CASCADE"))
    coder_id: Mapped[int] = mapped_column(ForeignKey("coders.id", ondelete="CASCADE"))
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SuggestionModel(Base):
    """A trained classifier (spaCy ``textcat_multilabel``) for one coder's layer, with its CV figures."""

    __tablename__ = "suggestion_models"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    coder_id: Mapped[int] = mapped_column(ForeignKey("coders.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    data: Mapped[bytes] = mapped_column(LargeBinary)  # the pipeline, spaCy's ``to_bytes``
    thresholds: Mapped[dict[str, Any]] = mapped_column(default=dict)  # code id -> threshold or None
    metrics: Mapped[dict[str, Any]] = mapped_column(default=dict)  # cross-validated P/R/F1 per code


# ---------------------------------------------------------------- adjudication (consult_coder.adjudication)

DECISIONS = ("keep", "union", "overlap", "discard", "edit", "copy")


class Adjudication(Base):
    """A decision on a disagreement between coders: what went into the consensus layer, and from which
    codings. The passage (``start``–``end``) is the disagreement's, which counts as settled from then on."""

    __tablename__ = "adjudications"
    __table_args__ = (
        Index("ix_adjudications_transcript_code", "transcript_id", "code_id"),
        CheckConstraint("start < \"end\"", name="adjudication_span"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    transcript_id: Mapped[int] = mapped_column(ForeignKey("transcripts.id", ondelete="CASCADE"))
    code_id: Mapped[str] = mapped_column(ForeignKey("codes.id", onupdate="CASCADE", ondelete="CASCADE"))
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    decision: Mapped[str] = mapped_column(String(16))  # one of DECISIONS
    kept: Mapped[str] = mapped_column(String(128), default="")  # the coder kept, for "keep"
    coders: Mapped[list[Any]] = mapped_column(default=list)  # the coders compared
    # The codings decided on, as they were: [{"id", "coder", "start", "end", "memo"}, …]
    sources: Mapped[list[Any]] = mapped_column(default=list)
    codings: Mapped[list[Any]] = mapped_column(default=list)  # ids of the consensus codings written
    note: Mapped[str] = mapped_column(Text, default="")
    decided_by: Mapped[str] = mapped_column(String(128))
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
