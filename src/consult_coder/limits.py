"""Every limit on what an import reads, in one place (docs/limits.md explains each).

A limit is far beyond anything real — a two-hour consultation is about 100 KB of text and 1,000 turns —
and close enough that a hostile or broken file is refused in seconds with one line, before it can
take the memory or the time of a shared server. Anything read from disk is checked to be a regular
file of a sane size *before* it is read (a pipe, ``/dev/zero`` or a folder never hangs an import);
bytes that were uploaded are checked the same way by :func:`check_size`.

String columns of the database have widths; PostgreSQL refuses a longer value with an error naming
no file, SQLite stores it silently. :func:`check_width` takes the width from the model itself, so
both give the same one-line error naming the file and the field before anything is written.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path, PurePath

from sqlalchemy import String

from consult_coder.errors import UserError

MB = 1024 * 1024

# --- File sizes, by format --------------------------------------------------------------------------
MAX_TEXT_TRANSCRIPT_BYTES = 10 * MB  # .txt .vtt .srt: a hundred two-hour consultations in one file
MAX_DOCX_BYTES = 50 * MB  # Word files may carry pictures; the text is still a few hundred KB
MAX_DOCX_UNPACKED_BYTES = 200 * MB  # all parts of a .docx, unzipped (python-docx holds them all)
MAX_DOCX_XML_BYTES = 64 * MB  # its XML parts, unzipped: parsed into a tree, the costly part
MAX_ZIP_RATIO = 100  # unzipped : zipped, for any one entry beyond ZIP_RATIO_GRACE (real XML: < 20:1)
ZIP_RATIO_GRACE = MB  # a small entry may compress very well
MAX_TABLE_BYTES = 5 * MB  # participants CSV, codings CSV: ten thousand rows is about 1 MB
MAX_CODEBOOK_BYTES = 1 * MB  # codebook .yaml / .csv: a large codebook is 100 KB (YAML costs ~100x its size)
MAX_QDC_BYTES = 64 * MB  # REFI-QDA codebook (.qdc)
# REFI-QDA projects: a million codings is a .qde of about 0.6 GB that zips to 71 MB (docs/refi.md).
MAX_QDE_BYTES = 8 * 1024 * MB  # the project document, read as a stream
MAX_QDPX_ENTRIES = 200_000
MAX_QDPX_SOURCES_TOTAL = 2 * 1024 * MB  # all source texts read from one archive

# The largest single file the app's upload takes (a .qdpx of a million codings is 71 MB); it is
# `server.maxUploadSize` in .streamlit/config.toml (a test checks they agree). Larger projects are
# imported from the command line, which streams them from disk.
MAX_UPLOAD_MB = 200

# --- Contents ------------------------------------------------------------------------------------
MAX_TRANSCRIPT_CHARS = MAX_TEXT_TRANSCRIPT_BYTES  # the stored text of one transcript, any format
MAX_SOURCE_BYTES = MAX_TRANSCRIPT_CHARS  # one plain-text source of a .qdpx
MAX_LINES = 200_000  # lines (paragraphs, cues) in one transcript: each becomes a small object
MAX_TURNS = 20_000  # speaker turns in one transcript (a long consultation has about 1,000)
MAX_PARTICIPANTS = 10_000  # rows of a participants CSV
MAX_CSV_FIELD_CHARS = 128 * 1024  # one CSV cell: the csv module's own default limit, named
MAX_NESTING = 32  # YAML nesting depth (a codebook's spaCy patterns nest about 8 deep)
MAX_XML_DEPTH = 256  # XML element nesting (a code tree nests a dozen levels at most)
MAX_CODES = 2_000  # codes in one codebook file (large codebooks have a few hundred)
MAX_PATTERNS_PER_CODE = 500  # patterns (token patterns and phrases) on one code: bounded work per sentence
MAX_PATTERN_TOKENS = 30  # tokens in one token pattern
MAX_PHRASE_CHARS = 300  # characters in one phrase pattern

_KINDS = {
    ".txt": MAX_TEXT_TRANSCRIPT_BYTES, ".vtt": MAX_TEXT_TRANSCRIPT_BYTES, ".srt": MAX_TEXT_TRANSCRIPT_BYTES,
    ".docx": MAX_DOCX_BYTES, ".csv": MAX_TABLE_BYTES, ".yaml": MAX_CODEBOOK_BYTES,
    ".yml": MAX_CODEBOOK_BYTES, ".qdc": MAX_QDC_BYTES,
}


def size_limit(name: str) -> int:
    """The most bytes a file of this name's format may have (codebook CSVs share the table limit)."""
    return _KINDS.get(PurePath(name).suffix.lower(), MAX_TEXT_TRANSCRIPT_BYTES)


