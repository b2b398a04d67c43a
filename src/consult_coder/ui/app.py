"""The Streamlit shell: sidebar (project location, coder) and the page list."""

from __future__ import annotations

import importlib

import streamlit as st

from consult_coder.ui.state import get_project

# (module under consult_coder.ui.pages, title, icon, url path). Each module has ``render()``.
PAGES: list[tuple[str, str, str, str]] = [
    ("transcripts", "Participants & transcripts", ":material/groups:", "transcripts"),
    ("coding", "Code", ":material/edit_note:", "code"),
    ("segments", "Coded segments", ":material/format_quote:", "segments"),
    ("codebook", "Codebook", ":material/menu_book:", "codebook"),
    ("analysis", "Analysis", ":material/bar_chart:", "analysis"),
    ("export", "Export", ":material/download:", "export"),
    ("importer", "Import", ":material/upload_file:", "import"),
]


def _page(module: str, title: str, icon: str, path: str) -> st.Page | None:
    try:
        mod = importlib.import_module(f"consult_coder.ui.pages.{module}")
    except ModuleNotFoundError:
        return None
    return st.Page(mod.render, title=title, icon=icon, url_path=path)


def _sidebar() -> None:
    from consult_coder.ui.sidebar import render_sidebar

    render_sidebar()


def main() -> None:
    st.set_page_config(page_title="consult-coder", page_icon=":material/forum:", layout="wide")
    get_project()  # opens (and migrates) the project before any page draws
    pages = [p for p in (_page(*spec) for spec in PAGES) if p is not None]
    nav = st.navigation(pages)
    _sidebar()
    nav.run()
