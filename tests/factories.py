"""Test data in stored form, written once: ``Speaker: spoken text`` per turn, turns split by a blank
line, each Turn's offsets on the spoken text only — the layout every importer produces."""

from __future__ import annotations

from collections.abc import Sequence

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
