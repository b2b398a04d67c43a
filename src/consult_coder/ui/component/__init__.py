"""The transcript reader: an in-repo Streamlit component (inline JS and CSS, no build step).

The browser side (``reader.js``) draws the turns and coded passages and sends one trigger value,
``action``, e.g. ``{"type": "add", "start": 10, "end": 42, "codes": ["empathy"]}``; ``remove``,
``resize``, ``memo`` and ``undo`` carry a coding ``id`` and what changes (``reader_actions`` defines
and checks them). Offsets are code points.
It also marks search hits (stepping through them needs no round trip) and, given a ``jump``, scrolls
to that passage and flashes it once. Given ``suggestions`` it outlines each suggested sentence, marks
the evidence, and sends ``accept_suggestion`` / ``reject_suggestion`` with the suggestion's ``id``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import streamlit as st

from consult_coder.adjudication import CONSENSUS
from consult_coder.analysis.labels import who_label
from consult_coder.codebook import CodeView
from consult_coder.coding import CodingView, TranscriptView, TurnView
from consult_coder.text import snap_to_sentences

if TYPE_CHECKING:
    from consult_coder.suggestions.store import SuggestionView

_HERE = Path(__file__).parent
NAME = "consult_coder_reader"
JS_FILES = ("reader_pure.js", "reader_base.js", "reader_caret.js", "reader_copy.js", "reader_panel.js",
            "reader_palette.js", "reader_suggest.js", "reader.js")

# Not in a shadow root: ShadowRoot.getSelection() exists only in Chromium (see the team notes).
_mount = st.components.v2.component(
    NAME,
    css=(_HERE / "reader.css").read_text(encoding="utf-8"),
    # One module, kept in files so each stays readable: the pure helpers (tested on their own), then
    # the DOM wiring (state and DOM helpers, keyboard caret, a coded passage's panel, the palette, code
    # suggestions, the component).
    js="\n".join((_HERE / f).read_text(encoding="utf-8") for f in JS_FILES),
    isolate_styles=False,
)


def code_entries(codes: Sequence[CodeView]) -> list[dict[str, Any]]:
    """Codes as the reader shows them: a ``path`` with the parent's name, and a safe colour."""
    names = {c.id: c.name for c in codes}
    out = []
    for c in codes:
        parent = names.get(c.parent_id or "")
        out.append({
            "id": c.id, "name": c.name, "path": f"{parent} › {c.name}" if parent else c.name,
            "colour": c.display_colour, "definition": c.definition, "when_to_use": c.when_to_use,
            "when_not_to_use": c.when_not_to_use, "archived": c.archived,
        })
    return out


def suggestion_entries(views: Sequence[SuggestionView]) -> list[dict[str, Any]]:
    """Open suggestions as the reader draws them: the sentence, the code, the evidence, the sources."""
    return [{"id": v.id, "start": v.start, "end": v.end, "code_id": v.code_id,
             "evidence": [[a, b] for a, b in v.evidence], "sources": list(v.sources), "score": v.score}
            for v in views]


def jump_span(text: str, codings: Sequence[CodingView], offset: int) -> tuple[int, int]:
    """The passage to flash for a jump to ``offset``: the longest shown coding starting there, else the
    sentence around it (a search hit, or a coding hidden by blind coding)."""
    offset = max(0, min(offset, len(text) - 1))
    ends = [c.end for c in codings if c.start == offset]
    if ends:
        return offset, max(ends)
    return snap_to_sentences(text, offset, offset + 1) if text else (0, 0)


def build_payload(
    view: TranscriptView,
    codes: Sequence[CodeView],
    codings: Sequence[CodingView],
    coder: str,
    *,
    rev: int = 0,
    can_undo: bool = False,
    notice: str = "",
    hits: list[list[int]] | None = None,
    more_hits: bool = False,
    query: str = "",
    jump: dict[str, int] | None = None,
    copy_to_consensus: bool = False,
    suggestions: Sequence[SuggestionView] | None = None,
) -> dict[str, Any]:
    """Everything the reader draws for one transcript; nothing else is sent to the browser.

    ``hits`` are ``[start, end]`` spans of a search (``query``) in this transcript; ``jump``
    (``{"seq", "offset", "start", "end"}``) asks the reader to scroll to the passage ``start``–``end``
    around ``offset`` and flash it, once per ``seq``. ``copy_to_consensus`` offers, on a colleague's
    coding, to copy it into the consensus layer (for a viewer who may settle disagreements).
    ``suggestions`` are the coder's open ones on this transcript (None: suggestions are switched off).
    """
    p = view.participant

    def label(turn: TurnView) -> str:  # who the participant is, without repeating the speaker's name
        if turn.kind != "participant" or not p:
            return ""
        return who_label(*(x if x != turn.speaker else None for x in (p.id, p.role)), group=p.group)

    turns = [{"speaker": t.speaker, "kind": t.kind, "start": t.start, "end": t.end, "label": label(t)}
             for t in view.turns]
    return {
        "rev": rev, "transcript_id": view.id, "text": view.text, "turns": turns,
        "codes": code_entries(codes), "coder": coder, "can_undo": can_undo, "notice": notice,
        "codings": [{"id": c.id, "start": c.start, "end": c.end, "code_id": c.code_id,
                     "coder": c.coder, "memo": c.memo, "own": c.coder == coder}
                    for c in codings],
        "query": query, "hits": [[a, b] for a, b in hits or []], "more_hits": more_hits, "jump": jump,
        "copy_to_consensus": copy_to_consensus, "consensus": CONSENSUS,
        "show_suggestions": suggestions is not None, "suggestions": suggestion_entries(suggestions or []),
    }


def reader(payload: dict[str, Any], key: str, on_action: Callable[[], None]) -> Any:
    """Mount the reader; ``on_action`` runs before the rerun, with the action in st.session_state[key]."""
    return _mount(key=key, data=payload, on_action_change=on_action)
