"""Page "Coded segments": every quote coded with a code, and a search across transcripts.

Each quote or hit has a button that opens the transcript at that place on the Code page
(``navigation.open_in_context``).
"""

from __future__ import annotations

import streamlit as st

from consult_coder.analysis import CONSENSUS
from consult_coder.analysis.labels import value_label
from consult_coder.catalogue import participant_groups
from consult_coder.codebook_edit import codebook_tree
from consult_coder.coding import coder_names, transcript_choices
from consult_coder.errors import UserError
from consult_coder.search import coded_segments, search
from consult_coder.ui import render as show
from consult_coder.ui.navigation import open_in_context
from consult_coder.ui.render import md
from consult_coder.ui.state import current_coder, current_viewer, get_project

OPEN_ICON = ":material/open_in_new:"
SHOWN = 200  # rows drawn at most; more would make the page slow to use


def _who(pid: str | None, group: str, role: str, speaker: str) -> str:
    label = value_label("group", group) if group else ""
    parts = [pid or "no participant", ", ".join(p for p in (label, role) if p)]
    if speaker:
        parts.append(f"speaker {speaker}")
    return " · ".join(p for p in parts if p)


def first_layer(coders: list[str], me: str | None) -> str:
    """The codings shown before a coder is chosen: your own, else the consensus, else everyone's
    (a passage three coders coded is otherwise shown three times)."""
    for name in (me, CONSENSUS):
        if name in coders:
            return name
    return ""


def _by_code() -> None:
    project, viewer = get_project(), current_viewer()
    with project.session() as s:
        coders = [c for c in coder_names(s) if viewer.may_see(c)]
        groups = participant_groups(s)
    c1, c2, c3 = st.columns([3, 1, 1])
    if st.session_state.get("seg_coder") not in ["", *coders]:
        st.session_state["seg_coder"] = first_layer(coders, current_coder())
    coder = c2.selectbox("Coder", ["", *coders], format_func=lambda c: c or "All coders", key="seg_coder")
    group = c3.selectbox("Group", ["", *groups], format_func=lambda g: value_label("group", g) if g
                         else "All groups", key="seg_group")
    with project.session() as s:  # counted as the quotes below are: the chosen coder's, or everyone's
        tree = codebook_tree(s, include_archived=True, viewer=viewer, coder=coder or None)
    nodes = [n for root in tree for n in root.walk()]
    if not nodes:
        st.info("There are no codes yet: add them on the Codebook page.")
        return
    labels = {n.id: "\u2003" * n.depth + n.code.name + (" (archived)" if n.code.archived else "")
              + f" — {n.count}" for n in nodes}
    code_id = c1.selectbox("Code", list(labels), format_func=labels.get, key="seg_code")
    with project.session() as s:
        rows = coded_segments(s, code_id, viewer=viewer, coder=coder or None, group=group or None)
    st.caption(md("{} coded segment{}{}", len(rows), "s" if len(rows) != 1 else "",
                  f" (first {SHOWN} shown)" if len(rows) > SHOWN else ""))
    for row in rows[:SHOWN]:
        with st.container(border=True):
            st.markdown(md("> {}", row.quote.strip()))
            left, right = st.columns([5, 1])
            who = _who(row.participant_id, row.group, row.role, row.speaker)
            left.caption(md("{} · coded by {} · {}", who, row.coder, row.transcript_title))
            if row.memo:
                left.caption(md("Memo: {}", row.memo))
            if right.button("Open in context", key=f"seg_open_{row.coding_id}", icon=OPEN_ICON):
                open_in_context(row.transcript_id, row.start)


def _search() -> None:
    project = get_project()
    with project.session() as s:
        choices = transcript_choices(s)
    transcripts = {t.id: t.title for t in sorted(choices, key=lambda t: t.title)}
    c1, c2 = st.columns([3, 2])
    query = c1.text_input("Find in transcripts", key="seg_query", placeholder="a word or phrase")
    where = c2.selectbox("In", [0, *transcripts], format_func=lambda t: transcripts.get(t, "All transcripts"),
                         key="seg_where")
    o1, o2 = st.columns(2)
    case = o1.checkbox("Match case", key="seg_case")
    whole = o2.checkbox("Whole words only", key="seg_whole")
    if not query.strip():
        return
    try:
        with project.session() as s:
            hits = search(s, query, where or None, case_sensitive=case, whole_word=whole, limit=SHOWN + 1)
    except UserError as exc:
        show.error(exc)
        return
    more = len(hits) > SHOWN
    st.caption(md("{}{} hit{}", min(len(hits), SHOWN), "+" if more else "", "s" if len(hits) != 1 else ""))
    for i, hit in enumerate(hits[:SHOWN]):
        with st.container(border=True):
            show.markdown(show.highlight(hit.before, hit.match, hit.after), html=True)
            left, right = st.columns([5, 1])
            left.caption(md("{} · {}", hit.transcript_title,
                            _who(hit.participant_id, hit.group, hit.role, hit.speaker)))
            if right.button("Open in context", key=f"seg_hit_{i}_{hit.transcript_id}_{hit.start}",
                            icon=OPEN_ICON):
                open_in_context(hit.transcript_id, hit.start)


def render() -> None:
    st.title("Coded segments")
    by_code, find = st.tabs(["By code", "Search transcripts"])
    with by_code:
        _by_code()
    with find:
        _search()
