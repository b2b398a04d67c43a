"""REFI-QDA projects: export as ``.qdpx``, import a ``.qdpx`` archive or a bare ``.qde`` document.

Both directions stream: the export is written element by element into the zip, and the import reads
the ``.qde`` twice as a stream (headers, then selections), so project size is bounded by disk, not
memory. An archive whose source files are missing imports like a bare ``.qde``: codes, users, cases
and notes come in, and the summary names the sources (and their codings) it had to skip.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from sqlalchemy.orm import Session

from consult_coder.access import Viewer
from consult_coder.analysis.layers import check_visible
from consult_coder.importers.encoding import decode_text
from consult_coder.model import UNION_LAYER
from consult_coder.refi.archive import Payload, QdpxArchive, is_zip, open_payload, open_qdpx, write_qdpx
from consult_coder.refi.project_import import apply_project
from consult_coder.refi.qde_read import RefiProject, RefiSource, iter_selections, read_project
from consult_coder.refi.qde_write import source_files, write_qde
from consult_coder.refi.summary import ImportSummary, skipped_sources_note

SHOWN_SKIPPED = 3  # sources named in the summary's note; the rest are counted


def write_qdpx_file(session: Session, out: BinaryIO, coder: str | None = None, *, viewer: Viewer) -> None:
    """Stream the project as a .qdpx zip into ``out`` (see :func:`export_qdpx`)."""
    check_visible(viewer, UNION_LAYER if coder is None else coder)  # a blind coder: their own only
    files = source_files(session, coder)  # checks the coder before anything is written
    write_qdpx(out, lambda qde: write_qde(session, qde, coder), files)


def export_qdpx(session: Session, coder: str | None = None, *, viewer: Viewer) -> bytes:
    """The project as a .qdpx zip; ``coder`` (a name, or "consensus") exports only that coder's codings
    and memos (shared memos always); None exports every coder's (not for a blind ``viewer``)."""
    out = io.BytesIO()
    write_qdpx_file(session, out, coder, viewer=viewer)
    return out.getvalue()


def _payload_opener(data: Payload) -> Callable[[], BinaryIO]:
    return lambda: open_payload(data)


def import_qdpx(session: Session, data: Payload, actor: str, name: str = "project.qdpx") -> ImportSummary:
    """Import a .qdpx archive (bytes, or a file's path), or a bare .qde document, into ``session``."""
    if not is_zip(data):
        return import_qde(session, data, actor, name)
    with open_qdpx(data, name) as archive:
        where = archive.qde_name
        proj = read_project(archive.open_qde, where)
        summary = ImportSummary(name)
        texts = _archived_texts(proj, archive, summary)
        apply_project(session, proj, texts, iter_selections(archive.open_qde, where), actor, "qdpx", summary)
    return summary


def import_qde(session: Session, data: Payload, actor: str, name: str = "project.qde") -> ImportSummary:
    """Import a bare .qde: codes, users, cases, notes, and the sources whose text is inline.

    A .qde on its own does not hold the files its sources point to, so those sources (and the codings
    on them) are skipped and listed in the summary rather than refusing the whole import.
    """
    opener = _payload_opener(data)
    proj = read_project(opener, name)
    summary = ImportSummary(name)
    texts = {s.guid: s.inline_text for s in proj.sources if s.inline_text is not None}
    missing = [s for s in proj.sources if s.guid not in texts]
    if missing:
        summary.notes.append(_skipped(missing, "not in a bare .qde (import the .qdpx to get them)"))
    for note in proj.notes.values():
        if note.plain_path and not note.text:
            summary.notes.append(f"note {note.name!r} skipped: its text file is not in a bare .qde")
    _add_skipped_kinds(proj, summary)
    apply_project(session, proj, texts, iter_selections(opener, name), actor, "qde", summary)
    return summary


def _archived_texts(proj: RefiProject, archive: QdpxArchive, summary: ImportSummary) -> dict[str, str]:
    """Each text source's raw text (inline or from the archive); the missing ones are named."""
    texts: dict[str, str] = {}
    missing: list[RefiSource] = []
    for src in proj.sources:
        text = src.inline_text if src.inline_text is not None else _read(archive, src.plain_path)
        if text is None:
            missing.append(src)
        else:
            texts[src.guid] = text
    if missing:
        summary.notes.append(_skipped(missing, "not in the archive"))
    for note in proj.notes.values():
        if note.plain_path and not note.text:
            text = _read(archive, note.plain_path)
            if text is None:
                summary.notes.append(f"note {note.name!r} skipped: its text file is not in the archive")
            else:
                note.text = text.strip()
    _add_skipped_kinds(proj, summary)
    return texts


def _read(archive: QdpxArchive, path: str) -> str | None:
    data = archive.source(path) if path else None
    if data is None:
        return None
    return decode_text(data, f"{archive.archive_name}: {Path(path.split('://')[-1]).name}")


def _skipped(missing: list[RefiSource], why: str) -> str:
    listed = [s.name for s in missing[:SHOWN_SKIPPED]]
    return skipped_sources_note(len(missing), sum(s.codings for s in missing), listed, why)


def _add_skipped_kinds(proj: RefiProject, summary: ImportSummary) -> None:
    media = {k: n for k, n in proj.skipped.items() if k.endswith("Source")}
    if media:
        kinds = ", ".join(f"{n} {k.removesuffix('Source').lower()}" for k, n in sorted(media.items()))
        summary.notes.append(f"{sum(media.values())} non-text sources skipped ({kinds}): "
                             "only text is imported")
    if proj.skipped.get("Graphs"):
        summary.notes.append("network graphs are not imported")
