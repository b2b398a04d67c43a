"""Page "Code": read one transcript, select passages, apply codes; every action is saved at once.

The reader component sends an action; its callback parks it in ``st.session_state[ACTION_KEY]`` and
the page applies it (``reader_actions``: checked, then carried out in one unit of work) at the top of
the next run, before anything is drawn, so the reader always shows what is stored. Each run loads only
what it shows: the transcript list without text, the open transcript with its codings (one coder's, or
everyone's), the hits of a search in that transcript only, and this coder's memos; the codebook is
cached.

With "Show suggestions" on, the coder's open code suggestions for the transcript are brought up to date
(only what changed is matched again) and outlined in the reader, to accept or reject on the passage.

Other pages open a passage here through ``navigation.open_in_context`` (the keys ``JUMP_TRANSCRIPT`` and
``JUMP_OFFSET``); the page takes them once and the reader scrolls to that place and flashes it.
"""

from __future__ import annotations

import hashlib
from typing import Any

import streamlit as st

from consult_coder import coding, memos, reader_actions, search
from consult_coder.access import Viewer
from consult_coder.analysis.labels import value_label, who_label
from consult_coder.codebook import CodeView, codebook_stamp, list_codes
from consult_coder.errors import UserError
from consult_coder.memos import MemoView
from consult_coder.storage import Project
from consult_coder.suggestions import review
from consult_coder.suggestions.store import SuggestionView
from consult_coder.ui import render as show
from consult_coder.ui.component import build_payload, jump_span, reader
from consult_coder.ui.navigation import JUMP_OFFSET, JUMP_TRANSCRIPT
from consult_coder.ui.render import md
from consult_coder.ui.state import current_coder, current_viewer, get_project
from consult_coder.ui.suggestion_refresh import ensure_fresh

READER_KEY = "coding_reader"
ACTION_KEY = "coding_action"  # the reader's last action, waiting to be applied
TRANSCRIPT_KEY = "coding_transcript"  # the open transcript's id (plain state, not a widget)
NOTICE_KEY = "coding_notice"
REV_KEY = "coding_rev"
JUMP_SEQ = "coding_jump_seq"  # counts jumps, so the reader flashes a repeated jump again
FIND_KEY = "coding_find"
SUGGEST_KEY = "coding_show_suggestions"
MAX_HITS = 500  # hits highlighted at most; more would only be noise in one transcript
ALL = "All"


# ---------------------------------------------------------------- codebook (cached)

def _codebook_stamp(project: Project) -> str:
    with project.session() as s:
        return codebook_stamp(s)


@st.cache_data(show_spinner=False, max_entries=16)
def _codebook(location: str, stamp: str) -> list[CodeView]:
    del stamp  # part of the cache key only
    with get_project().session() as s:
        return list_codes(s)


# ---------------------------------------------------------------- actions from the reader

def _on_action() -> None:
    state = st.session_state.get(READER_KEY) or {}
    action = state.get("action") if hasattr(state, "get") else None
    if action is not None:
        st.session_state[ACTION_KEY] = action


def _viewer() -> Viewer:
    """Who is looking: the current coder (their account's role and blinding), blind unless "Show other
    coders" is on."""
    return current_viewer(bool(st.session_state.get("coding_show_others", False)))


def _handle_pending(project: Project, coder: str) -> None:
    """Apply the reader's last action, in its own unit of work; a refused one changes nothing."""
    raw = st.session_state.pop(ACTION_KEY, None)
    tid = st.session_state.get(TRANSCRIPT_KEY)
    if raw is None or tid is None:
        return
    st.session_state[REV_KEY] = st.session_state.get(REV_KEY, 0) + 1
    try:
        action = reader_actions.parse_action(raw)
        with project.session() as s:
            notice = reader_actions.apply_action(s, coder, tid, action, _viewer())
    except UserError as exc:
        show.error(exc)
    else:
        st.session_state[NOTICE_KEY] = notice


# ---------------------------------------------------------------- opening a passage from another page

