"""Test data in stored form, written once: ``Speaker: spoken text`` per turn, turns split by a blank
line, each Turn's offsets on the spoken text only — the layout every importer produces."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from pathlib import Path

from consult_coder.model import Turn


def stored_turns(turns: Sequence[tuple[str, str, str]]) -> tuple[str, list[Turn]]:
    """``(speaker, kind, spoken)`` triples -> the stored text and its (unsaved) Turn rows."""
    text, rows = "", []
    for index, (speaker, kind, spoken) in enumerate(turns):
        if text:
            text += "\n\n"
        text += f"{speaker}: "
        rows.append(Turn(index=index, speaker=speaker, speaker_kind=kind, start=len(text),
                         end=len(text) + len(spoken)))
        text += spoken
    return text, rows


# --- REFI-QDA fixtures (tests/fixtures/refi: see its README) -------------------------------------

REFI_FIXTURES = Path(__file__).resolve().parent / "fixtures" / "refi"


def zipped(entries: dict[str, bytes | str]) -> bytes:
    """A zip archive in memory; a name ending in "/" is a folder entry."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(zipfile.ZipInfo(name), data, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def qdpx_of(fixture: str, sources_dir: str | None = None, with_texts: bool = True) -> bytes:
    """A .qdpx of a fixture folder: its .qde at the top and its texts in ``sources_dir`` (by default
    the folder the fixture has); without texts, only an empty ``Sources/`` folder entry."""
    folder = REFI_FIXTURES / fixture
    qde = next(folder.glob("*.qde"))
    texts = next(p for p in folder.iterdir() if p.is_dir())
    sources_dir = sources_dir or texts.name
    entries: dict[str, bytes | str] = {qde.name: qde.read_bytes()}
    if with_texts:
        entries.update({f"{sources_dir}/{p.name}": p.read_bytes() for p in sorted(texts.iterdir())})
    else:
        entries[f"{sources_dir}/"] = b""
    return zipped(entries)
