"""Read transcript files (.txt, .docx, .vtt, .srt) into :class:`ParsedTranscript` objects.

Nothing here touches the database: ``consult_coder.ingest`` writes what these readers produce.
"""

from __future__ import annotations

from pathlib import PurePath

from consult_coder.errors import UserError
from consult_coder.importers.base import ParsedTranscript, ParsedTurn
from consult_coder.importers.folder import SUPPORTED, link_participant, unsupported_reason
from consult_coder.limits import check_size

__all__ = ["SUPPORTED", "ParsedTranscript", "ParsedTurn", "parse_file"]


def parse_file(name: str, data: bytes) -> ParsedTranscript:
    """Parse one file by its extension; any problem is a UserError naming the file."""
    suffix = PurePath(name).suffix.lower()
    if suffix in SUPPORTED:
        check_size(name, len(data))
    if suffix == ".txt":
        from consult_coder.importers.txt import parse_txt

        parsed = parse_txt(name, data)
    elif suffix == ".docx":
        from consult_coder.importers.docx import parse_docx

        parsed = parse_docx(name, data)
    elif suffix in (".vtt", ".srt"):
        from consult_coder.importers.captions import parse_captions

        parsed = parse_captions(name, data, suffix[1:])
    else:
        raise UserError(f"{name}: {unsupported_reason(name)}")
    parsed.participant_id = link_participant(parsed, [])
    return parsed
