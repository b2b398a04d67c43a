"""Page "Agreement": how far the coders agree, and settling their disagreements into the consensus.

Choose the coders, the unit, the codes and the transcripts. "Agreement" shows the table per code and
pooled (the units and transcripts each figure rests on, low-prevalence warnings, the bands and their
sources), the code × transcript heatmap and CSV/XLSX downloads. "Settle disagreements" walks the queue
one passage at a time: each coder's passage and memo side by side, the text around it with both
marked, and one key per decision; a decision leaves the queue at once and Undo brings it back.

Only a lead — or anyone while coding is not blind — may compare coders (the core's read functions
refuse others in one line), and only a lead settles disagreements into the consensus. Every user string
reaches the page through ui/render.py, as text, never as markup.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from consult_coder import adjudication
from consult_coder.access import Viewer
from consult_coder.adjudication import Disagreement, Queue
from consult_coder.agreement import ALPHA_NOTE, KAPPA_NOTE, PARADOX_NOTE, AgreementOptions, NothingToCompare
from consult_coder.agreement.charts import agreement_heatmap
from consult_coder.agreement.defaults import coders_with_codings
from consult_coder.agreement.exports import csv_bytes, long_frame, workbook_bytes
from consult_coder.agreement.labels import COLUMN_LABELS, UNIT_LABELS, coefficient, count, percent
from consult_coder.agreement.oversight import TranscriptStatus, agreement_for, may_compare, transcript_status
from consult_coder.agreement.tables import AgreementResult
from consult_coder.agreement.units import SEGMENT_UNITS, UNITS
from consult_coder.codebook import list_codes
from consult_coder.coding import coder_names
from consult_coder.errors import UserError
from consult_coder.storage import Project
from consult_coder.ui import render as show
from consult_coder.ui.render import Md, inert, md
from consult_coder.ui.state import current_viewer, get_project

AGREEMENT, QUEUE = "Agreement", "Settle disagreements"
POS_KEY = "ag_q_pos"  # the place in the open disagreements shown
NOTICE_KEY = "ag_q_notice"
ERROR_KEY = "ag_q_error"
ALL = "all"
# One key per decision (Streamlit reserves C and R). Keep the first two coders with A and B, more with 3–9.
KEEP_KEYS = ("A", "B", *map(str, range(3, 10)))
# Each coder's marking in the context, and the marking where more than one coder's passages meet.
COLOURS = ("blue", "orange", "green", "red", "gray")
SHARED = "violet"


# ---------------------------------------------------------------- what to compare

def _transcript_label(t: TranscriptStatus, n: int) -> str:
    done = "done by all" if t.done_by_all else f"done by {sum(t.done)} of {n}"
    return f"{t.participant_id or t.title} — {done} · codings {' / '.join(map(str, t.codings))}"


def _transcripts(project: Project, coders: list[str], viewer: Viewer, where: Any,
                 toggles: Any) -> tuple[list[int], bool]:
    """Which transcripts count: done by every coder (the default) or started by two, and a choice of them."""
    with project.session() as s:
        status = transcript_status(s, coders, viewer=viewer)
    done = [t for t in status if t.done_by_all]
    started = [t for t in status if t.started >= 2]
    who = "both" if len(coders) == 2 else "all"
    only_done = toggles.toggle(md("Only transcripts {} coders marked done ({} of {})", who, len(done),
                                  len(status)),
                               value=True, key="ag_only_done",
                               help=md("A transcript still being coded would count its unfinished parts as "
                                       "disagreement. Off: the {} transcripts at least two of them started.",
                                       len(started)))
    pool = done if only_done else started
    by_id = {t.id: t for t in pool}
    chosen = where.multiselect("Transcripts", list(by_id), key=f"ag_transcripts_{only_done}",
                            format_func=lambda i: _transcript_label(by_id[i], len(coders)),
                            placeholder=md("All {} that count", len(pool)))
    return chosen, only_done


def _controls(project: Project, names: list[str], coded: list[str], codes: dict[str, str],
              viewer: Viewer) -> tuple[AgreementOptions, str] | None:
    c1, c2 = st.columns([3, 2], vertical_alignment="bottom")
    coders = c1.multiselect("Coders", names, default=[n for n in coded if n in names], key="ag_coders",
                            help="Two coders, or more (figures are then the mean over pairs; alpha uses "
                                 "all).")
    unit = c2.segmented_control("Unit", UNITS, default="sentence", key="ag_unit", required=True,
                                format_func=UNIT_LABELS.__getitem__)
    c3, c4 = st.columns(2)
    chosen_codes = c3.multiselect("Codes", list(codes), format_func=codes.__getitem__, key="ag_codes",
                                  placeholder="All codes")
    if len(coders) < 2:
        show.info("Choose at least two coders to compare.")
        return None
    t1, t2, t3 = st.columns([1.3, 1, 1])
    transcripts, only_done = _transcripts(project, coders, viewer, c4, t1)
    interviewer = t2.toggle("Count interviewer speech too", key="ag_interviewer")
    coded_only = t3.toggle("Only text a coder coded", key="ag_coded_only",
                           help="Only units at least one of the coders coded: long stretches nobody coded "
                                "make percent agreement look high.")
    options = AgreementOptions(tuple(coders), codes=tuple(chosen_codes) or None,
                               transcripts=tuple(map(str, transcripts)) or None,
                               all_transcripts=not only_done, include_interviewer=interviewer,
                               coded_only=coded_only)
    return options, unit


# ---------------------------------------------------------------- the agreement table

def _table(result: AgreementResult) -> pd.DataFrame:
    """The per-code table as shown: the figures of this unit, named as the report names them."""
    alpha = "unitized_alpha" if result.unit == "character" else "krippendorff_alpha"
    columns = ["code", "units", "transcripts", "percent_agreement", "cohen_kappa", "kappa_band",
               "brennan_prediger", alpha, "alpha_band", "prevalence_pct"]
    labels = {**COLUMN_LABELS, "units": UNIT_LABELS[result.unit]}
    if len(result.coders) == 2:
        columns += ["both", "first_only", "second_only", "neither"]
        labels |= {"first_only": f"Only {result.coders[0]}", "second_only": f"Only {result.coders[1]}"}
    frame = result.by_code[[*columns, "warnings"]].copy()
    frame["warnings"] = frame["warnings"].map("; ".join)
    return frame.rename(columns=labels)


def _column_config(result: AgreementResult) -> dict[str, Any]:
    three = st.column_config.NumberColumn(format="%.3f")
    one = st.column_config.NumberColumn(format="%.1f")
    config: dict[str, Any] = {COLUMN_LABELS[k]: three for k in ("cohen_kappa", "brennan_prediger",
                                                                 "krippendorff_alpha", "unitized_alpha")}
    config |= {COLUMN_LABELS[k]: one for k in ("percent_agreement", "prevalence_pct")}
    config[COLUMN_LABELS["warnings"]] = st.column_config.TextColumn(width="large")
    return config


def _pooled(result: AgreementResult) -> None:
    p = result.pooled
    alpha_key = "unitized_alpha" if result.unit == "character" else "krippendorff_alpha"
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("Agreement (pooled)", percent(p["percent_agreement"]))
    c2.metric("Cohen's κ (pooled)", coefficient(p["cohen_kappa"]), help=KAPPA_NOTE,
              delta=p["kappa_band"] or None, delta_color="off", delta_arrow="off")
    c3.metric("Brennan–Prediger κ", coefficient(p["brennan_prediger"]))
    c4.metric(inert(COLUMN_LABELS[alpha_key]), coefficient(p[alpha_key]), help=ALPHA_NOTE,
              delta=p["alpha_band"] or None, delta_color="off", delta_arrow="off")
    per_code = result.by_code["units"].iloc[0]
    show.caption(md("{} The pooled row rests on {} decisions ({} codes × {} {}) in {} transcripts.",
                    result.describe(), count(p["units"]), len(result.by_code) - 1, count(per_code),
                    UNIT_LABELS[result.unit].lower(), count(p["transcripts"])))


def _warnings(result: AgreementResult) -> None:
    rows = result.by_code.iloc[:-1]
    low = [r["code"] for r in rows.to_dict("records") if any(w.startswith("low prevalence")
                                                             for w in r["warnings"])]
    if low:
        shown = ", ".join(low[:8]) + (f" and {len(low) - 8} more" if len(low) > 8 else "")
        st.warning(md("{} Here: {} of {} codes — {}.", PARADOX_NOTE, len(low), len(rows), shown),
                   icon=":material/warning:")
    show.caption(md("Bands: {} {}", KAPPA_NOTE, ALPHA_NOTE))


def _heatmap(result: AgreementResult) -> None:
    statistics = ["cohen_kappa", "brennan_prediger", "percent_agreement"]
    if result.unit in SEGMENT_UNITS:
        statistics.insert(1, "krippendorff_alpha")
    stat = st.segmented_control("Heatmap of", statistics, default="cohen_kappa", required=True,
                                key="ag_heat_stat", format_func=COLUMN_LABELS.__getitem__)
    st.altair_chart(agreement_heatmap(result, stat), width="content", theme=None)


def _downloads(result: AgreementResult) -> None:
    stem = f"agreement_{result.unit}"
    c1, c2, _ = st.columns([1, 1, 6])
    c1.download_button("CSV", csv_bytes(long_frame([result])), file_name=f"{stem}.csv", mime="text/csv",
                       icon=":material/download:", key="ag_csv")
    c2.download_button("XLSX", workbook_bytes([result]), file_name=f"{stem}.xlsx", key="ag_xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       icon=":material/download:")


def _agreement(project: Project, options: AgreementOptions, unit: str, viewer: Viewer) -> None:
    try:
        with project.session() as s:
            result = agreement_for(s, options, unit, viewer=viewer)
    except NothingToCompare as exc:
        show.info(f"{exc}. Turn off “Only transcripts … marked done” to compare the transcripts they "
                  "have started.")
        return
    except UserError as exc:
        show.error(exc)
        return
    _pooled(result)
    _warnings(result)
    st.dataframe(_table(result), hide_index=True, column_config=_column_config(result), key="ag_table",
                 height="content")
    _heatmap(result)
    _downloads(result)


# ---------------------------------------------------------------- the disagreement queue

def _decide(project: Project, item: Disagreement, decision: str, viewer: Viewer, **how: Any) -> None:
    note = st.session_state.get(f"ag_note_{item.key}", "")
    try:
        with project.session() as s:
            said = adjudication.decide(s, item, decision, viewer=viewer, note=note, **how)
    except UserError as exc:
        st.session_state[ERROR_KEY] = str(exc)
    else:
        st.session_state[NOTICE_KEY] = said


def _undo(project: Project, viewer: Viewer) -> None:
    try:
        with project.session() as s:
            said = adjudication.undo_last(s, viewer=viewer)
    except UserError as exc:
        st.session_state[ERROR_KEY] = str(exc)
    else:
        st.session_state[NOTICE_KEY] = said or "No decision left to undo"


def _step(delta: int, n: int) -> None:
    st.session_state[POS_KEY] = (st.session_state.get(POS_KEY, 0) + delta) % max(n, 1)


def _summary(q: Queue) -> None:
    """Agreement before and after: how many disagreements there were, and how many are left."""
    total = len(q.items)
    text = (md("{} disagreements before adjudication · {} settled · **{} left**", total, q.settled, q.left)
            if total else "The coders agree on every passage")
    st.progress(q.settled / total if total else 1.0, text=text)
    with st.expander("Progress per transcript", icon=":material/checklist:"):
        frame = pd.DataFrame([{"Transcript": p.transcript, "Participant": p.participant_id or "",
                               "Disagreements": p.disagreements, "Settled": p.settled, "Left": p.left,
                               "Progress": p.settled / p.disagreements if p.disagreements else 1.0}
                              for p in q.progress])
        st.dataframe(frame, hide_index=True, key="ag_q_progress", column_config={
            "Progress": st.column_config.ProgressColumn(min_value=0.0, max_value=1.0, format="percent")})


def _filters(q: Queue) -> list[Disagreement]:
    """The open disagreements of the transcript and code chosen (all, by default)."""
    c1, c2 = st.columns(2)
    places = {p.transcript_id: p for p in q.progress if p.disagreements}
    tid = c1.selectbox("Transcript", [ALL, *places], key="ag_q_transcript", format_func=lambda t: (
        "All transcripts" if t == ALL else f"{places[t].participant_id or places[t].transcript} "
                                           f"({places[t].left} left)"))
    names = {i.code_id: i.code for i in q.items}
    code = c2.selectbox("Code", [ALL, *names], key="ag_q_code",
                        format_func=lambda c: "All codes" if c == ALL else names[c])
    return [i for i in q.open if tid in (ALL, i.transcript_id) and code in (ALL, i.code_id)]


def _marked(text: str, colour: str | None) -> Md:
    """Text as inert markdown, coloured (text and background) where a coder's passage covers it."""
    lines = [inert(line) for line in text.split("\n")]
    if colour:
        lines = [_tint(line, colour) if line.strip() else line for line in lines]
    return _joined(lines, "  \n")


