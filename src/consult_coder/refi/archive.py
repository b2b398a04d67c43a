"""Read and write ``.qdpx`` archives: a zip of one ``*.qde`` and a ``sources/`` folder.

Reading treats the archive as hostile: entries with absolute paths or ``..`` are refused outright, and
only the entries needed (the ``.qde`` and the plain texts it names) are ever decompressed, each as a
stream whose output is counted while it is read. A zip bomb is stopped by its compression ratio, not
by a flat size: a legitimate project of a million codings has a ``.qde`` of several hundred MB that
compresses about 8:1, while a bomb compresses hundreds or a thousand to one. Hard ceilings stay for
what no real project reaches. Nothing is ever extracted to disk.
"""

from __future__ import annotations

import io
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, BinaryIO
from urllib.parse import unquote

from consult_coder.errors import UserError
from consult_coder.limits import MAX_QDE_BYTES, MAX_SOURCE_BYTES
from consult_coder.limits import MAX_QDPX_ENTRIES as MAX_ENTRIES
from consult_coder.limits import MAX_QDPX_SOURCES_TOTAL as MAX_SOURCES_TOTAL
from consult_coder.limits import MAX_ZIP_RATIO as MAX_RATIO
from consult_coder.limits import ZIP_RATIO_GRACE as RATIO_GRACE

ZIP_MAGIC = b"PK\x03\x04"
# The limits (docs/limits.md): the .qde has no flat cap short of MAX_QDE_BYTES, as a large project's is
# hundreds of MB; a zip bomb is stopped by its ratio, checked while reading.
_DRIVE = re.compile(r"^[A-Za-z]:")
FIXED_DATE = (2020, 1, 1, 0, 0, 0)  # entry timestamps: the same project gives the same bytes

Payload = bytes | Path  # an upload in memory, or a file on disk (read as a stream)


def open_payload(data: Payload) -> BinaryIO:
    return io.BytesIO(data) if isinstance(data, bytes) else open(data, "rb")  # noqa: SIM115


def is_zip(data: Payload) -> bool:
    if isinstance(data, bytes):
        return data.startswith(ZIP_MAGIC)
    with open(data, "rb") as fh:
        return fh.read(4) == ZIP_MAGIC


def _unsafe(name: str) -> bool:
    path = name.replace("\\", "/")
    return path.startswith("/") or bool(_DRIVE.match(path)) or ".." in PurePosixPath(path).parts


class LimitedStream(io.RawIOBase):
    """A read-only stream that stops with a one-line UserError once it has given more than ``limit``
    bytes, or more than ``MAX_RATIO`` times its compressed size (beyond a small grace)."""

    def __init__(self, raw: IO[bytes], where: str, limit: int, compressed: int | None = None) -> None:
        self.raw, self.where, self.limit, self.compressed = raw, where, limit, compressed
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        try:
            chunk = self.raw.read(len(buffer))
        except (zipfile.BadZipFile, OSError, NotImplementedError, RuntimeError, EOFError) as exc:
            raise UserError(f"{self.where} cannot be read ({exc})") from None
        n = len(chunk)
        buffer[:n] = chunk
        self.count += n
        if self.count > self.limit:
            raise UserError(f"{self.where} is larger than {self.limit // 2**20} MB; refusing to read it")
        if self.compressed is not None and self.count > RATIO_GRACE + MAX_RATIO * self.compressed:
            raise UserError(f"{self.where} is compressed more than {MAX_RATIO}:1, like a zip bomb; "
                            "refusing it")
        return n

    def close(self) -> None:
        self.raw.close()
        super().close()