def _take_jump(choices: list[coding.TranscriptChoice]) -> dict[str, int] | None:
    """Open the transcript another page asked for, whatever the filters were; the keys are used once.

    Returns where the reader should scroll to, if an offset was given.
    """
    tid = st.session_state.pop(JUMP_TRANSCRIPT, None)
    offset = st.session_state.pop(JUMP_OFFSET, None)
    if tid is None:
        return None
    if not isinstance(tid, int) or tid not in {t.id for t in choices}:
        st.warning("That transcript is no longer in the project.")
        return None
    st.session_state[TRANSCRIPT_KEY] = tid
    # Filters that would hide the transcript or the passage's code give way; the widgets are not
    # drawn yet in this run, so their state may still be set.
    st.session_state["coding_group"] = ALL
    st.session_state["coding_role"] = ALL
    st.session_state["coding_only"] = None
    if not isinstance(offset, int) or isinstance(offset, bool):
        return None
    st.session_state[JUMP_SEQ] = st.session_state.get(JUMP_SEQ, 0) + 1
    return {"transcript": tid, "offset": offset, "seq": st.session_state[JUMP_SEQ]}


# ---------------------------------------------------------------- choosing coder and transcript

def _label(t: coding.TranscriptChoice, progress: dict[int, str]) -> str:
    who = who_label(t.participant_id, t.role, group=t.group)
    state = coding.PROGRESS_LABELS[progress.get(t.id, "not_started")]
    return f"{t.title} — {who or 'no participant'} — {state}"


def _step(ids: list[int], delta: int) -> None:
    current = st.session_state.get(TRANSCRIPT_KEY)
    i = ids.index(current) if current in ids else 0
    st.session_state[TRANSCRIPT_KEY] = ids[max(0, min(len(ids) - 1, i + delta))]


def _picked(pick_key: str) -> None:
    value = st.session_state.get(pick_key)
    if isinstance(value, int):
        st.session_state[TRANSCRIPT_KEY] = value


def _choose_transcript(choices: list[coding.TranscriptChoice], progress: dict[int, str]) -> int | None:
    groups = sorted({t.group for t in choices if t.group})
    roles = sorted({t.role for t in choices if t.role})
    c1, c2, c3, c4, c5 = st.columns([1.2, 1.6, 5.4, 0.5, 0.5], vertical_alignment="bottom")
    group = c1.selectbox("Group", [ALL, *groups], key="coding_group",
                         format_func=lambda g: g if g == ALL else value_label("group", g))
    role = c2.selectbox("Role", [ALL, *roles], key="coding_role")
    shown = [t for t in choices if group in (ALL, t.group) and role in (ALL, t.role)]
    if not shown:
        st.info("No transcript matches these filters.")
        return None
    ids = [t.id for t in shown]
    by_id = {t.id: t for t in shown}
    if TRANSCRIPT_KEY not in st.session_state:
        wanted = st.query_params.get("transcript", "")
        linked = int(wanted) if wanted.isdigit() else None
        st.session_state[TRANSCRIPT_KEY] = linked if linked in by_id else ids[0]
    if st.session_state[TRANSCRIPT_KEY] not in by_id:
        st.session_state[TRANSCRIPT_KEY] = ids[0]
    # Streamlit maps a selectbox's value back through its labels, and a label changes with progress:
    # a fresh widget key whenever the labels or the open transcript change keeps the mapping exact.
    labels = {i: _label(by_id[i], progress) for i in ids}
    current = st.session_state[TRANSCRIPT_KEY]
    stamp = hashlib.sha1("\n".join(labels.values()).encode()).hexdigest()[:10]
    pick_key = f"coding_pick_{current}_{stamp}"
    c3.selectbox("Transcript", ids, index=ids.index(current), key=pick_key, format_func=labels.__getitem__,
                 on_change=_picked, args=(pick_key,))
    c4.button("", icon=":material/chevron_left:", on_click=_step, args=(ids, -1), key="coding_prev",
              help="Previous transcript", disabled=st.session_state[TRANSCRIPT_KEY] == ids[0],
              width="stretch")
    c5.button("", icon=":material/chevron_right:", on_click=_step, args=(ids, 1), key="coding_next",
              help="Next transcript", disabled=st.session_state[TRANSCRIPT_KEY] == ids[-1],
              width="stretch")
    return st.session_state[TRANSCRIPT_KEY]