def _joined(parts: list[Md], between: str = "") -> Md:
    """App-made markdown pieces one after another (``between`` is ours: a line break or a space)."""
    return md(between.join(["{}"] * len(parts)), *parts)


def _tint(markdown: Md, colour: str) -> Md:
    """``markdown`` in one of the page's own colours (COLOURS or SHARED, never user text)."""
    return md(":{}-background[:{}[{}]]", colour, colour, markdown)


def _colour(coders: tuple[str, ...], who: tuple[str, ...]) -> str | None:
    if not who:
        return None
    return SHARED if len(who) > 1 else COLOURS[coders.index(who[0]) % len(COLOURS)]


def _context(project: Project, item: Disagreement, q: Queue, viewer: Viewer) -> Any:
    with project.session() as s:
        ctx = adjudication.passage_context(s, item, viewer=viewer)
    legend = [_tint(md("{} only", c), COLOURS[i % len(COLOURS)]) for i, c in enumerate(q.coders)]
    shared = inert("both" if len(q.coders) == 2 else "more than one coder")
    show.markdown(md("**In context** · {}", _joined([*legend, _tint(shared, SHARED)], " ")))
    with st.container(border=True, key="ag_context"):
        for turn in ctx.turns:
            body = _joined([_marked(p.text, _colour(q.coders, p.coders)) for p in turn.pieces])
            head = md("**{}:** ", turn.speaker) if turn.speaker else inert("")
            show.markdown(md("{}{}{}{}", head, "… " if turn.cut_before else "", body,
                             " …" if turn.cut_after else ""))
    return ctx