@dataclass
class QdpxArchive:
    """An opened archive: the ``.qde``'s name, streams of it, and the source texts by path."""

    archive_name: str
    zf: zipfile.ZipFile
    qde_info: zipfile.ZipInfo
    _by_lower: dict[str, zipfile.ZipInfo] = field(default_factory=dict)
    _sources_read: int = 0
    _file: BinaryIO | None = None

    def __enter__(self) -> QdpxArchive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.zf.close()
        if self._file is not None:
            self._file.close()

    @property
    def qde_name(self) -> str:
        return self.qde_info.filename.replace("\\", "/")

    def _check_header(self, info: zipfile.ZipInfo, limit: int) -> str:
        where = f"{self.archive_name}: {info.filename}"
        if info.file_size > RATIO_GRACE + MAX_RATIO * max(info.compress_size, 1):
            raise UserError(f"{where} is compressed more than {MAX_RATIO}:1, like a zip bomb; refusing it")
        if info.file_size > limit:
            raise UserError(f"{where} is larger than {limit // 2**20} MB; refusing to read it")
        return where

    def _stream(self, info: zipfile.ZipInfo, limit: int) -> LimitedStream:
        where = self._check_header(info, limit)  # the header may lie: the stream counts again
        try:
            raw = self.zf.open(info)
        except (zipfile.BadZipFile, OSError, NotImplementedError, RuntimeError) as exc:
            raise UserError(f"{where} cannot be read ({exc})") from None
        return LimitedStream(raw, where, limit, max(info.compress_size, 1))

    def open_qde(self) -> BinaryIO:
        """A fresh stream of the project document (it is read twice: header, then selections)."""
        return io.BufferedReader(self._stream(self.qde_info, MAX_QDE_BYTES), 1024 * 1024)

    def find(self, path: str) -> zipfile.ZipInfo | None:
        """The entry a source's path names, or None.

        ``internal://NAME`` is ``sources/NAME`` beside the .qde; qc 1.2/1.3 write a bare ``NAME``
        (no scheme), which is looked for in the same folder. Any case; ``%20``-style escapes too.
        Anything else (``relative://``, ``absolute://``, a path that climbs out) is not in the archive.
        """
        scheme, sep, rest = path.partition("://")
        if sep and scheme.lower() != "internal":
            return None
        name = (rest if sep else path).replace("\\", "/").lstrip("/")
        if not name or _unsafe(name):
            return None
        base = str(PurePosixPath(self.qde_name).parent)
        prefix = "" if base == "." else base + "/"
        for candidate in (name, unquote(name)):
            info = self._by_lower.get(f"{prefix}sources/{candidate}".lower())
            if info is not None:
                return info
        return None

    def source(self, path: str) -> bytes | None:
        """The bytes of the plain text ``path`` names, or None when the archive does not hold it."""
        info = self.find(path)
        if info is None:
            return None
        with self._stream(info, MAX_SOURCE_BYTES) as stream:
            data = stream.read()
        self._sources_read += len(data)
        if self._sources_read > MAX_SOURCES_TOTAL:
            raise UserError(f"{self.archive_name}: more than {MAX_SOURCES_TOTAL // 2**20} MB of text to read")
        return data


def open_qdpx(data: Payload, archive_name: str) -> QdpxArchive:
    fh = open_payload(data)
    try:
        zf = zipfile.ZipFile(fh)
        infos = zf.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        fh.close()
        raise UserError(f"{archive_name}: not a readable .qdpx (zip) archive ({exc})") from None
    archive = QdpxArchive(archive_name, zf, infos[0] if infos else zipfile.ZipInfo(), _file=fh)
    try:
        _find_qde(archive, infos)
    except UserError:
        archive.close()
        raise
    return archive


def _find_qde(archive: QdpxArchive, infos: list[zipfile.ZipInfo]) -> None:
    archive_name = archive.archive_name
    if len(infos) > MAX_ENTRIES:
        raise UserError(f"{archive_name}: holds {len(infos)} files, more than {MAX_ENTRIES}; refusing it")
    for info in infos:
        if _unsafe(info.filename):
            raise UserError(f"{archive_name}: refusing unsafe path {info.filename!r} in the archive")
    files = [i for i in infos if not i.is_dir()]
    by_lower = {i.filename.replace("\\", "/").lower(): i for i in files}
    qdes = [i for i in files if i.filename.lower().endswith(".qde")]
    if not qdes:
        raise UserError(f"{archive_name}: no project .qde file in the archive")
    # The .qde is usually at the top level and may be named after the project.
    top = [i for i in qdes if "/" not in i.filename.replace("\\", "/")]
    if len(top or qdes) > 1:
        names = ", ".join(i.filename for i in (top or qdes))
        raise UserError(f"{archive_name}: more than one .qde file in the archive ({names})")
    archive.qde_info, archive._by_lower = (top or qdes)[0], by_lower


def write_qdpx(out: BinaryIO, write_qde: Callable[[BinaryIO], None],
               files: Iterable[tuple[str, str]]) -> None:
    """Write a .qdpx to ``out``: ``project.qde`` (written by ``write_qde`` as a stream), then each
    ``sources/<name>`` as UTF-8 text. The .qde is spooled through a temporary file so its size is known
    before it is zipped (no ZIP64 unless it needs it); fixed timestamps keep the bytes the same."""
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        with tempfile.SpooledTemporaryFile(max_size=32 * 1024 * 1024) as spool:
            write_qde(spool)  # type: ignore[arg-type]
            info = _entry("project.qde")
            info.file_size = spool.tell()
            spool.seek(0)
            with zf.open(info, "w") as dest:
                shutil.copyfileobj(spool, dest, 1024 * 1024)
        for name, text in files:
            zf.writestr(_entry(f"sources/{name}"), text.encode("utf-8"))


def _entry(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=FIXED_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info
