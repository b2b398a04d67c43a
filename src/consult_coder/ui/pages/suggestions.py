"""Page "Suggestions": review code suggestions one at a time, see how often each code's are right, and
teach them from your coding.

- **Review** — a queue per code: one open suggestion at a time in its turn, the evidence in bold;
  Accept (A), Reject (R), Next (N or J), Previous (K), or open it on the Code page; a code's open
  suggestions accepted all at once after a preview.
- **Quality** — precision, recall and F1 per code against finished transcripts (your own, or — for a
  lead or an unblinded coder — the consensus or another coder's), each code's false hits one click away.
- **Learn** — words and phrases typical of a code in the reference's coding, each one click from being
  a pattern; the local classifier trained, with its cross-validated figures.
- **Settings** — context sentences, the weigher, interviewer speech, an installed trained spaCy pipeline.

Suggestions are brought up to date first (only what changed is matched again), with a progress bar.
"""

from __future__ import annotations

import zlib
from itertools import groupby
from typing import Any

import streamlit as st

from consult_coder.access import Viewer
from consult_coder.codebook import list_codes
from consult_coder.errors import UserError
from consult_coder.suggestions import mining, review, store
from consult_coder.suggestions.quality import CodeQuality, QualityTable
from consult_coder.suggestions.rules import MAX_CONTEXT, MIN_EVIDENCE, WHOLE_ANSWER_EVIDENCE
from consult_coder.ui import render as show
from consult_coder.ui.component.review_keys import review_keys
from consult_coder.ui.navigation import open_in_context
from consult_coder.ui.render import Md, inert, md
from consult_coder.ui.state import current_coder, current_viewer, get_project
from consult_coder.ui.suggestion_refresh import ensure_fresh

SECTIONS = ("Review", "Quality", "Learn", "Settings")
SECTION_KEY = "suggest_section"
CODE_KEY = "suggest_code"  # the code whose queue is open
POS_KEY = "suggest_pos"  # where in that queue the reviewer is
SHOWN_KEY = "suggest_shown"  # the id of the suggestion the card last showed
KEYS_KEY = "suggest_keys"  # the keys component
KEY_ACTION = "suggest_key"  # a key pressed ({"key", "id"}), waiting to be carried out
NOTICE_KEY = "suggest_notice"  # (kind, text) to show after the rerun an action caused
BULK_KEY = "suggest_bulk"  # a bulk-accept preview: {"code", "ids", "sample"}
REF_KEY = "suggest_reference"
SOURCE_KEY = "suggest_source"
FALSE_KEY = "suggest_false_code"  # the code whose false hits are open
LEARN_CODE_KEY = "suggest_learn_code"
LEARN_REF_KEY = "suggest_learn_reference"
CAND_KEY = "suggest_candidates"  # {"reference", "code", "items", "added"}
TRAIN_REF_KEY = "suggest_train_reference"
PATTERN_NOTICE_KEY = "suggest_pattern_notice"  # what the pattern editor's last save said
SAMPLE = 10  # sentences listed in a bulk-accept preview
FALSE_SHOWN = 30  # false hits listed at most
WEAK = 0.5  # a code whose suggestions are right less often than this is flagged…
WEAK_MIN = 3  # …once it has made at least this many
SOURCE_LABELS = {"pattern": "codebook patterns", "classifier": "classifier (cross-validated)",
                 "keywords": "code-name keywords (baseline)"}


def _notice(key: str = NOTICE_KEY) -> None:
    """What the last action said (plain text: it may quote a code's or a coder's name)."""
    kind, text = st.session_state.pop(key, (None, ""))
    if kind == "error":
        show.error(text)
    elif kind == "info":
        show.info(text)
    elif kind:
        show.success(text)


def _call(action: Any, *args: Any, done: str = "") -> Any:
    """Run one core writer as one user action; a refusal becomes the notice, a success ``done``."""
    try:
        with get_project().session() as s:
            result = action(s, *args)
    except UserError as exc:
        st.session_state[NOTICE_KEY] = ("error", str(exc))
        return None
    if done:
        st.session_state[NOTICE_KEY] = ("success", done)
    return result