def _sides(item: Disagreement, q: Queue) -> None:
    """Each coder's passage and memo, side by side."""
    for i, (col, coder) in enumerate(zip(st.columns(len(q.coders)), q.coders, strict=True)):
        passage = item.passage_of(coder)
        with col.container(border=True, key=f"ag_side_{i}"):
            show.markdown(_tint(md("**{}**", coder), COLOURS[i % len(COLOURS)]))
            if passage is None:
                st.caption("Did not code this passage.")
                continue
            for (start, end), quote, memo in zip(passage.spans, passage.quotes, passage.memos, strict=True):
                show.markdown(md("“{}”", quote))
                show.caption(md("{}–{} · Memo: {}", start, end, memo) if memo
                             else md("{}–{} · no memo", start, end))


def _buttons(project: Project, item: Disagreement, q: Queue, viewer: Viewer) -> None:
    """One button, and one key, per decision."""
    named = viewer.name is not None
    coders = q.coders
    cols = st.columns(len(coders) + 3)
    for i, coder in enumerate(coders):
        cols[i].button(md("Keep {}", coder), key=f"ag_keep_{i}", on_click=_decide,
                       args=(project, item, adjudication.KEEP, viewer), kwargs={"keep": coder},
                       shortcut=KEEP_KEYS[i] if i < len(KEEP_KEYS) else None, width="stretch",
                       type="primary", disabled=not named or item.passage_of(coder) is None)
    rest = cols[len(coders):]
    rest[0].button("Keep both", key="ag_union", shortcut="U", width="stretch", disabled=not named,
                   help="The union: everything either coder coded here", on_click=_decide,
                   args=(project, item, adjudication.UNION, viewer))
    rest[1].button("Keep overlap", key="ag_overlap", shortcut="O", width="stretch",
                   disabled=not named or not item.overlap, help="Only what every coder coded",
                   on_click=_decide, args=(project, item, adjudication.OVERLAP, viewer))
    rest[2].button("Discard", key="ag_discard", shortcut="D", width="stretch", disabled=not named,
                   help="Leave the code out of the consensus here", on_click=_decide,
                   args=(project, item, adjudication.DISCARD, viewer))


