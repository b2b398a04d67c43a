"""Export: the Word report for the paper, tidy tables and REFI-QDA files (importing them is on the Import
page).

Files are made when a download button is clicked (not on every rerun) and cached by the data
version, so a second click, or a colleague's, is instant until something in the project changes.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from consult_coder.analysis import layer_options
from consult_coder.analysis.labels import layer_label
from consult_coder.codebook import has_codes
from consult_coder.errors import UserError
from consult_coder.export import (
    DEFAULT_TITLE,
    ExportOptions,
    check_layer,
    data_version,
    default_layer,
    export_file,
)
from consult_coder.export.files import file_name
from consult_coder.storage import Project, is_empty
from consult_coder.ui import render as show
from consult_coder.ui.render import md
from consult_coder.ui.state import current_viewer, get_project

BUTTONS: list[tuple[str, str, str, str]] = [  # kind, label, icon, help
    ("docx", "Word report", ":material/description:",
     "Summary, participants, theme-by-group table and chart, group comparison, quotes, codebook appendix"),
    ("theme-table", "Theme table only", ":material/table:",
     "One Word table (n (%) per group) with caption and note, to paste into a manuscript"),
    ("csv", "Codings (CSV)", ":material/csv:", "One row per coding, with the participant's attributes"),
    ("xlsx", "All tables (Excel)", ":material/grid_on:",
     "One sheet per table: codings, themes by group and role, comparison, co-occurrence, grid, codebook"),
    ("qdc", "Codebook (REFI .qdc)", ":material/menu_book:", "For NVivo, ATLAS.ti, MAXQDA, QualCoder …"),
    ("qdpx", "Project (REFI .qdpx)", ":material/folder_zip:",
     "Transcripts, codes and codings for other QDA software; union = every coder's codings"),
]


@st.cache_data(max_entries=16, show_spinner=False)
def _made(_project: Project, location: str, kind: str, options: ExportOptions,
          version: tuple[object, ...]) -> bytes:
    """The file's bytes; ``location`` and ``version`` are the cache key (the project is not hashed)."""
    with _project.session() as s:
        return export_file(s, kind, options).data


def _maker(project: Project, kind: str, options: ExportOptions,
           version: tuple[object, ...]) -> Callable[[], bytes]:
    return lambda: _made(project, project.location, kind, options, version)


def _downloads(project: Project, options: ExportOptions, version: tuple[object, ...], codes_exist: bool,
               has_data: bool) -> None:
    cols = st.columns(3)
    for i, (kind, label, icon, help_text) in enumerate(BUTTONS):
        usable = codes_exist if kind == "qdc" else has_data
        with cols[i % 3]:
            st.download_button(label, data=_maker(project, kind, options, version),
                               file_name=file_name(kind, options), mime=None, key=f"export-{kind}",
                               help=help_text, icon=icon, on_click="ignore", disabled=not usable,
                               type="primary" if kind == "docx" else "secondary", width="stretch")


def render() -> None:
    st.title("Export")
    project, viewer = get_project(), current_viewer()
    with project.session() as s:
        has_data = not is_empty(s)
        codes_exist = has_codes(s)
        layers = layer_options(s, viewer)
        default = default_layer(s, viewer)
        version = data_version(s)
    if not has_data:
        st.info("Nothing to export yet: import transcripts, or a REFI-QDA project, on the Import page.")
    if not layers:
        st.info("You have no codings to export yet: code some transcripts first.")
        return
    left, mid, right = st.columns([2, 2, 3])
    layer = left.selectbox("Whose codings", layers, index=layers.index(default), format_func=layer_label,
                           key="export-layer", help="One coder, the reconciled consensus, or every coder")
    include = mid.toggle("Include interviewer speech", value=False, key="export-interviewer",
                         help="Off: only what participants said counts (interviewer turns are left out)")
    title = right.text_input("Report title", value=DEFAULT_TITLE, key="export-title").strip() or DEFAULT_TITLE
    options = ExportOptions(layer=layer, include_interviewer=include, title=title, viewer=viewer)
    if has_data:
        try:
            with project.session() as s:
                check_layer(s, layer, viewer)
        except UserError as exc:
            show.warning(exc)
            has_data = False
    st.caption(md("Counting: {}; {}. Files are made when you click.", layer_label(layer).lower(),
                  "interviewer and participant speech" if include else "participant speech only"))
    _downloads(project, options, version, codes_exist, has_data)
    if viewer.is_lead:  # importing is the lead's (and refused to anyone else by the core)
        st.caption("To bring in a REFI-QDA project or codebook from other QDA software, use the Import page.")
