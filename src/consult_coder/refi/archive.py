"""Read and write ``.qdpx`` archives: a zip of one ``*.qde`` and a ``sources/`` folder.

Reading treats the archive as hostile: entries with absolute paths or ``..`` are refused outright,
and only the entries needed (the ``.qde`` and referenced plain-text sources) are ever decompressed,
each read with a hard size cap and a compression-ratio check, so a zip bomb cannot fill memory.
Nothing is ever extracted to disk.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from urllib.parse import unquote

from consult_coder.errors import UserError

ZIP_MAGIC = b"PK\x03\x04"
MAX_ENTRIES = 20_000
MAX_ENTRY_BYTES = 64 * 1024 * 1024  # one .qde or one plain-text source
MAX_TOTAL_BYTES = 512 * 1024 * 1024  # everything read from one archive
MAX_RATIO = 200  # uncompressed : compressed, for entries above RATIO_FLOOR
RATIO_FLOOR = 1024 * 1024
_DRIVE = re.compile(r"^[A-Za-z]:")


def is_zip(data: bytes) -> bool:
    return data.startswith(ZIP_MAGIC)


def _unsafe(name: str) -> bool:
    path = name.replace("\\", "/")
    return path.startswith("/") or bool(_DRIVE.match(path)) or ".." in PurePosixPath(path).parts


@dataclass
class QdpxArchive:
    """An opened archive: its ``.qde`` name and bytes, and lazy access to the sources."""

    archive_name: str
    zf: zipfile.ZipFile
    qde_name: str
    qde: bytes = b""
    _by_lower: dict[str, zipfile.ZipInfo] = field(default_factory=dict)
    _read_total: int = 0

    def _read(self, info: zipfile.ZipInfo) -> bytes:
        where = f"{self.archive_name}: {info.filename}"
        if info.file_size > MAX_ENTRY_BYTES:
            raise UserError(f"{where} is larger than {MAX_ENTRY_BYTES // 2**20} MB; refusing to read it")
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise UserError(f"{where} is compressed more than {MAX_RATIO}:1, like a zip bomb; refusing it")
        try:
            with self.zf.open(info) as fh:
                data = fh.read(MAX_ENTRY_BYTES + 1)  # the header's size may lie: cap what is read
        except (zipfile.BadZipFile, OSError, NotImplementedError, RuntimeError) as exc:
            raise UserError(f"{where} cannot be read ({exc})") from None
        if len(data) > MAX_ENTRY_BYTES:
            raise UserError(f"{where} is larger than {MAX_ENTRY_BYTES // 2**20} MB; refusing to read it")
        self._read_total += len(data)
        if self._read_total > MAX_TOTAL_BYTES:
            raise UserError(f"{self.archive_name}: more than {MAX_TOTAL_BYTES // 2**20} MB of text to read")
        return data

    def source(self, internal_path: str) -> bytes | None:
        """The bytes of ``internal://NAME`` (``sources/NAME`` beside the .qde, any case), or None."""
        name = internal_path.split("://", 1)[-1].lstrip("/")
        base = str(PurePosixPath(self.qde_name).parent)
        prefix = "" if base == "." else base + "/"
        info = self._by_lower.get(f"{prefix}sources/{name}".lower()) or self._by_lower.get(
            f"{prefix}sources/{unquote(name)}".lower())  # some tools write file:-style %20 escapes
        return None if info is None else self._read(info)


def open_qdpx(data: bytes, archive_name: str) -> QdpxArchive:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, ValueError) as exc:
        raise UserError(f"{archive_name}: not a readable .qdpx (zip) archive ({exc})") from None
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
    qde_info = (top or qdes)[0]
    archive = QdpxArchive(archive_name, zf, qde_info.filename.replace("\\", "/"), _by_lower=by_lower)
    archive.qde = archive._read(qde_info)
    return archive


def write_qdpx(qde: bytes, sources: dict[str, str]) -> bytes:
    """A .qdpx: ``project.qde`` and each ``sources/<file>`` as UTF-8 text. Fixed timestamps keep
    the bytes the same for the same project."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        def put(name: str, payload: bytes) -> None:
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, payload)

        put("project.qde", qde)
        for name, text in sources.items():
            put(f"sources/{name}", text.encode("utf-8"))
    return out.getvalue()