def _reference_label(viewer: Viewer, name: str) -> str:
    """Whose codings ``name`` are, as plain text (a select box's choice; md() makes it inert)."""
    if name == viewer.name:
        return f"your own codings ({name})"
    return "the consensus" if name == review.CONSENSUS else f"{name}'s codings"


# ---------------------------------------------------------------- the passage, as text

def _bold(text: str) -> Md:
    """The text in bold, its edge spaces kept outside the marks."""
    core = text.strip()
    if not core:
        return inert(text)
    head, tail = text[: len(text) - len(text.lstrip())], text[len(text.rstrip()):]
    return md("{}**{}**{}", head, core, tail)


def _joined(parts: list[Md]) -> Md:
    return md("{}" * len(parts), *parts)


def passage_markdown(passage: review.Passage) -> Md:
    """The passage as markdown: user text inert, the sentence shaded, the evidence in bold."""
    out = []
    for in_sentence, pieces in groupby(passage.pieces, key=lambda p: p.sentence):
        text = _joined([_bold(p.text) if p.evidence else inert(p.text) for p in pieces])
        out.append(md(":violet-background[{}]", text) if in_sentence else text)
    # where the turn was cut to a window, say so
    return md("{}{}{}", "… " if passage.cut_before else "", _joined(out), " …" if passage.cut_after else "")


def _evidence_words(passage: review.Passage) -> str:
    """The words that made the suggestion; those outside its sentence (a context suggestion) say so."""
    def quote(inside: bool) -> str:
        return " … ".join(f"“{p.text.strip()}”" for p in passage.pieces
                          if p.evidence and p.text.strip() and p.sentence == inside)

    own, near = quote(True), quote(False)
    return " and ".join(filter(None, (own, near and f"{near} in a sentence next to it"))) or \
        "the sentence as a whole"


def _show_passage(passage: review.Passage) -> None:
    who = " · ".join(x for x in (passage.speaker, passage.participant) if x)
    show.caption(md("{} · {}", passage.transcript, who) if who else inert(passage.transcript))
    show.markdown(passage_markdown(passage))


# ---------------------------------------------------------------- review: the queue

def _on_key() -> None:
    state = st.session_state.get(KEYS_KEY) or {}
    pressed = state.get("key") if hasattr(state, "get") else None
    if pressed is not None:
        st.session_state[KEY_ACTION] = pressed


def _decide(viewer: Viewer, suggestion_id: int, accept: bool, code: str) -> None:
    if accept:
        _call(store.accept, suggestion_id, viewer.name,
              done=f"Accepted: the sentence is coded {code} (undo it on the Code page).")
    else:
        _call(store.reject, suggestion_id, viewer.name, done=f"Rejected: {code} will not be suggested to "
                                                           "you for that sentence again.")


def _move(delta: int) -> None:
    st.session_state[POS_KEY] = max(0, st.session_state.get(POS_KEY, 0) + delta)


def _apply_key(viewer: Viewer, items: list[store.SuggestionView]) -> bool:
    """Carry out a key pressed in the queue on the suggestion that was on screen; True if it decided
    one. A key for a suggestion no longer open does nothing, and neither does one for a suggestion the
    card no longer shows: the keys can still name the card before when A follows N within one redraw,
    and deciding a suggestion the reviewer has moved away from would be worse than asking again."""
    pressed = st.session_state.pop(KEY_ACTION, None)
    if not isinstance(pressed, dict) or pressed.get("key") not in ("accept", "reject", "next", "previous"):
        return False
    if pressed["key"] in ("next", "previous"):
        _move(1 if pressed["key"] == "next" else -1)
        return False
    shown = next((v for v in items if v.id == pressed.get("id")), None)
    if shown is None:
        return False
    if shown.id != st.session_state.get(SHOWN_KEY):
        st.session_state[NOTICE_KEY] = ("info", "That key came as the card changed, so it decided nothing: "
                                                "press it again for the suggestion shown.")
        return False
    _decide(viewer, shown.id, pressed["key"] == "accept", shown.code)
    return True


