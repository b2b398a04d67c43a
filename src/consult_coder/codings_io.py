"""Load codings made outside the app (a spreadsheet, another tool, the sample study) from a CSV file.

One row per coding. Columns (header names are case-insensitive):

- ``source``: the transcript's file name as imported (``P03_consultation.vtt``);
- ``code``: a code id from the codebook (``empathy``; the code's name is accepted too);
- ``quote`` (+ optional ``occurrence``, 1-based, default 1): the coded words, exactly as a reader sees
  them in the transcript, inside one speaker turn. The n-th place they occur in the stored text is
  coded. If the exact words are not found, typographic quotes/dashes and runs of spaces are compared
  loosely, because spreadsheets often straighten curly apostrophes;
- or ``start`` and ``end`` instead of ``quote``: code-point offsets in the stored text, end exclusive;
- ``memo`` (optional) and ``coder`` (optional; by default the coder is named after the file:
  ``coder_a.csv`` holds coder_a's codings).

Loading is all-or-nothing: every row is checked before anything is written, and the first problem is
raised as one line naming the file and CSV line. Rows already present (same coder, transcript, span
and code) are skipped, so loading a file twice adds nothing.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path, PurePath

from sqlalchemy import select
from sqlalchemy.orm import Session

from consult_coder import audit
from consult_coder.access import require_lead
from consult_coder.cells import unescape_cell
from consult_coder.coding import get_or_create_coder, mark_started
from consult_coder.errors import UserError
from consult_coder.importers.encoding import decode_text
from consult_coder.importers.table import csv_records
from consult_coder.limits import MAX_TABLE_BYTES, check_size, read_limited
from consult_coder.model import Code, Coding, Transcript, Turn
from consult_coder.text import normalise, trim_span

_COLUMNS = {
    "source": {"source", "source_name", "transcript", "file"},
    "code": {"code", "code_id"},
    "quote": {"quote", "text", "passage"},
    "occurrence": {"occurrence", "occ"},
    "start": {"start"},
    "end": {"end"},
    "memo": {"memo", "note", "comment"},
    "coder": {"coder", "coder_name"},
}
# Characters spreadsheets and word processors swap for one another; compared loosely as a fallback.
_FOLD = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2033": '"',
    "\u2013": "-", "\u2014": "-", "\u2212": "-",
})


@dataclass(frozen=True)
class _Row:
    line: int
    transcript_id: int
    start: int
    end: int
    code_id: str
    coder: str
    memo: str


class _RowError(Exception):
    """A problem with one row; becomes ``<file> line <n>: <message>``."""


def load_codings_csv(
    session: Session,
    path_or_bytes: str | Path | bytes,
    *,
    source_name: str | None = None,
    actor: str,
    coder: str | None = None,
) -> int:
    """Add the CSV's codings (origin ``manual``); return how many new codings were written.

    ``source_name`` names the file in messages (and, without a ``coder`` column or argument, the coder)
    when bytes are given. Raises :class:`UserError` and writes nothing if any row is unusable.
    """
    if isinstance(path_or_bytes, bytes):
        name, data = source_name or "codings.csv", path_or_bytes
    else:
        path = Path(path_or_bytes)
        name = source_name or path.name
        if not path.exists():
            raise UserError(f"Cannot read codings file {path}: no such file")
        data = read_limited(path, MAX_TABLE_BYTES, name)
    check_size(name, len(data), MAX_TABLE_BYTES)
    require_lead(session, actor, "Importing codings")
    default_coder = (coder or PurePath(name).stem).strip()
    rows = _parse(session, name, decode_text(data, name), default_coder)
    return _write(session, name, rows, actor)


def _parse(session: Session, name: str, text: str, default_coder: str) -> list[_Row]:
    reader = csv_records(normalise(text), name)
    _, header = next(reader, (0, []))
    if not header or not any(h.strip() for h in header):
        raise UserError(f"{name}: is empty (expected a header such as source,code,quote,occurrence,memo)")
    cols = _columns(name, header)
    finder = _Finder(session)
    rows: list[_Row] = []
    problems: list[str] = []
    for row_line, record in reader:
        if not any(cell.strip() for cell in record):
            continue  # blank lines, e.g. at the end of a hand-edited file
        # our own exports write formula-like text with a leading apostrophe (consult_coder.cells)
        cells = {key: unescape_cell(record[i]).strip() if i < len(record) else "" for key, i in cols.items()}
        try:
            rows.append(_row(finder, cells, row_line, default_coder))
        except _RowError as exc:
            problems.append(f"{name} line {row_line}: {exc}")
    if problems:
        more = f" (and {len(problems) - 1} more rows with problems)" if len(problems) > 1 else ""
        raise UserError(problems[0] + more)
    if not rows:
        raise UserError(f"{name}: has a header but no codings")
    return rows


def _columns(name: str, header: list[str]) -> dict[str, int]:
    cols: dict[str, int] = {}
    for i, raw in enumerate(header):
        key = re.sub(r"[\s\-]+", "_", raw.strip().casefold())
        canon = next((c for c, names in _COLUMNS.items() if key in names), None)
        if canon and canon not in cols:
            cols[canon] = i
    missing = [c for c in ("source", "code") if c not in cols]
    if "quote" not in cols and not {"start", "end"} <= cols.keys():
        missing.append("quote (or start and end)")
    if missing:
        raise UserError(f"{name}: missing column {', '.join(missing)} "
                        "(expected source,code,quote,occurrence,memo)")
    return cols


def _row(finder: _Finder, cells: dict[str, str], line: int, default_coder: str) -> _Row:
    source = cells.get("source", "")
    if not source:
        raise _RowError("no transcript named in the source column")
    transcript = finder.transcript(source)
    code_id = finder.code(cells.get("code", ""))
    coder = cells.get("coder") or default_coder
    if not coder:
        raise _RowError("no coder named (add a coder column or name the file after the coder)")
    text = transcript.text
    if cells.get("quote"):
        start, end = _locate(finder, transcript, cells["quote"], cells.get("occurrence", ""))
    else:
        start, end = _offsets(transcript, cells.get("start", ""), cells.get("end", ""))
    start, end = trim_span(text, start, end)
    if start >= end:
        raise _RowError(f"the passage in {transcript.source_name} holds only spaces: nothing to code")
    return _Row(line, transcript.id, start, end, code_id, coder, cells.get("memo", ""))


def _locate(finder: _Finder, tr: Transcript, quote: str, occurrence: str) -> tuple[int, int]:
    try:
        nth = int(occurrence) if occurrence else 1
    except ValueError:
        raise _RowError(f"occurrence {occurrence!r} is not a whole number") from None
    if nth < 1:
        raise _RowError(f"occurrence must be 1 or more, not {nth}")
    quote = unicodedata.normalize("NFC", quote).strip()
    spans = _find_all(tr.text, quote) or _find_all_loose(tr.text, quote)
    if not spans:
        raise _RowError(f"quote not found in {tr.source_name}")
    if nth > len(spans):
        times = "once" if len(spans) == 1 else f"{len(spans)} times"
        raise _RowError(f"quote occurs only {times} in {tr.source_name}, not {nth} times")
    start, end = spans[nth - 1]
    turns = finder.turns(tr.id)
    if turns and not any(t_start <= start and end <= t_end for t_start, t_end in turns):
        raise _RowError(f"quote in {tr.source_name} is not inside one speaker's turn "
                        "(it spans two turns or includes a speaker label)")
    return start, end


def _find_all(text: str, needle: str) -> list[tuple[int, int]]:
    spans, at = [], text.find(needle)
    while at != -1 and needle:
        spans.append((at, at + len(needle)))
        at = text.find(needle, at + 1)
    return spans


def _fold(text: str) -> tuple[str, list[int]]:
    """``text`` with typographic variants made plain and spaces collapsed, and where each char came from."""
    out: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        if ch.isspace():
            if out and out[-1] == " ":
                continue
            ch = " "
        for piece in ("..." if ch == "\u2026" else ch.translate(_FOLD)):
            out.append(piece)
            origin.append(i)
    return "".join(out), origin


def _find_all_loose(text: str, quote: str) -> list[tuple[int, int]]:
    folded, origin = _fold(text)
    needle, _ = _fold(quote)
    return [(origin[s], origin[e - 1] + 1) for s, e in _find_all(folded, needle.strip())]


def _offsets(tr: Transcript, start_cell: str, end_cell: str) -> tuple[int, int]:
    try:
        start, end = int(start_cell), int(end_cell)
    except ValueError:
        raise _RowError(f"start and end must be whole numbers, not {start_cell!r} and {end_cell!r}") from None
    if start >= end:
        raise _RowError(f"start {start} must be before end {end}")
    if start < 0 or end > len(tr.text):
        raise _RowError(f"offsets {start}-{end} are outside {tr.source_name} (0-{len(tr.text)})")
    return start, end


class _Finder:
    """Look-ups for the rows, each database query made once per file."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._transcripts: list[Transcript] | None = None
        self._codes: list[Code] | None = None
        self._turns: dict[int, list[tuple[int, int]]] = {}

    def transcript(self, source: str) -> Transcript:
        if self._transcripts is None:
            self._transcripts = list(self.session.scalars(select(Transcript)))
        # Exact file name first; then ignoring case; then without the extension ("P03_consultation").
        tests = (
            lambda t: t.source_name == source,
            lambda t: t.source_name.casefold() == source.casefold(),
            lambda t: PurePath(t.source_name).stem.casefold() == source.casefold(),
        )
        for test in tests:
            found = [t for t in self._transcripts if test(t)]
            if len(found) == 1:
                return found[0]
            if len(found) > 1:
                raise _RowError(f"{len(found)} transcripts are named {source!r}: cannot tell which is meant")
        raise _RowError(f"no transcript named {source!r} in this project")

    def code(self, ref: str) -> str:
        if not ref:
            raise _RowError("no code given in the code column")
        if self._codes is None:
            self._codes = list(self.session.scalars(select(Code)))
        found = next((c for c in self._codes if c.id == ref), None) or next(
            (c for c in self._codes if ref.casefold() in (c.id.casefold(), c.name.casefold())), None)
        if found is None:
            raise _RowError(f"no code {ref!r} in the codebook")
        if found.archived:
            raise _RowError(f"code {found.name!r} is archived and cannot be applied")
        return found.id

    def turns(self, transcript_id: int) -> list[tuple[int, int]]:
        if transcript_id not in self._turns:
            q = select(Turn.start, Turn.end).where(Turn.transcript_id == transcript_id)
            self._turns[transcript_id] = [(s, e) for s, e in self.session.execute(q)]
        return self._turns[transcript_id]


def _write(session: Session, name: str, rows: list[_Row], actor: str) -> int:
    coders = {n: get_or_create_coder(session, n) for n in dict.fromkeys(r.coder for r in rows)}
    existing = {
        (c.transcript_id, c.coder_id, c.start, c.end, c.code_id)
        for c in session.scalars(select(Coding).where(Coding.coder_id.in_([c.id for c in coders.values()])))
    }
    new: list[Coding] = []
    for r in rows:
        key = (r.transcript_id, coders[r.coder].id, r.start, r.end, r.code_id)
        if key in existing:
            continue
        existing.add(key)
        new.append(Coding(transcript_id=r.transcript_id, start=r.start, end=r.end, code_id=r.code_id,
                          coder_id=key[1], origin="manual", memo=r.memo))
    session.add_all(new)
    session.flush()
    for tid, cid in {(c.transcript_id, c.coder_id) for c in new}:
        mark_started(session, tid, cid)
    audit.codings_imported(session, actor, name, list(coders), [c.id for c in new], len(rows) - len(new))
    return len(new)
