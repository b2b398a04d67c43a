"""Caption files from meeting recordings: WebVTT (Teams, Zoom) and SubRip (.srt).

Teams names the speaker in a voice tag, ``<v Jane Doe>text</v>`` (sometimes without the closing
tag); Zoom and most .srt files start the cue text with ``Jane Doe: text``. A speaker's consecutive
cues are one turn, joined with a space, timed from the first cue's start to the last cue's end.
"""

from __future__ import annotations

import html
import io
import re
from dataclasses import dataclass

import webvtt
from webvtt.errors import MalformedCaptionError, MalformedFileError
from webvtt.srt import SRTCueBlock
from webvtt.vtt import WebVTTCueBlock

from consult_coder.errors import UserError
from consult_coder.importers.base import ParsedTranscript, RawTurn, build_transcript
from consult_coder.importers.encoding import decode_text
from consult_coder.importers.turns import clean_label, plausible_label
from consult_coder.limits import check_text_shape
from consult_coder.text import normalise

_VOICE = re.compile(r"<v(?:\.[\w-]+)*\s+([^>]+)>")
_TAG = re.compile(r"</?[a-zA-Z][^>]*>|<\d[^>]*>")  # cue tags <i>, </v>, <c.x>, <00:00:01.000>
_PREFIX = re.compile(r"^(?P<label>[^:]{1,60}?)\s*:\s+(?P<rest>.+)$", re.DOTALL)
UNKNOWN_SPEAKER = "Unknown speaker"


@dataclass
class _Cue:
    speaker: str | None
    text: str
    start: float
    end: float


def parse_captions(name: str, data: bytes, fmt: str) -> ParsedTranscript:
    """``fmt`` is ``vtt`` or ``srt``."""
    text = normalise(decode_text(data, name))
    if not text.strip():
        raise UserError(f"{name}: the file is empty")
    check_text_shape(name, text)
    try:
        captions = webvtt.from_buffer(io.StringIO(text), format=fmt).captions
    except (MalformedFileError, MalformedCaptionError) as exc:
        kind = "WebVTT" if fmt == "vtt" else "SubRip (.srt)"
        raise UserError(f"{name}: is not a valid {kind} caption file ({exc})") from None
    _refuse_orphan_text(text, name, fmt)
    cues = [_cue(c) for c in captions]
    cues = [c for c in cues if c.text]
    if not cues:
        raise UserError(f"{name}: has no caption text")
    _apply_name_prefixes(cues)
    if all(c.speaker is None for c in cues):
        raise UserError(f"{name}: no speaker names found (expected <v Name> tags or 'Name: text' cues)")
    return build_transcript(name, fmt, _merge(cues))


_VTT_BLOCKS = ("NOTE", "STYLE", "REGION")


def _refuse_orphan_text(text: str, name: str, fmt: str) -> None:
    """webvtt-py skips a block it cannot read as a cue — a broken timing line, or text after a blank
    line inside a cue — and its words would vanish while the import reports success. Refuse the file
    instead, naming the line, so the user can mend it."""
    lines = text.split("\n")
    start = 0
    for i, line in enumerate([*lines, ""]):
        if line.strip():
            continue
        block, first = lines[start:i], start + 1
        start = i + 1
        if not block:
            continue
        if fmt == "vtt":
            if first == 1 or block[0].startswith(_VTT_BLOCKS) or WebVTTCueBlock.is_valid(block[:3]):
                continue  # the header, a comment/style/region block, or a cue
            expected = "00:00:01.000 --> 00:00:04.000"
        else:
            if SRTCueBlock.is_valid(block):
                continue
            expected = "a cue number, then 00:00:01,000 --> 00:00:04,000"
        shown = next((line for line in block if not line.strip().isdigit()), block[0])  # not a cue number
        shown = shown if len(shown) <= 60 else shown[:57] + "…"
        raise UserError(f"{name} line {first}: {shown!r} does not start a cue (expected {expected}), so "
                        "its text would be lost: mend the timing line, or remove a blank line inside a cue")


def _cue(caption: webvtt.Caption) -> _Cue:
    raw = "\n".join(caption.lines)
    voice = _VOICE.search(raw)
    words = html.unescape(_TAG.sub("", raw))
    words = " ".join(words.split())
    speaker = clean_label(voice.group(1)) if voice else None
    start, end = caption.start_time.in_milliseconds() / 1000, caption.end_time.in_milliseconds() / 1000
    return _Cue(speaker, words, start, end)


def _apply_name_prefixes(cues: list[_Cue]) -> None:
    """Zoom-style ``Name: text``: a file written that way prefixes most cues, so any short prefix
    counts; in a file with only the odd prefix, it counts only if that name recurs."""
    found = {}
    for i, cue in enumerate(cues):
        if cue.speaker is None and (m := _PREFIX.match(cue.text)):
            label = clean_label(m["label"])
            if plausible_label(label):
                found[i] = (label, m["rest"].strip())
    if not found:
        return
    names = [label for label, _ in found.values()]
    zoom_style = len(found) * 2 >= len(cues)
    for i, (label, rest) in found.items():
        if zoom_style or names.count(label) >= 2:
            cues[i].speaker, cues[i].text = label, rest


def _merge(cues: list[_Cue]) -> list[RawTurn]:
    turns: list[RawTurn] = []
    for cue in cues:
        speaker = cue.speaker or (turns[-1].speaker if turns else UNKNOWN_SPEAKER)
        if turns and turns[-1].speaker == speaker:
            last = turns[-1]
            last.paragraphs[0] += " " + cue.text
            last.cue_end = cue.end
        else:
            turns.append(RawTurn(speaker, [cue.text], cue_start=cue.start, cue_end=cue.end))
    return turns