def _navigation(project: Project, viewer: Viewer, n_open: int, undo_ok: bool) -> None:
    c1, c2, c3, _ = st.columns([1, 1, 1.6, 3.4])
    c1.button("Previous", key="ag_prev", shortcut="P", width="stretch", disabled=n_open < 2,
              icon=":material/chevron_left:", on_click=_step, args=(-1, n_open))
    c2.button("Skip", key="ag_next", shortcut="N", width="stretch", disabled=n_open < 2,
              icon=":material/chevron_right:", help="Leave it for now: the next disagreement",
              on_click=_step, args=(1, n_open))
    c3.button("Undo last decision", key="ag_undo", shortcut="Z", icon=":material/undo:", width="stretch",
              disabled=not undo_ok, on_click=_undo, args=(project, viewer))


def _edit(project: Project, item: Disagreement, ctx: Any, viewer: Viewer) -> None:
    with st.container(border=True, key="ag_edit"):
        start, end = st.select_slider("Edit the boundary (word by word)", options=list(ctx.edges),
                                      value=(item.start, item.end), format_func=ctx.mark,
                                      key=f"ag_span_{item.key}")
        quote = ctx.quote(start, end).strip()
        show.caption(md("The consensus would hold characters {}–{}: “{}”", start, end, quote) if quote
                     else inert("Choose a start before the end."))
        c1, c2 = st.columns([1, 3], vertical_alignment="bottom")
        c1.button("Keep this boundary", key="ag_edit_keep", shortcut="E", width="stretch",
                  disabled=viewer.name is None or not quote, on_click=_decide,
                  args=(project, item, adjudication.EDIT, viewer), kwargs={"span": (start, end)})
        c2.text_input("Note on this decision (optional)", key=f"ag_note_{item.key}",
                      placeholder="Why — kept with the decision and on the consensus coding")


