"""Participants & transcripts: who took part, and each consultation read as speaker turns."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from consult_coder.analysis.labels import attribute_label, value_label, with_labels
from consult_coder.catalogue import participant_rows, transcript_rows
from consult_coder.codebook import list_codes
from consult_coder.coding import SPEAKER_KINDS, TranscriptView, open_transcript, set_speaker_kind
from consult_coder.errors import UserError
from consult_coder.storage import is_empty
from consult_coder.ui import render as show
from consult_coder.ui.render import md
from consult_coder.ui.state import current_coder, get_project, in_session, is_lead

LOADED = "sample_loaded"  # the sample's summary, shown once after the rerun that draws the study


def _offer_sample() -> None:
    if not is_lead():
        st.info("This project is empty: its lead imports the transcripts.")
        return
    st.info("This project is empty. Import your transcripts, or explore with the synthetic sample study "
            "(32 consultations: 20 young people, 12 clinicians, two coders' sample codings).")
    codes = in_session(list_codes)
    ready = True
    if codes:  # a codebook made before any transcript: the sample's codes would change it
        st.warning(md("This project already has {} code{}. The sample study adds its own codebook: codes "
                      "with the same id as one of the sample's are overwritten by the sample's.",
                      len(codes), "s" if len(codes) != 1 else ""))
        ready = st.checkbox("Load the sample study into this project anyway", key="sample_ok")
    if st.button("Load the sample study", type="primary", icon=":material/science:", disabled=not ready):
        from consult_coder.sample import ACTOR, load_demo

        with st.spinner("Importing 32 consultations…"):
            try:
                summary = in_session(load_demo, actor=current_coder() or ACTOR)
            except UserError as exc:
                show.error(exc)
                return
        st.session_state[LOADED] = summary
        st.rerun()


def _speaker_kinds(view: TranscriptView) -> None:
    """Per-transcript override of who is the interviewer, as imports sometimes guess wrong."""
    speakers = list(dict.fromkeys((t.speaker, t.kind) for t in view.turns))
    with st.popover("Speaker roles", icon=":material/record_voice_over:"):
        st.caption("Analysis counts participant speech; interviewer turns are shown in grey.")
        for speaker, kind in speakers:
            new = st.segmented_control(md("{}", speaker), SPEAKER_KINDS, default=kind,
                                       key=f"kind-{view.id}-{speaker}")
            if new and new != kind:
                in_session(set_speaker_kind, view.id, speaker, new, current_coder() or "app")
                st.rerun()


def _reader(transcript_id: int) -> None:
    try:
        view = in_session(open_transcript, transcript_id)
    except UserError:
        st.warning("That transcript is no longer in the project.")
        return
    p = view.participant
    group = value_label("group", p.group) if p and p.group else ""
    who = [x for x in (p.id, group, p.role, p.age_band) if x] if p else []
    st.markdown(md("**{}** · {}", view.title, " · ".join([view.source_name, *who])))
    if view.front_matter:
        with st.expander("Front matter (not coded)"):
            st.text(view.front_matter)
    if is_lead():  # who is the interviewer changes everyone's analysis: the lead's to correct
        _speaker_kinds(view)
    for turn in view.turns:
        cue = f" · {int(turn.cue_start // 60):02d}:{int(turn.cue_start % 60):02d}" \
            if turn.cue_start is not None else ""
        said = md("**{}**{}  \n{}", turn.speaker, cue, view.spoken(turn))
        if turn.kind == "interviewer":  # grey and smaller: not the participant's words
            st.caption(said)
        else:
            st.markdown(said)


def render() -> None:
    st.title("Participants & transcripts")
    if LOADED in st.session_state:
        show.success(st.session_state.pop(LOADED))
    project = get_project()
    with project.session() as s:
        if is_empty(s):
            _offer_sample()
            return
        people = pd.DataFrame(participant_rows(s))
        transcripts = pd.DataFrame(transcript_rows(s))

    groups = sorted(g for g in people["group"].dropna().unique() if g)
    roles = sorted(r for r in people["role"].dropna().unique() if r)
    c1, c2 = st.columns(2)
    pick_groups = c1.multiselect("Group", groups, format_func=lambda g: value_label("group", g),
                                 placeholder="All groups")
    pick_roles = c2.multiselect("Role", roles, placeholder="All roles")
    shown = people
    if pick_groups:
        shown = shown[shown["group"].isin(pick_groups)]
    if pick_roles:
        shown = shown[shown["role"].isin(pick_roles)]
    st.caption(md("{} of {} participants · {}", len(shown), len(people),
                  " · ".join(f"{value_label('group', g)}: {(people['group'] == g).sum()}" for g in groups)))
    readable = with_labels(shown)  # "Young people", "Age band": the words of the Analysis page
    st.dataframe(readable.rename(columns=attribute_label), hide_index=True, width="stretch")

    st.subheader("Read a transcript")
    visible = transcripts[transcripts["participant_id"].isin(shown["participant_id"])
                          | (transcripts["participant_id"].isna() & (not pick_groups and not pick_roles))]
    if visible.empty:
        st.caption("No transcripts match the filters.")
        return
    labels = {int(r.id): f"{r.participant_id or '—'} · {r.title} ({r.source_format}, {r.turns} turns)"
              for r in visible.itertuples()}
    chosen = st.selectbox("Transcript", list(labels), format_func=labels.get, key="read_transcript")
    if chosen is not None:
        _reader(int(chosen))