def _reset_queue() -> None:
    st.session_state[POS_KEY] = 0
    st.session_state.pop(BULK_KEY, None)


def _choose_code(queues: list[review.CodeQueue]) -> review.CodeQueue:
    labels = {q.code_id: f"{q.code} — {q.open} open" for q in queues}
    if st.session_state.get(CODE_KEY) not in labels:
        with_open = [q.code_id for q in queues if q.open]
        st.session_state[CODE_KEY] = (with_open or list(labels))[0]
    c1, c2 = st.columns([3, 2], vertical_alignment="bottom")
    code_id = c1.selectbox("Code", list(labels), format_func=labels.__getitem__, key=CODE_KEY,
                           on_change=_reset_queue)
    queue = next(q for q in queues if q.code_id == code_id)
    done = queue.decided / queue.total if queue.total else 1.0
    c2.progress(done, text=md("{} of {} suggestions of this code decided", queue.decided, queue.total))
    return queue


def _card(viewer: Viewer, items: list[store.SuggestionView], pos: int) -> None:
    item = items[pos]
    st.session_state[SHOWN_KEY] = item.id
    with get_project().session() as s:
        passage = review.in_context(s, item.transcript_id, item.start, item.end, item.evidence)
    with st.container(border=True, key="suggest_card"):
        sources = " and ".join(item.sources)
        show.caption(md("Suggestion {} of {} open · from {}", pos + 1, len(items), sources))
        _show_passage(passage)
        show.markdown(md("Suggested: **{}** — because: {}", item.code, _evidence_words(passage)))
        b1, b2, b3, b4, b5 = st.columns([1, 1, 1, 1, 1.6])
        b1.button("Accept", key="suggest_accept", type="primary", icon=":material/check:", width="stretch",
                  on_click=_decide, args=(viewer, item.id, True, item.code), help="Code this sentence (A)")
        b2.button("Reject", key="suggest_reject", icon=":material/close:", width="stretch",
                  on_click=_decide, args=(viewer, item.id, False, item.code),
                  help="Never suggest this code here to you again (R)")
        b3.button("Previous", key="suggest_prev", icon=":material/chevron_left:", width="stretch",
                  on_click=_move, args=(-1,), disabled=pos == 0, help="K")
        b4.button("Next", key="suggest_next", icon=":material/chevron_right:", width="stretch",
                  on_click=_move, args=(1,), disabled=pos >= len(items) - 1, help="N or J")
        if b5.button("Open in context", key="suggest_open", icon=":material/open_in_new:", width="stretch"):
            open_in_context(item.transcript_id, item.start)
    review_keys(item.id, key=KEYS_KEY, on_key=_on_key)


def _preview_bulk(viewer: Viewer, code_id: str) -> None:
    with get_project().session() as s:
        views = store.bulk_preview(s, code_id, viewer.name, viewer=viewer)
    st.session_state[BULK_KEY] = {"code": code_id, "ids": [v.id for v in views],
                                  "sample": [(v.transcript, v.sentence) for v in views[:SAMPLE]]}


def _bulk(viewer: Viewer, queue: review.CodeQueue) -> None:
    """Accept a code's open suggestions all at once, after seeing how many and which. The preview is
    drawn below the expander, in a box of its own, so a rerun that closes the expander cannot hide it."""
    with st.expander(md("Accept all open suggestions of {}", queue.code), icon=":material/done_all:"):
        st.caption("Preview first: accepting codes exactly the sentences listed, as you, with origin "
                   "“suggested” (each can be undone or adjusted on the Code page).")
        st.button("Preview", key="suggest_bulk_preview", icon=":material/visibility:",
                  on_click=_preview_bulk, args=(viewer, queue.code_id))
    preview = st.session_state.get(BULK_KEY)
    if not preview or preview["code"] != queue.code_id:
        return
    with st.container(border=True, key="suggest_bulk_box"):
        n = len(preview["ids"])
        if not n:
            st.info("Nothing is open for this code.")
            return
        show.markdown(md("**{}** sentence{} would be coded **{}**:", n, "s" if n != 1 else "", queue.code))
        for title, sentence in preview["sample"]:
            show.markdown(md("- {} — *{}*", sentence, title))
        if n > SAMPLE:
            show.caption(md("… and {} more.", n - SAMPLE))
        c1, c2 = st.columns([1, 4])
        if c1.button(md("Accept these {}", n), key="suggest_bulk_accept", type="primary"):
            coded = _call(store.bulk_accept, queue.code_id, viewer.name, preview["ids"])
            if coded is not None:
                st.session_state[NOTICE_KEY] = ("success", f"Coded {len(coded)} sentence(s) {queue.code}.")
            st.session_state.pop(BULK_KEY, None)
            st.rerun()
        if c2.button("Cancel", key="suggest_bulk_cancel"):
            st.session_state.pop(BULK_KEY, None)
            st.rerun()


