"""Word transcripts: ``Speaker: text`` paragraphs (the label often bold) or Speaker | Text tables.

Transcription services write either paragraphs whose first run is the bold speaker label ("Speaker:"
bold then the text, or bold "Speaker" then ": text"), or a table with one row per turn: Speaker |
Text, sometimes with a header row and a timestamp column. Anything before the first turn (title,
date, "Transcribed by …") is front matter.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections import Counter

import docx
from docx.table import Table
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from consult_coder.errors import UserError
from consult_coder.importers.base import ParsedTranscript, build_transcript
from consult_coder.importers.turns import SourceLine, assemble, plausible_label, seconds
from consult_coder.limits import (
    MAX_DOCX_UNPACKED_BYTES,
    MAX_DOCX_XML_BYTES,
    MAX_LINES,
    MAX_ZIP_RATIO,
    ZIP_RATIO_GRACE,
    check_count,
    human,
)

_STAMP_CELL = re.compile(r"^[\[(]?\s*\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?\s*[\])]?$")
_HAS_TIME = re.compile(r"\d:\d\d")
_HEADER_WORDS = {
    "speaker", "speakers", "name", "who", "person", "role", "text", "transcript", "transcription",
    "speech", "utterance", "content", "dialogue", "what was said", "time", "timestamp", "time code",
    "timecode", "start", "start time",
}


def parse_docx(name: str, data: bytes) -> ParsedTranscript:
    if not data:
        raise UserError(f"{name}: the file is empty")
    _check_unpacked_sizes(name, data)
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception:  # zip errors, missing parts, bad XML: all mean the same to a user
        raise UserError(f"{name}: is not a readable Word .docx file (damaged, or another format renamed)") \
            from None
    lines: list[SourceLine] = []
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            lines += _paragraph_lines(block)
        elif isinstance(block, Table):
            lines += _table_lines(block)
        check_count(name, "paragraphs", len(lines), MAX_LINES)
    if not any(line.text.strip() for line in lines):
        raise UserError(f"{name}: the document has no text")
    front, turns = assemble(lines)
    return build_transcript(name, "docx", turns, front)


def _check_unpacked_sizes(name: str, data: bytes) -> None:
    """python-docx unzips every part into memory and parses the XML ones into trees: refuse a file
    whose parts would unpack to more than any Word document needs, or compress like a zip bomb. The
    sizes come from the zip's headers, which the zip reader then holds each part to."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return  # not a zip at all: python-docx says so below, in the usual words
    total = sum(i.file_size for i in infos)
    xml = sum(i.file_size for i in infos if i.filename.endswith((".xml", ".rels")))
    if total > MAX_DOCX_UNPACKED_BYTES or xml > MAX_DOCX_XML_BYTES:
        raise UserError(f"{name}: unpacks to {human(max(total, xml))}, more than a Word transcript "
                        f"may ({human(MAX_DOCX_XML_BYTES)} of text and layout); refusing it")
    for info in infos:
        if info.file_size > ZIP_RATIO_GRACE + MAX_ZIP_RATIO * max(info.compress_size, 1):
            raise UserError(f"{name}: its part {info.filename} is compressed more than {MAX_ZIP_RATIO}:1, "
                            "like a zip bomb; refusing it")


def _paragraph_lines(paragraph: Paragraph) -> list[SourceLine]:
    text = paragraph.text
    first, _, more = text.partition("\n")  # soft line breaks inside one paragraph
    head = [_bold_label_line(paragraph, first) or SourceLine(first)]
    return head + [SourceLine(line) for line in more.split("\n") if more]


def _bold_label_line(paragraph: Paragraph, first_line: str) -> SourceLine | None:
    """``Speaker:`` in bold then the text, bold ``Speaker`` then ``: text``, or bold ``Speaker``, a tab
    and the text."""
    bold = ""
    for item in paragraph.iter_inner_content():
        if not isinstance(item, Run) or not (item.bold or item.text.isspace()):
            break
        bold += item.text
    label = bold.strip()
    if not label or not first_line.startswith(bold) or _HAS_TIME.search(label):
        return None  # no bold label, or a timestamp in it: the plain-text reading handles that
    after = first_line[len(bold):].lstrip()
    if label.endswith(":"):
        label = label[:-1].strip()
    elif after.startswith(":"):
        after = after[1:].lstrip()
    elif not after:
        return None  # a bold heading on its own
    # else bold "Speaker", a tab, then the words: the bold is what marks the label
    if not plausible_label(label):
        return None
    return SourceLine(first_line, label=label, rest=after)


def _cells(row) -> list[str]:  # noqa: ANN001 - python-docx row
    """Cell texts of a row, a merged cell once."""
    seen: list[object] = []
    texts: list[str] = []
    for cell in row.cells:
        if cell._tc in seen:  # merged cells come back once per grid column
            continue
        seen.append(cell._tc)
        texts.append(cell.text.strip())
    return texts


def _table_rows(table: Table) -> tuple[list[list[str]], int]:
    """The table's non-empty rows (a header row of known words dropped) and its usual row width."""
    rows = [r for r in (_cells(row) for row in table.rows) if any(r)]
    if not rows:
        return [], 0
    width = Counter(len(r) for r in rows).most_common(1)[0][0]
    if all(c.casefold().strip(" :") in _HEADER_WORDS for c in rows[0] if c):
        rows = rows[1:]
    return rows, width


def _cell_lines(row: list[str]) -> list[SourceLine]:
    """A row read as paragraphs, cell by cell."""
    return [SourceLine(line) for cell in row for line in cell.split("\n")]


def _turn_row_lines(row: list[str], columns: tuple[int, int, int | None]) -> list[SourceLine]:
    """One row of a turn table: the speaker's cell labels the first paragraph of the text cell."""
    speaker_col, text_col, time_col = columns
    speaker, paragraphs = row[speaker_col], row[text_col].split("\n")
    stamp = row[time_col] if time_col is not None else ""
    cue = seconds(stamp) if _STAMP_CELL.match(stamp) else None
    lines: list[SourceLine] = []
    if speaker:
        row_text = " | ".join(c for c in row if c)
        lines.append(SourceLine(row_text, label=speaker, rest=paragraphs[0], cue=cue))
        paragraphs = paragraphs[1:]
    return lines + [SourceLine(p, continuation=True) for p in paragraphs]


def _table_lines(table: Table) -> list[SourceLine]:
    rows, width = _table_rows(table)
    columns = _column_roles([r for r in rows if len(r) == width], width)
    if columns is None:  # not a turn table: read its cells as paragraphs
        return [line for r in rows for line in _cell_lines(r)]
    return [line for r in rows
            for line in (_turn_row_lines(r, columns) if len(r) == width else _cell_lines(r))]


def _column_roles(body: list[list[str]], width: int) -> tuple[int, int, int | None] | None:
    """(speaker, text, time) columns of a turn table, or None when it is not one."""
    if width not in (2, 3) or not body:
        return None
    time_col = None
    for col in range(width):
        filled = [r[col] for r in body if r[col]]
        if filled and sum(bool(_STAMP_CELL.match(c)) for c in filled) >= 0.8 * len(filled):
            time_col = col
            break
    rest = [c for c in range(width) if c != time_col]
    if len(rest) != 2:
        return None

    def mean_len(col: int) -> float:
        return sum(len(r[col]) for r in body) / len(body)

    speaker_col, text_col = sorted(rest, key=mean_len)
    return speaker_col, text_col, time_col
