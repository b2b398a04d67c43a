"""Stored suggestions brought up to date when a page needs them, with a progress bar.

A refresh matches again only what changed (new transcripts, codes whose patterns changed), and a page
runs it only when :func:`~consult_coder.suggestions.review.freshness` says something may have: the
value it last refreshed at is kept in the browser session.
"""

from __future__ import annotations

import streamlit as st

from consult_coder.errors import UserError
from consult_coder.storage import Project
from consult_coder.suggestions import review, store
from consult_coder.ui import render as show
from consult_coder.ui.render import md

FRESH_KEY = "suggest_fresh"  # what review.freshness said when this session last refreshed


def ensure_fresh(project: Project) -> bool:
    """Refresh the suggestions if anything changed since this session last did; False if it failed."""
    with project.session() as s:
        stamp = review.freshness(s)
    if st.session_state.get(FRESH_KEY) == stamp:
        return True
    bar = st.progress(0.0, text="Checking suggestions…")

    def step(done: int, total: int, title: str) -> None:
        bar.progress(done / total if total else 1.0,
                     text=md("Matching suggestions: {} of {} transcripts · {}", done, total, title))

    try:
        with project.session() as s:
            store.refresh(s, step)
            stamp = review.freshness(s)
    except UserError as exc:
        show.error(f"Suggestions could not be brought up to date: {exc}")
        return False
    finally:
        bar.empty()
    st.session_state[FRESH_KEY] = stamp
    return True
