"""The transcript reader: an in-repo Streamlit component (inline JS and CSS, no build step).

The browser side (``reader.js``) draws the turns and coded passages and sends one trigger value,
``action``, e.g. ``{"type": "add", "start": 10, "end": 42, "codes": ["empathy"]}``; ``remove``,
``resize``, ``memo`` and ``undo`` carry a coding ``id`` and what changes. Offsets are code points.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import streamlit as st

_HERE = Path(__file__).parent
NAME = "consult_coder_reader"
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")

# Not in a shadow root: ShadowRoot.getSelection() exists only in Chromium (see the team notes).
_mount = st.components.v2.component(
    NAME,
    css=(_HERE / "reader.css").read_text(encoding="utf-8"),
    js=(_HERE / "reader.js").read_text(encoding="utf-8"),
    isolate_styles=False,
)


def code_entries(codes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Codes as the reader shows them: a ``path`` with the parent's name, and a safe colour."""
    names = {c["id"]: c["name"] for c in codes}
    out = []
    for c in codes:
        parent = names.get(c.get("parent_id") or "")
        out.append({
            "id": c["id"], "name": c["name"], "path": f"{parent} › {c['name']}" if parent else c["name"],
            "colour": c["colour"] if _COLOUR.match(c.get("colour") or "") else "#888888",
            "definition": c.get("definition", ""), "when_to_use": c.get("when_to_use", ""),
            "when_not_to_use": c.get("when_not_to_use", ""), "archived": bool(c.get("archived")),
        })
    return out


def build_payload(
    view: dict[str, Any],
    codes: list[dict[str, Any]],
    codings: list[dict[str, Any]],
    coder: str,
    *,
    rev: int = 0,
    can_undo: bool = False,
    notice: str = "",
) -> dict[str, Any]:
    """Everything the reader draws for one transcript; nothing else is sent to the browser."""
    p = view.get("participant")
    who = " · ".join(x for x in (p["id"], p["group"], p["role"]) if x) if p else ""
    turns = [{**t, "label": who if t["kind"] == "participant" else ""} for t in view["turns"]]
    return {
        "rev": rev, "transcript_id": view["id"], "text": view["text"], "turns": turns,
        "codes": code_entries(codes), "coder": coder, "can_undo": can_undo, "notice": notice,
        "codings": [{"id": c["id"], "start": c["start"], "end": c["end"], "code_id": c["code_id"],
                     "coder": c["coder"], "memo": c["memo"], "own": c["coder"] == coder}
                    for c in codings],
    }


def reader(payload: dict[str, Any], key: str, on_action: Callable[[], None]) -> Any:
    """Mount the reader; ``on_action`` runs before the rerun, with the action in st.session_state[key]."""
    return _mount(key=key, data=payload, on_action_change=on_action)