def _review(viewer: Viewer) -> None:
    with get_project().session() as s:
        queues = review.review_queues(s, viewer)
    if not queues:
        st.info("There are no codes yet: add them (with patterns) on the Codebook page.")
        return
    queue = _choose_code(queues)
    with get_project().session() as s:
        items = review.pending_for(s, viewer, code_id=queue.code_id)
    if _apply_key(viewer, items):
        with get_project().session() as s:
            items = review.pending_for(s, viewer, code_id=queue.code_id)
    _notice()
    if not items:
        show.success(f"Nothing left to review for {queue.code}.")
        review_keys(None, key=KEYS_KEY, on_key=_on_key)
        return
    pos = min(st.session_state.get(POS_KEY, 0), len(items) - 1)
    st.session_state[POS_KEY] = pos
    _card(viewer, items, pos)
    _bulk(viewer, queue)


# ---------------------------------------------------------------- quality

def _references(viewer: Viewer, key: str, label: str) -> str | None:
    with get_project().session() as s:
        refs = review.references(s, viewer)
    if not refs:
        st.info("Quality is measured on finished transcripts only: mark the transcripts you have coded "
                "as done on the Code page (“Mark transcript done”).")
        return None
    return st.selectbox(label, refs, key=key,
                        format_func=lambda n: _reference_label(viewer, n))


