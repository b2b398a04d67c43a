"""Suggestions straight from transcript files, with no project: what ``consult-coder suggest PATH…`` prints.

Files are read by the importers (every layout they take), so offsets are code points into exactly the
text an import would store. All files are read before the first suggestion is made: one unreadable
file stops the run with one line naming it, before anything is printed.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from consult_coder.cells import csv_text
from consult_coder.codebook import Codebook
from consult_coder.errors import UserError
from consult_coder.importers import ParsedTranscript, parse_file
from consult_coder.importers.folder import select_files
from consult_coder.sentences import speech_turns
from consult_coder.suggestions.engine import PatternMatcher
from consult_coder.suggestions.weigher import shipped_for

FIELDS = ["file", "participant", "speaker", "start", "end", "code", "text", "sentence", "source"]
MAX_FILE_BYTES = 50_000_000  # a transcript is text: far below this


def read_transcripts(paths: Sequence[Path | str]) -> list[ParsedTranscript]:
    selection = select_files(paths)
    if not selection.files:
        raise UserError("no transcript files given (.txt, .docx, .vtt or .srt, or a folder of them)")
    parsed = []
    for path in selection.files:
        try:
            size = path.stat().st_size
            if size > MAX_FILE_BYTES:
                raise UserError(f"{path.name}: {size // 1_000_000} MB is too large for a transcript")
            data = path.read_bytes()
        except OSError as exc:
            raise UserError(f"{path}: cannot read ({exc.strerror or exc})") from None
        parsed.append(parse_file(path.name, data))
    return parsed


def suggest_files(
    paths: Sequence[Path | str],
    book: Codebook,
    all_speakers: bool = False,
    pipeline: str = "",
    context: int = 1,
    progress: Callable[[int, int, str], None] | None = None,
    weigh: bool = True,
) -> Iterator[dict[str, object]]:
    """One record per (sentence, code): ``start``/``end`` cover the evidence, ``text`` is those words.

    With ``context`` the evidence of a sentence suggested for its neighbour's match lies in that neighbour.
    With ``weigh`` (and context), the shipped weigher decides for the codes it was trained for.
    """
    transcripts = read_transcripts(paths)
    weigher = shipped_for(book.codes) if weigh else None  # the matcher weighs only with context
    matcher = PatternMatcher({c.id: c.patterns for c in book.codes if c.patterns}, pipeline, context, weigher)
    items = ((i, t.text, speech_turns(((u.start, u.end, u.speaker_kind) for u in t.turns), all_speakers),
              [(u.start, u.end) for u in t.turns if u.speaker_kind == "interviewer"])
             for i, t in enumerate(transcripts))
    for done, (i, hits) in enumerate(matcher.match_many(items), 1):
        t = transcripts[i]
        for hit in hits:
            start, end = hit.evidence[0][0], hit.evidence[-1][1]
            speaker = next((u.speaker for u in t.turns if u.start <= hit.start < u.end), "")
            yield {"file": t.source_name, "participant": t.participant_id or "", "speaker": speaker,
                   "start": start, "end": end, "code": hit.code_id, "text": t.text[start:end],
                   "sentence": t.text[hit.start:hit.end], "source": "pattern"}
        if progress:
            progress(done, len(transcripts), t.source_name)


def csv_lines(records: Iterator[dict[str, object]]) -> Iterator[str]:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=FIELDS, lineterminator="\n")
    writer.writeheader()
    for record in records:
        writer.writerow({k: csv_text(v) for k, v in record.items()})
        yield out.getvalue()
        out.seek(0)
        out.truncate()
    if out.getvalue():
        yield out.getvalue()
