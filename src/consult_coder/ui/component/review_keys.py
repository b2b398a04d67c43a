"""Keys for the Suggestions page's review queue: a tiny in-repo component (no build step).

Streamlit's own button shortcuts cannot serve here: R (like C) is reserved for Streamlit's rerun.
The browser sends ``{"key": "accept" | "reject" | "next" | "previous", "id": suggestion id}``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import streamlit as st

_mount = st.components.v2.component(
    "consult_coder_review_keys",
    css=".ccq-keys { font-size: 0.8rem; color: #6b6f7b; }",
    js=(Path(__file__).parent / "review_keys.js").read_text(encoding="utf-8"),
    isolate_styles=False,
)

KEYS = ("accept", "reject", "next", "previous")


def review_keys(suggestion_id: int | None, key: str, on_key: Callable[[], None]) -> Any:
    """Listen for the queue's keys while ``suggestion_id`` is on screen; ``on_key`` runs before the
    rerun, with the key in ``st.session_state[key]["key"]``."""
    return _mount(key=key, data={"id": suggestion_id}, on_key_change=on_key)