def _codebook_sidebar(codes: list[CodeView], code_memos: dict[str, list[MemoView]]) -> None:
    with st.sidebar.expander("Code definitions", icon=":material/menu_book:"):
        for c in codes:
            if c.archived:
                continue
            st.markdown(md("**{}**  \n{}", c.name, c.definition))
            if c.when_to_use:
                st.caption(md("Use when: {}", c.when_to_use))
            if c.when_not_to_use:
                st.caption(md("Not when: {}", c.when_not_to_use))
            for memo in code_memos.get(c.id, []):
                whose = "Your memo" if memo.coder else "Team memo"
                st.caption(md(":material/sticky_note_2: {}: {}", whose, memo.text))
        st.caption("Write memos on codes on the Codebook page.")


# ---------------------------------------------------------------- the transcript memo

def _memo_key(coder: str, tid: int) -> str:
    return f"coding_memo_{coder}_{tid}"


def _save_memo(project: Project, coder: str, tid: int) -> None:
    try:
        with project.session() as s:
            memos.set_memo(s, "transcript", tid, coder, st.session_state[_memo_key(coder, tid)])
    except UserError as exc:
        st.session_state["coding_memo_error"] = str(exc)
    else:
        st.session_state["coding_memo_saved"] = tid


def _transcript_memo(project: Project, coder: str, tid: int) -> None:
    """This coder's memo on the open transcript, saved as soon as the box loses focus."""
    key = _memo_key(coder, tid)
    if key not in st.session_state:  # read once; afterwards the box holds what was typed and saved
        with project.session() as s:
            st.session_state[key] = memos.get_memo(s, "transcript", tid, coder, viewer=Viewer(coder))
    with st.expander("My memo on this transcript", icon=":material/sticky_note_2:",
                     expanded=bool(st.session_state[key])):
        st.text_area("Memo", key=key, on_change=_save_memo, args=(project, coder, tid), height=110,
                     label_visibility="collapsed",
                     placeholder="Impressions, context, questions… saved when you click outside the box")
        if error := st.session_state.pop("coding_memo_error", ""):
            show.error(error)
        elif st.session_state.pop("coding_memo_saved", None) == tid:
            st.caption(":material/check: Memo saved")


# ---------------------------------------------------------------- search in the open transcript

def _find_hits(project: Project, tid: int, query: str) -> tuple[list[list[int]], bool]:
    """The spans of ``query`` in the open transcript (at most MAX_HITS), and whether there were more."""
    if not query.strip():
        return [], False
    try:
        with project.session() as s:
            hits = search.search(s, query, transcript_id=tid, limit=MAX_HITS + 1, context=0)
    except UserError as exc:
        show.error(exc)
        return [], False
    return [[h.start, h.end] for h in hits[:MAX_HITS]], len(hits) > MAX_HITS


# ---------------------------------------------------------------- the page

def _progress_button(column: Any, project: Project, coder: str, tid: int, status: str) -> None:
    done = status == "done"
    if column.button("Reopen transcript" if done else "Mark transcript done", width="stretch",
                     icon=":material/undo:" if done else ":material/task_alt:"):
        try:
            with project.session() as s:
                coding.set_progress(s, tid, coder, "in_progress" if done else "done")
        except UserError as exc:
            show.error(exc)
        else:
            st.rerun()


