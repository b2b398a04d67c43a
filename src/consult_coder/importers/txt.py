"""Plain-text transcripts: ``Speaker: text`` lines in any of the encodings Windows and Macs write."""

from __future__ import annotations

from consult_coder.errors import UserError
from consult_coder.importers.base import ParsedTranscript, build_transcript
from consult_coder.importers.encoding import decode_text
from consult_coder.importers.turns import SourceLine, assemble
from consult_coder.limits import check_text_shape
from consult_coder.text import normalise


def parse_txt(name: str, data: bytes) -> ParsedTranscript:
    text = normalise(decode_text(data, name))
    if not text.strip():
        raise UserError(f"{name}: the file is empty")
    check_text_shape(name, text)
    front, turns = assemble(SourceLine(line) for line in text.split("\n"))
    return build_transcript(name, "txt", turns, front)