def _settled(q: Queue) -> None:
    done = [i for i in q.items if i.settled is not None]
    with st.expander(md("Settled ({})", len(done)), icon=":material/task_alt:"):
        if not done:
            st.caption("Nothing settled yet.")
            return
        rows = [{"Transcript": i.transcript, "Code": i.code, "Characters": f"{i.start}–{i.end}",
                 "Decision": i.settled.describe(), "By": i.settled.decided_by, "When": i.settled.decided_at}
                for i in done]
        st.dataframe(pd.DataFrame(rows), hide_index=True, key="ag_q_settled")


def _queue(project: Project, options: AgreementOptions, viewer: Viewer) -> None:
    try:
        with project.session() as s:
            q = adjudication.disagreement_queue(s, options, viewer=viewer)
            undo_ok = adjudication.can_undo(s, viewer=viewer)
    except NothingToCompare as exc:
        show.info(f"{exc}. Turn off “Only transcripts … marked done” to settle the transcripts they have "
                  "started.")
        return
    except UserError as exc:
        show.error(exc)
        return
    if error := st.session_state.pop(ERROR_KEY, ""):
        show.error(error)
    if notice := st.session_state.pop(NOTICE_KEY, ""):
        st.success(inert(notice), icon=":material/check:")
    if viewer.name is None:
        st.info("Choose who you are under **Coder** in the sidebar: each decision records who made it.")
    items = _filters(q)
    _summary(q)
    if not items:
        _navigation(project, viewer, 0, undo_ok)
        st.success("No disagreement left here: every passage is settled." if q.items else
                   "The coders agree on every passage of these transcripts.")
        _settled(q)
        return
    pos = min(st.session_state.get(POS_KEY, 0), len(items) - 1)
    item = items[pos]
    st.subheader(md("{} · {}", item.code, item.transcript))
    show.caption(md("Disagreement {} of {} shown · {} · characters {}–{}", pos + 1, len(items),
                    item.describe(), item.start, item.end))
    _sides(item, q)
    ctx = _context(project, item, q, viewer)
    _buttons(project, item, q, viewer)
    _edit(project, item, ctx, viewer)
    _navigation(project, viewer, len(items), undo_ok)
    keys = [md("{} keep {}", k, c) for k, c in zip(KEEP_KEYS, q.coders, strict=False)]
    show.caption(md("Keys: {} · U both · O overlap · D discard · E the edited boundary · N skip · "
                    "P previous · Z undo", _joined(keys, " · ")))
    _settled(q)


# ---------------------------------------------------------------- the page

def render() -> None:
    st.title("Agreement")
    project = get_project()
    viewer = current_viewer()
    if not may_compare(viewer):
        show.info("Blind coding is on: agreement and the disagreement queue compare every coder's work, so "
                  "only the lead sees them (the lead can unblind the project).")
        return
    with project.session() as s:
        names = coder_names(s)
        coded = coders_with_codings(s)
        codes = {c.id: c.name for c in list_codes(s)}
    if len(coded) < 2:
        st.info("Agreement needs codings by at least two coders. Each coder codes the same transcripts on "
                "the Code page (with “Show other coders” off), then marks them done.")
        return
    chosen = _controls(project, names, coded, codes, viewer)
    if chosen is None:
        return
    options, unit = chosen
    view = st.segmented_control("Show", [AGREEMENT, QUEUE], default=AGREEMENT, required=True, key="ag_view",
                                label_visibility="collapsed")
    if view == QUEUE:
        _queue(project, options, viewer)
    else:
        _agreement(project, options, unit, viewer)
