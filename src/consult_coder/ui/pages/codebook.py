"""Page "Codebook": the code tree with colours and counts, and every edit a team makes while coding.

All changes go through ``consult_coder.codebook_edit`` (one audited, versioned unit of work each); this
page only gathers choices. Deleting a code that has codings asks first what happens to them.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from consult_coder import codebook_edit as ce
from consult_coder.access import Viewer
from consult_coder.analysis import default_layer, layer_label, layer_options
from consult_coder.codebook import (
    CodeView,
    apply_codebook,
    codebook_from_store,
    codebook_version,
    read_codebook_bytes,
    to_csv,
    to_yaml,
)
from consult_coder.errors import UserError
from consult_coder.memos import list_memos, set_memo
from consult_coder.ui import render as show
from consult_coder.ui import study
from consult_coder.ui.render import Md, md
from consult_coder.ui.state import current_coder, current_viewer, get_project, in_session

FLASH = "cb_flash"
SELECTED = "cb_selected"
NEW_FIELDS = ("cb_new_name", "cb_new_colour", "cb_new_parent", "cb_new_definition", "cb_new_when_to_use",
              "cb_new_when_not_to_use", "cb_new_example")
TEXTS = (("definition", "Definition"), ("when_to_use", "When to use"),
         ("when_not_to_use", "When not to use"), ("example", "Example"))
DELETE_CHOICES = {
    "reassign": "Reassign its codings to another code, then delete this code",
    "archive": "Archive this code: keep its codings for analysis, hide it from the coding palette",
}


def _run(action: Callable[[], str | None], done: str) -> None:
    """Do one change; on bad input show the one-line reason, else rerun with a confirmation."""
    try:
        message = action()
    except UserError as exc:
        show.error(exc)
        return
    st.session_state[FLASH] = message or done
    st.rerun()


def _tree_md(nodes: list[ce.CodeNode]) -> Md:
    lines = []
    for n in nodes:
        count = f"{n.count}" + (f" · {n.total} with sub-codes" if n.children else "")
        archived = Md(" *(archived)*" if n.code.archived else "")
        lines.append(md("{}{}{}{} ({})", show.indent(n.depth), show.swatch(n.code.display_colour),
                        n.code.name, archived, count))
    return Md("  \n".join(lines))


def _label(n: ce.CodeNode) -> str:
    return "\u2003" * n.depth + n.code.name + (" (archived)" if n.code.archived else "")


def _new_code(coder: str, live: list[ce.CodeNode]) -> None:
    if st.session_state.pop("cb_new_reset", False):
        for key in NEW_FIELDS:
            st.session_state.pop(key, None)
    labels = {n.id: _label(n) for n in live}
    with st.expander("New code", expanded=not live, icon=":material/add:"), st.form("cb_new"):
        name = st.text_input("Name", key="cb_new_name")
        colour = st.color_picker("Colour", "#4e79a7", key="cb_new_colour")
        parent = st.selectbox("Inside", ["", *labels], format_func=lambda c: labels.get(c, "(top level)"),
                              key="cb_new_parent")
        texts = {f: st.text_area(label, key=f"cb_new_{f}", height=80) for f, label in TEXTS}
        if st.form_submit_button("Create code", type="primary"):
            def create() -> str:
                new_id = in_session(ce.create_code, name=name, colour=colour, parent_id=parent or None,
                                    actor=coder, **texts)
                st.session_state["cb_select_next"] = new_id
                st.session_state["cb_new_reset"] = True
                return f"Created code “{name.strip()}” ({new_id})."
            _run(create, "")


def _details(coder: str | None, code: CodeView, version: str) -> None:
    # The version in the keys makes the form show fresh values after any codebook change.
    key = f"{code.id}_{version}"
    with st.form(f"cb_edit_{key}"):
        name = st.text_input("Name", code.name, key=f"cb_name_{key}", disabled=not coder,
                             help="Renaming keeps the code's id and all its codings.")
        colour = st.color_picker("Colour", code.display_colour, key=f"cb_colour_{key}", disabled=not coder)
        texts = {f: st.text_area(label, getattr(code, f), key=f"cb_{f}_{key}", height=90, disabled=not coder)
                 for f, label in TEXTS}
        if st.form_submit_button("Save changes", type="primary", disabled=not coder):
            def save() -> str:
                changed = in_session(ce.update_code, code.id, coder, name=name, colour=colour, **texts)
                return f"Saved “{name.strip()}”." if changed else "Nothing had changed."
            _run(save, "")


def _place(coder: str | None, n: ce.CodeNode, live: list[ce.CodeNode]) -> None:
    name = n.code.name
    up, down = st.columns(2)
    if up.button("Move up", key=f"cb_up_{n.id}", icon=":material/arrow_upward:", disabled=not coder):
        _run(lambda: in_session(ce.nudge, n.id, -1, coder), f"Moved “{name}” up.")
    if down.button("Move down", key=f"cb_down_{n.id}", icon=":material/arrow_downward:", disabled=not coder):
        _run(lambda: in_session(ce.nudge, n.id, 1, coder), f"Moved “{name}” down.")
    inside = {d.id for d in n.walk()}  # a code cannot go under itself or its own sub-codes
    labels = {c.id: _label(c) for c in live if c.id not in inside}
    options = ["", *labels]
    current = n.code.parent_id or ""
    parent = st.selectbox("Nest inside", options, index=options.index(current) if current in options else 0,
                          format_func=lambda c: labels.get(c, "(top level)"), key=f"cb_parent_{n.id}")
    if st.button("Move", key=f"cb_move_{n.id}", disabled=not coder):
        _run(lambda: in_session(ce.move_code, n.id, parent or None, coder), f"Moved “{name}”.")


def _merge(coder: str | None, n: ce.CodeNode, live: list[ce.CodeNode]) -> None:
    name = n.code.name
    labels = {c.id: _label(c) for c in live if c.id != n.id}
    if not labels:
        st.info("There is no other code to merge into.")
        return
    target = st.selectbox("Merge into", list(labels), format_func=labels.get, key=f"cb_merge_to_{n.id}")
    into = labels[target].strip()
    st.caption(md("All {} codings of “{}” move to the chosen code (a coder's identical span is kept once), "
                  "its memos are appended to that code's, its sub-codes move under it, and “{}” is then "
                  "deleted. The audit trail keeps its definition.", n.count, name, name))
    sure = st.checkbox(md("Yes, merge “{}” into “{}”", name, into), key=f"cb_merge_ok_{n.id}",
                       disabled=not coder)
    if st.button("Merge", key=f"cb_merge_{n.id}", type="primary", disabled=not (coder and sure)):
        def merge() -> str:
            r = in_session(ce.merge_codes, n.id, target, coder)
            return (f"Merged “{name}” into “{into}”: {len(r['moved'])} codings moved, "
                    f"{len(r['dropped'])} duplicates combined.")
        _run(merge, "")


def _restore(coder: str | None, n: ce.CodeNode) -> None:
    st.info(md("“{}” is archived: its {} codings are kept and it is hidden from the palette.", n.code.name,
               n.count))
    if st.button("Restore to the palette", key=f"cb_restore_{n.id}", disabled=not coder):
        _run(lambda: in_session(ce.restore_code, n.id, coder), f"Restored “{n.code.name}”.")


def _what_happens_to_codings(coder: str | None, n: ce.CodeNode,
                             live: list[ce.CodeNode]) -> tuple[str | None, str | None, bool]:
    """For a code with codings: reassign them (to which code) or archive; and whether that is chosen."""
    choices = [c for c in DELETE_CHOICES if not (n.code.archived and c == "archive")]
    plural = "s" if n.count != 1 else ""
    choice = st.radio(md("“{}” has {} coding{}. What should happen to them?", n.code.name, n.count, plural),
                      choices,
                      index=None, format_func=DELETE_CHOICES.get, key=f"cb_delete_how_{n.id}",
                      disabled=not coder)
    target = None
    if choice == "reassign":
        labels = {c.id: _label(c) for c in live if c.id != n.id}
        target = st.selectbox("Reassign to", list(labels), index=None, format_func=labels.get,
                              placeholder="Choose a code", key=f"cb_delete_to_{n.id}")
    return choice, target, choice == "archive" or (choice == "reassign" and target is not None)


def _delete(coder: str | None, n: ce.CodeNode, live: list[ce.CodeNode]) -> None:
    name = n.code.name
    if n.code.archived:
        _restore(coder, n)
    if n.count == 0:
        st.caption(md("No coding uses “{}”: deleting removes it (its sub-codes move up a level).", name))
        choice, target, ready = None, None, True
    else:
        choice, target, ready = _what_happens_to_codings(coder, n, live)
    archive = choice == "archive"
    sure = st.checkbox(md("Yes, {} “{}”", "archive" if archive else "delete", name),
                       key=f"cb_delete_ok_{n.id}", disabled=not (coder and ready))
    if st.button("Archive code" if archive else "Delete code", key=f"cb_delete_{n.id}",
                 type="primary", icon=":material/delete:", disabled=not (coder and ready and sure)):
        def delete() -> str:
            outcome = in_session(ce.delete_code, n.id, coder, on_codings=choice, reassign_to=target)
            to = next((c.code.name for c in live if c.id == target), "")
            return {"deleted": f"Deleted “{name}”.", "archived": f"Archived “{name}”; codings kept.",
                    "reassigned": f"Moved the codings of “{name}” to “{to}” and deleted it."}[outcome]
        _run(delete, "")


def _memos(coder: str | None, code_id: str, viewer: Viewer) -> None:
    views = in_session(list_memos, "code", code_id, viewer=viewer)
    mine = next((m.text for m in views if coder and m.coder == coder), "")
    if coder:
        text = st.text_area("Your memo on this code", mine, key=f"cb_memo_{code_id}_{coder}", height=120)
        if st.button("Save memo", key=f"cb_memo_save_{code_id}"):
            _run(lambda: in_session(set_memo, "code", code_id, coder, text) and None, "Memo saved.")
    for m in views:
        if m.coder != coder:
            show.markdown(md("**{}**: {}", m.coder or "Team", m.text))


def _import_export(coder: str | None, codes_exist: bool) -> None:
    with st.expander("Import / export codebook", icon=":material/swap_vert:"):
        upload = st.file_uploader("Codebook file (YAML or CSV)", type=["yaml", "yml", "csv"], key="cb_upload")
        if upload is not None and st.button("Import codebook", key="cb_import", disabled=not coder):
            def load() -> str:
                book = read_codebook_bytes(upload.getvalue(), upload.name)
                result = in_session(apply_codebook, book, coder)
                return (f"Imported {upload.name}: {len(result['added'])} codes added, "
                        f"{len(result['updated'])} updated.")
            _run(load, "")
        if codes_exist:
            book = in_session(codebook_from_store)
            c1, c2 = st.columns(2)
            c1.download_button("Download YAML", to_yaml(book), "codebook.yaml", "application/x-yaml")
            c2.download_button("Download CSV", to_csv(book), "codebook.csv", "text/csv")


def _layer_counts(codes_exist: bool) -> tuple[str, dict[str, int]]:
    """The layer the tree counts (the one chosen last here or on the Analysis page) and its coded
    segments per code, read from the very study the Analysis page reads: the same number on both."""
    viewer = current_viewer()
    with get_project().session() as s:
        layers, default = layer_options(s, viewer), default_layer(s, viewer)
        if not (codes_exist and default):
            return "", {}
        layer = study.choose_layer(layers, default, "cb_layer", "Count the coded segments of",
                                   "The same layer and count as on the Analysis page (participant speech).")
    key = study.study_key(viewer, layer, False)
    try:
        counts = study.segment_counts(key)
    except UserError as exc:
        st.caption(md("{}. Counts below are 0.", exc))
        return layer_label(layer).lower(), {}
    st.caption(md("Counts: segments coded in participant speech, {}, as on the Analysis page.",
                  layer_label(layer).lower()))
    return layer_label(layer).lower(), counts


def render() -> None:
    st.title("Codebook")
    project, me, viewer = get_project(), current_coder(), current_viewer()
    coder = me if viewer.is_lead else None  # who may edit: the codebook is the lead's
    if message := st.session_state.pop(FLASH, None):
        show.success(message)
    if not me:
        st.info("Choose who you are in the sidebar to change the codebook; until then it is read-only.")
    elif not coder:
        st.info("The codebook is the lead's to change: you can read it and keep your own memos on codes.")
    show_archived = st.toggle("Show archived codes", key="cb_show_archived")
    with project.session() as s:
        nodes = [n for root in ce.codebook_tree(s, include_archived=show_archived, viewer=viewer)
                 for n in root.walk()]
        version = codebook_version(s)
    live = [n for n in nodes if not n.code.archived]
    left, right = st.columns([2, 3], gap="large")
    with left:
        layer, counted = _layer_counts(bool(nodes))
        if nodes:
            with project.session() as s:
                tree = ce.codebook_tree(s, include_archived=show_archived, viewer=viewer, counts=counted)
                shown = [n for root in tree for n in root.walk()]
            show.markdown(_tree_md(shown), html=True)
        else:
            st.info("No codes yet: create one, or import a codebook file.")
        if coder:
            _new_code(coder, live)
        _import_export(coder, bool(nodes))
    if not nodes:
        return
    with right:
        if pending := st.session_state.pop("cb_select_next", None):
            st.session_state[SELECTED] = pending
        by_id = {n.id: n for n in nodes}
        if st.session_state.get(SELECTED) not in by_id:
            st.session_state.pop(SELECTED, None)
        chosen = st.selectbox("Code", list(by_id), format_func=lambda c: _label(by_id[c]), key=SELECTED)
        n = by_id[chosen]
        show.markdown(md("### {}{}", show.swatch(n.code.display_colour), n.code.name), html=True)
        st.caption(md("id {} · {} segments in {} · {} codings by all coders · codebook version {}", n.id,
                      counted.get(n.id, 0), layer, n.count, version))
        tabs = st.tabs(["Details", "Place in tree", "Merge", "Delete", "Memos"])
        details, place, merge, delete, notes = tabs
        with details:
            _details(coder, n.code, version)
        with place:
            _place(coder, n, live)
        with merge:
            _merge(coder, n, live)
        with delete:
            _delete(coder, n, live)
        with notes:
            _memos(me, n.id, viewer)