def _figure(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def _quality_row(row: CodeQuality, pattern: bool, strong: bool = False) -> None:
    cols = st.columns([2.6, 1, 1, 1, 1, 1, 1, 1.6], vertical_alignment="center")
    weak = row.precision is not None and row.precision < WEAK and row.suggested >= WEAK_MIN
    name = md("**{}**", row.code) if strong else (md(":material/warning: {}", row.code) if weak
                                                     else inert(row.code))
    cols[0].markdown(name, help="Fewer than half of this code's suggestions are right" if weak else None)
    # the macro row is a mean over codes: it has no counts of its own
    counts = ("", "", "") if row.code_id == "macro" else (row.suggested, row.coded, row.tp)
    for col, value in zip(cols[1:7], (*counts, _figure(row.precision), _figure(row.recall), _figure(row.f1)),
                          strict=True):
        if value != "":
            col.markdown(md("**{}**", value) if strong else inert(value))
    if pattern and not strong and row.fp:
        cols[7].button(md("{} false hit{}", row.fp, "s" if row.fp != 1 else ""),
                       key=f"suggest_false_{row.code_id}", on_click=_open_false_hits, args=(row.code_id,),
                       icon=":material/search:", width="stretch")


def _open_false_hits(code_id: str) -> None:
    st.session_state[FALSE_KEY] = code_id


def _quality_table(table: QualityTable, pattern: bool) -> None:
    head = st.columns([2.6, 1, 1, 1, 1, 1, 1, 1.6])
    for col, label in zip(head, ("Code", "Suggested", "Coded", "Right", "Precision", "Recall", "F1",
                                 "False hits" if pattern else ""), strict=True):
        show.caption(inert(label), where=col)
    for row in table.rows:
        _quality_row(row, pattern)
    st.divider()
    for row in (table.micro, table.macro):
        if row is not None:
            _quality_row(row, pattern, strong=True)


def _false_hits(viewer: Viewer, reference: str, table: QualityTable) -> None:
    code_id = st.session_state.get(FALSE_KEY)
    row = next((r for r in table.rows if r.code_id == code_id), None)
    if row is None:
        return
    with get_project().session() as s:
        hits = review.false_hits_for(s, viewer, reference, row.code_id)
        passages = [review.in_context(s, h.transcript_id, h.start, h.end, h.evidence, window=160)
                    for h in hits[:FALSE_SHOWN]]
    st.subheader(md("False hits of {}", row.code), anchor=False)
    first = md(" (first {} shown)", FALSE_SHOWN) if len(hits) > FALSE_SHOWN else md("")
    show.caption(md("{} sentence(s) suggested for this code that {} did not code with it{}. The words in "
                    "bold made the suggestion: fix or remove the pattern behind them below.",
                    len(hits), _reference_label(viewer, reference), first))
    _pattern_editor(viewer, row.code_id)
    for i, (hit, passage) in enumerate(zip(hits, passages, strict=False)):
        with st.container(border=True):
            _show_passage(passage)
            if st.button("Open in context", key=f"suggest_false_open_{i}", icon=":material/open_in_new:"):
                open_in_context(hit.transcript_id, hit.start)


def _pattern_editor(viewer: Viewer, code_id: str) -> None:
    """A code's patterns to edit as text, right where their false hits or candidates are shown; an
    invalid pattern is refused with one line and changes nothing."""
    with get_project().session() as s:
        code = next((c for c in list_codes(s) if c.id == code_id), None)
    if code is None:
        return
    shown = review.patterns_text(code.patterns)
    noticed = PATTERN_NOTICE_KEY in st.session_state
    with st.expander(md("Edit the patterns of {}", code.name), icon=":material/edit:", expanded=noticed):
        with st.form(f"suggest_patterns_{code_id}", border=False):
            # keyed by what is stored: a save shows the stored form, a refusal keeps what was typed
            text = st.text_area(
                "Patterns (a JSON list, one pattern a line)", shown, height=180,
                key=f"suggest_patterns_{code_id}_{zlib.crc32(shown.encode())}",
                help='A phrase in quotes ("further than this room") matches those words in any case; a '
                     'token pattern in spaCy\'s conventions ([{"LEMMA": "hear"}, {"LOWER": "me"}]) matches '
                     "token by token, LEMMA for every form of a word.")
            saved = st.form_submit_button("Save patterns", type="primary", disabled=not viewer.is_lead)
        if not viewer.is_lead:
            st.caption("Only the project's lead changes the codebook's patterns.")
        _notice(PATTERN_NOTICE_KEY)
    if saved:
        try:
            with get_project().session() as s:
                review.edit_patterns(s, viewer, code_id, text)
        except UserError as exc:
            st.session_state[PATTERN_NOTICE_KEY] = ("error", str(exc))
        else:
            done = f"Saved the patterns of {code.name}; its suggestions are matched again."
            st.session_state[PATTERN_NOTICE_KEY] = ("success", done)
        st.rerun()


def _units(table: QualityTable, viewer: Viewer) -> Md:
    return md("Against {}: {} finished transcript(s), {} sentences of participant speech. Each (sentence, "
              "code) is one decision: **Suggested** and **Coded** count sentences, **Right** those both "
              "suggested and coded. Precision = right ÷ suggested (how often a suggestion is right), "
              "recall = right ÷ coded (how much of the coding the suggestions find), F1 their harmonic "
              "mean; micro pools all codes, macro is the mean over codes. A dash: nothing to divide by.",
              _reference_label(viewer, table.reference), table.transcripts, f"{table.sentences:,}")


def _quality(viewer: Viewer) -> None:
    c1, c2 = st.columns([1.5, 3.5])
    with c1:
        reference = _references(viewer, REF_KEY, "Measured against")
    if reference is None:
        return
    source = c2.radio("Suggestions from", list(SOURCE_LABELS), key=SOURCE_KEY, horizontal=True,
                      format_func=SOURCE_LABELS.__getitem__)
    try:
        with get_project().session() as s:
            table = review.quality_for(s, viewer, reference, source)
    except UserError as exc:
        show.info(exc)
        return
    show.caption(_units(table, viewer))
    _quality_table(table, pattern=source == "pattern")
    _for_scale(viewer, reference)
    if source == "pattern":
        _false_hits(viewer, reference, table)


def _for_scale(viewer: Viewer, reference: str) -> None:
    """How far a person agrees with the reference by the same measure, where a second coder finished."""
    with get_project().session() as s:
        people = review.people_for_scale(s, viewer, reference)
    for name, table in people:
        m = table.micro
        show.caption(md(":material/group: For scale, the same measure applied to a person: {} "
                        "against {} on the {} transcript(s) both finished reach micro precision {}, "
                        "recall {}, F1 {}.",
                        _reference_label(viewer, name), _reference_label(viewer, reference),
                        table.transcripts, _figure(m.precision), _figure(m.recall), _figure(m.f1)))


# ---------------------------------------------------------------- learn: candidates and the classifier

def _add_candidate(viewer: Viewer, code_id: str, candidate: mining.Candidate, code: str) -> None:
    added = _call(mining.add_pattern, code_id, candidate.pattern, viewer.name,
                  done=f"“{candidate.text}” is now a pattern of {code}; "
                       "its suggestions are matched again.")
    if added is not None:
        st.session_state[CAND_KEY]["added"].append(candidate.text)


def _candidates(viewer: Viewer) -> None:
    st.subheader("Words typical of a code", anchor=False)
    st.caption("Mined from the reference's finished transcripts: lemmas and word pairs far more common "
               "in the code's sentences than elsewhere (weighted log-odds with an informative prior; "
               "z above about 2 is notable). Each can become a pattern of the code in one click.")
    with get_project().session() as s:
        codes = {c.id: c for c in list_codes(s) if not c.archived}
    if not codes:
        return
    c1, c2 = st.columns(2)
    code_id = c1.selectbox("Code", list(codes), key=LEARN_CODE_KEY, format_func=lambda c: codes[c].name)
    with c2:
        reference = _references(viewer, LEARN_REF_KEY, "Learn from")
    if reference is None:
        return
    show.caption(md("{} has {} pattern(s) now.", codes[code_id].name, len(codes[code_id].patterns)))
    _pattern_editor(viewer, code_id)
    if st.button("Find candidate words", key="suggest_mine", icon=":material/manage_search:"):
        with st.spinner("Reading the coded sentences…"):
            items = _call(review.candidates_for, viewer, reference, code_id)
        st.session_state[CAND_KEY] = {"reference": reference, "code": code_id, "items": items or [],
                                      "added": []}
    found = st.session_state.get(CAND_KEY)
    if not found or (found["reference"], found["code"]) != (reference, code_id):
        return
    _notice()
    if not found["items"]:
        st.info("No word stands out for this code yet: code more sentences with it and try again.")
    for cand in found["items"]:
        cols = st.columns([3, 1, 1.4, 1.4, 1.6], vertical_alignment="center")
        cols[0].markdown(md("**{}**", cand.text))
        cols[1].caption(md("z {}", f"{cand.z:.1f}"))
        cols[2].caption(md("in {} coded", cand.in_coded))
        cols[3].caption(md("in {} others", cand.in_other))
        if cand.text in found["added"]:
            cols[4].caption(":material/check: added")
        else:
            cols[4].button("Add as pattern", key=f"suggest_add_{cand.text}", icon=":material/add:",
                           width="stretch", on_click=_add_candidate, disabled=not viewer.is_lead,
                           args=(viewer, code_id, cand, codes[code_id].name))


def _train(viewer: Viewer, reference: str) -> None:
    bar = st.progress(0.0, text="Training the classifier…")

    def step(done: int, total: int, what: str) -> None:
        bar.progress(min(1.0, done / total) if total else 1.0, text=md("Training the classifier: {}", what))

    _call(review.train_for, viewer, reference, step,
          done=f"Trained on {_reference_label(viewer, reference)}; its cross-validated figures are below.")
    bar.empty()


def _classifier(viewer: Viewer) -> None:
    st.subheader("Local classifier", anchor=False)
    st.caption("An optional second source of suggestions: a small spaCy text classifier trained here, on "
               "this machine, on one coder's finished transcripts. Its figures are cross-validated across "
               "transcripts (never scored on sentences it learnt from). Its suggestions are offered to the "
               "coder whose codings it learnt from, and to nobody else.")
    reference = _references(viewer, TRAIN_REF_KEY, "Train on")
    if reference is None:
        return
    if st.button(md("Train on {}", _reference_label(viewer, reference)), key="suggest_train",
                 icon=":material/model_training:"):
        _train(viewer, reference)
    _notice()
    with get_project().session() as s:
        trained = review.classifier_trained(s, viewer, reference)
        table = review.quality_for(s, viewer, reference, "classifier") if trained else None
    if table is None:
        st.caption("Not trained on these codings yet.")
        return
    show.caption(_units(table, viewer))
    _quality_table(table, pattern=False)


# ---------------------------------------------------------------- settings

def _settings(viewer: Viewer) -> None:
    with get_project().session() as s:
        conf = store.settings(s)
    installed = review.installed_pipelines()
    pipelines = ["", *installed] if conf.pipeline in ("", *installed) else ["", conf.pipeline, *installed]
    lead = viewer.is_lead
    with st.form("suggest_settings"):
        context = st.number_input(
            "Passages: sentences after a match also suggested (0: each match on its own sentence)",
            min_value=0, max_value=MAX_CONTEXT, value=conf.context, step=1,
            help=md("Coders code passages, so from 1 on a match's code also reaches this many sentences "
                    "after it in the same answer. An answer is then read as a whole: a code is suggested "
                    "there only on {} pieces of evidence, or when the question before it asked about the "
                    "code, and {} make the whole answer the code's. At 0, every match is suggested on its "
                    "own sentence, a lone word too.", MIN_EVIDENCE, WHOLE_ANSWER_EVIDENCE))
        weigh = st.toggle(
            "Let the trained weigher decide (shipped codebook's codes)", value=conf.weigh,
            key="suggest_weigh",
            help="A small model trained on coded consultations weighs the patterns' matches together with "
                 "the words around them, in answers where a code's patterns matched (docs/suggestions.md, "
                 "'The weigher'). Off: the passage rules alone. It applies with passages (1 or more) and "
                 "only to codes whose id and name are the shipped codebook's.")
        all_speakers = st.toggle("Read interviewer speech too", value=conf.all_speakers,
                                 key="suggest_all_speakers")
        pipeline = st.selectbox("spaCy pipeline", pipelines, index=pipelines.index(conf.pipeline),
                                format_func=lambda p: p or "built-in blank English (nothing to install)",
                                help="A trained pipeline installed with pip may be chosen; none is ever "
                                     "downloaded.")
        saved = st.form_submit_button("Save", disabled=not lead, type="primary")
    if not lead:
        st.caption("Only a lead changes the project's suggestion settings.")
    if saved:
        _save_settings(viewer, int(context), all_speakers, pipeline, weigh)
        st.rerun()
    _notice()


def _save_settings(viewer: Viewer, context: int, all_speakers: bool, pipeline: str, weigh: bool) -> None:
    def save(s: Any) -> None:
        store.set_context(s, context, viewer.name)
        store.set_weigh(s, weigh, viewer.name)
        store.set_all_speakers(s, all_speakers, viewer.name)
        store.choose_pipeline(s, pipeline, viewer.name)

    _call(save, done="Saved: the suggestions are matched again.")


# ---------------------------------------------------------------- the page

def render() -> None:
    st.title("Suggestions")
    coder = current_coder()
    if not coder:
        st.info("Choose who is coding first: pick your name under **Coder** in the sidebar "
                "(or add yourself as a new coder).")
        return
    viewer = current_viewer()
    if not ensure_fresh(get_project()):
        return
    section = st.segmented_control("Section", SECTIONS, default=SECTIONS[0], key=SECTION_KEY, required=True,
                                   label_visibility="collapsed")
    {"Review": _review, "Quality": _quality, "Learn": _learn, "Settings": _settings}[section](viewer)


def _learn(viewer: Viewer) -> None:
    _candidates(viewer)
    st.divider()
    _classifier(viewer)