def human(n: int) -> str:
    """``10485760`` → ``10 MB``; ``131072`` → ``128 KB``."""
    if n >= MB:
        return f"{n / MB:g} MB"
    return f"{n / 1024:g} KB" if n >= 1024 else f"{n} bytes"


def check_size(name: str, size: int, limit: int | None = None) -> None:
    """One line when ``size`` bytes are more than the format (or ``limit``) allows."""
    limit = size_limit(name) if limit is None else limit
    if size > limit:
        raise UserError(f"{name}: is {human(size)}, larger than the {human(limit)} a "
                        f"{_kind(name)} may be; refusing to read it")


def check_count(where: str, what: str, count: int, limit: int) -> None:
    if count > limit:
        raise UserError(f"{where}: has more than {limit:,} {what}; refusing it (see docs/limits.md)")


def _kind(name: str) -> str:
    suffix = PurePath(name).suffix.lower()
    return f"{suffix} file" if suffix else "file"


def check_regular_file(path: Path, name: str | None = None) -> os.stat_result:
    """The file's status, after checking it is a regular file (following links): a pipe, a device
    (``/dev/zero``), a socket or a folder is refused with one line, before anything is opened."""
    name = name or path.name or str(path)
    try:
        info = path.stat()
    except FileNotFoundError:
        raise UserError(f"{path}: no such file") from None
    except OSError as exc:
        raise UserError(f"{name}: cannot be read ({exc.strerror or exc})") from None
    mode = info.st_mode
    if stat.S_ISDIR(mode):
        raise UserError(f"{name}: is a folder, not a file")
    if not stat.S_ISREG(mode):
        what = "a pipe" if stat.S_ISFIFO(mode) else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) \
            else "a socket" if stat.S_ISSOCK(mode) else "not a regular file"
        raise UserError(f"{name}: is {what}, not a regular file; refusing to read it")
    return info


def read_limited(path: Path, limit: int | None = None, name: str | None = None) -> bytes:
    """A regular file's bytes, refused with one line when larger than ``limit`` (by default the
    limit of its format). The size is checked before reading and again while reading (a file can
    grow, and some files report no size)."""
    name = name or path.name
    limit = size_limit(name) if limit is None else limit
    info = check_regular_file(path, name)
    check_size(name, info.st_size, limit)
    try:
        with open(path, "rb") as fh:
            want = min(info.st_size, limit) + 1  # read() allocates what it is asked for: ask for the size
            data = fh.read(want)
            if len(data) == want <= limit:  # the file grew, or reports no size (/proc): read on, bounded
                parts, total = [data], len(data)
                while total <= limit and (chunk := fh.read(MB)):
                    parts.append(chunk)
                    total += len(chunk)
                data = b"".join(parts)
    except OSError as exc:
        raise UserError(f"{name}: cannot be read ({exc.strerror or exc})") from None
    check_size(name, len(data), limit)
    return data


# --- Column widths, from the model ------------------------------------------------------------------

def column_width(model: type, field: str) -> int | None:
    """The width of a String column of a model class (``Participant``, "role" → 128); None if
    unbounded."""
    column = model.__table__.columns[field]  # type: ignore[attr-defined]
    return column.type.length if isinstance(column.type, String) else None


def check_width(where: str, model: type, field: str, value: str | None, label: str | None = None) -> None:
    """One line naming ``where`` and the field when ``value`` is longer than its column holds."""
    width = column_width(model, field)
    if value is not None and width is not None and len(value) > width:
        raise UserError(f"{where}: {label or field} is {len(value):,} characters long, more than the "
                        f"{width} a project can store")


def check_text_shape(name: str, text: str) -> None:
    """A transcript's decoded text: not more characters or lines than any transcript has."""
    if len(text) > MAX_TRANSCRIPT_CHARS:
        raise UserError(f"{name}: has {len(text):,} characters of text, more than the "
                        f"{MAX_TRANSCRIPT_CHARS:,} a transcript may have; refusing it")
    check_count(name, "lines", text.count("\n") + 1, MAX_LINES)