def _toolbar(project: Project, coder: str, tid: int, status: str,
             codes: list[CodeView]) -> tuple[bool, bool, str | None, str]:
    """Whose codings to show, suggestions or not, one code to show only, a search; the progress button."""
    c1, c2, c3, c4 = st.columns([1.45, 1.6, 2.1, 1.4], vertical_alignment="bottom")
    blinded = current_viewer().blind  # a coder, while the lead keeps the project blind
    show_others = c1.toggle("Show other coders", value=False, key="coding_show_others", disabled=blinded,
                            help="The project's lead keeps coding blind: you see only your own codings."
                            if blinded else "Off while you code blind: you see only your own codings.")
    suggest = c1.toggle("Show suggestions", value=True, key=SUGGEST_KEY,
                        help="Code suggestions from the codebook's patterns, outlined with a dashed line: "
                             "click one to accept or reject it.")
    live = {c.id: c.name for c in codes if not c.archived}
    code_filter = c2.selectbox("Show only one code", [None, *live], key="coding_only",
                               format_func=lambda i: "All codes" if i is None else live[i])
    query = c3.text_input("Find in this transcript", key=FIND_KEY, placeholder="a word or phrase",
                          help="Hits are marked in yellow; step through them with ‹ › above the text.")
    _progress_button(c4, project, coder, tid, status)
    return show_others, suggest, code_filter, query


def _caption(view: coding.TranscriptView, coder: str, codings: list[coding.CodingView], status: str) -> None:
    p = view.participant
    who = who_label(p.id, p.role, p.age_band, group=p.group) if p else "—"
    mine = sum(1 for c in codings if c.coder == coder)
    st.caption(md("**{}** · {} · coding as **{}** · {} of your codings shown · {}", view.title, who, coder,
                  mine, coding.PROGRESS_LABELS[status]))


def _flash(jump: dict[str, int] | None, view: coding.TranscriptView,
           codings: list[coding.CodingView]) -> dict[str, int] | None:
    """The passage a jump from another page asked for, if it is in the open transcript."""
    if not jump or jump["transcript"] != view.id:
        return None
    start, end = jump_span(view.text, codings, jump["offset"])
    return {"seq": jump["seq"], "offset": jump["offset"], "start": start, "end": end}


def _suggestions(project: Project, viewer: Viewer, tid: int, code_filter: str | None
                 ) -> list[SuggestionView] | None:
    """The coder's open suggestions on the open transcript, brought up to date first."""
    if not ensure_fresh(project):
        return None
    with project.session() as s:
        views = review.pending_for(s, viewer, transcript_id=tid)
    return [v for v in views if not code_filter or v.code_id == code_filter]


def render() -> None:
    st.title("Code")
    project = get_project()
    coder = current_coder()
    if not coder:
        st.info("Choose who is coding first: pick your name under **Coder** in the sidebar "
                "(or add yourself as a new coder).")
        return
    _handle_pending(project, coder)
    notice = st.session_state.pop(NOTICE_KEY, "")
    with project.session() as s:
        choices = coding.transcript_choices(s)
        progress = coding.progress_by_transcript(s, coder)
    if not choices:
        st.info("There are no transcripts yet: import some on the Import page.")
        return
    jump = _take_jump(choices)
    tid = _choose_transcript(choices, progress)
    if tid is None:
        return
    codes = _codebook(project.location, _codebook_stamp(project))
    with project.session() as s:
        _codebook_sidebar(codes, memos.code_memos(s, Viewer(coder)))
    status = progress.get(tid, "not_started")
    show_others, suggest, code_filter, query = _toolbar(project, coder, tid, status, codes)
    viewer = current_viewer(show_others)
    with project.session() as s:
        try:
            view = coding.open_transcript(s, tid)
        except UserError as exc:
            show.error(exc)
            return
        codings = coding.codings_for(s, tid, viewer)
        undo_ok = coding.can_undo(s, coder, tid)
    hits, more = _find_hits(project, tid, query)
    if code_filter:
        codings = [c for c in codings if c.code_id == code_filter]
    _caption(view, coder, codings, status)
    _transcript_memo(project, coder, tid)
    payload = build_payload(view, codes, codings, coder, rev=st.session_state.get(REV_KEY, 0),
                            can_undo=undo_ok, notice=notice, hits=hits, more_hits=more, query=query.strip(),
                            jump=_flash(jump, view, codings),
                            copy_to_consensus=viewer.is_lead and not viewer.blind,  # the lead's layer
                            suggestions=_suggestions(project, viewer, tid, code_filter) if suggest else None)
    reader(payload, key=READER_KEY, on_action=_on_action)
