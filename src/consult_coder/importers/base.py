"""What every importer produces: a transcript's stored text and its speaker turns, before any database.

Each format reader only finds *raw turns* (speaker, paragraphs, cue times) and the front matter;
:func:`build_transcript` is the one place the stored text is rendered and the offsets are counted, so
every format gets the same layout: ``Speaker: spoken text`` per turn, turns separated by a blank line,
and ``text[turn.start:turn.end]`` is exactly the spoken text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import PurePath

from consult_coder.errors import UserError
from consult_coder.importers.speakers import speaker_kind
from consult_coder.limits import MAX_TURNS, check_count, check_text_shape
from consult_coder.text import content_hash, normalise

TURN_SEPARATOR = "\n\n"
LABEL_SEPARATOR = ": "
# Invisible characters a copy-paste or an export leaves: a stray byte-order mark (U+FEFF) mid-file, a
# zero-width space or word joiner. They carry no meaning in a transcript but hide a speaker label at
# a line's start, so they are dropped. (Zero-width joiners stay: emoji and some scripts need them.)
INVISIBLE = "\ufeff\u200b\u2060\u180e"
_DROP_INVISIBLE = str.maketrans(dict.fromkeys(map(ord, INVISIBLE)))


@dataclass
class RawTurn:
    """One speaker's turn as a reader found it: paragraphs of spoken text, timestamps apart."""

    speaker: str
    paragraphs: list[str] = field(default_factory=list)
    cue_start: float | None = None
    cue_end: float | None = None


@dataclass(frozen=True)
class ParsedTurn:
    speaker: str
    speaker_kind: str  # interviewer | participant
    start: int  # code-point offsets of the spoken text in ParsedTranscript.text, end exclusive
    end: int
    cue_start: float | None = None  # seconds into the recording, when the source had timestamps
    cue_end: float | None = None


@dataclass
class ParsedTranscript:
    title: str
    source_name: str
    source_format: str  # txt | docx | vtt | srt
    text: str
    front_matter: str
    turns: list[ParsedTurn]
    participant_id: str | None = None  # a guess from the file name or the speaker labels
    # The hash of the text as read, kept when identifiers are redacted before import, so the original
    # file is recognised (and skipped) if it is imported again.
    source_hash: str | None = None

    @property
    def content_hash(self) -> str:
        return self.source_hash or content_hash(self.text)

    def spoken(self, turn: ParsedTurn) -> str:
        return self.text[turn.start : turn.end]

    @property
    def speakers(self) -> list[str]:
        return list(dict.fromkeys(t.speaker for t in self.turns))


def clean_piece(text: str) -> str:
    """One label or paragraph in stored form: normalised, on one line, no edge or doubled spaces."""
    text = normalise(text).translate(_DROP_INVISIBLE)
    text = text.replace("\n", " ").replace("\t", " ").replace("\u00a0", " ")
    return re.sub(r" {2,}", " ", text).strip()


def build_transcript(
    source_name: str,
    source_format: str,
    raw_turns: list[RawTurn],
    front_matter: str = "",
    title: str | None = None,
) -> ParsedTranscript:
    """Render the stored text from raw turns and count each turn's offsets into it."""
    check_count(source_name, "speaker turns", len(raw_turns), MAX_TURNS)
    pieces: list[str] = []
    turns: list[ParsedTurn] = []
    pos = 0
    for raw in raw_turns:
        speaker = clean_piece(raw.speaker)
        paragraphs = [p for p in (clean_piece(p) for p in raw.paragraphs) if p]
        if not speaker or not paragraphs:
            continue  # a label with nothing said, or text with no speaker: nothing to code
        if pieces:
            pieces.append(TURN_SEPARATOR)
            pos += len(TURN_SEPARATOR)
        head = speaker + LABEL_SEPARATOR
        spoken = "\n".join(paragraphs)
        pieces += [head, spoken]
        start = pos + len(head)
        pos = start + len(spoken)
        turns.append(ParsedTurn(speaker, speaker_kind(speaker), start, pos, raw.cue_start, raw.cue_end))
    if not turns:
        raise UserError(
            f"{source_name}: no speaker turns found (expected lines such as 'Interviewer: …' or 'P07: …')"
        )
    text = "".join(pieces)
    check_text_shape(source_name, text)
    # Each piece was normalised on its own and joined with plain ASCII, so the whole is already
    # in stored form; check anyway, as drifting offsets would silently misplace every coding.
    if normalise(text) != text:
        raise UserError(f"{source_name}: the text could not be normalised consistently")
    return ParsedTranscript(
        title=title or PurePath(source_name).stem,
        source_name=source_name,
        source_format=source_format,
        text=text,
        front_matter=normalise(front_matter).strip("\n"),
        turns=turns,
        participant_id=None,
    )
