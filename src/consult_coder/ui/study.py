"""The study the Analysis and Codebook pages read, kept between reruns, and the layer both pages count.

Loading a layer of a large project takes seconds, so a study is kept per project, revision
(``export.data_version``: any coding, code, transcript or audited change makes a new one), viewer,
layer and interviewer setting, and each table made from it per the controls it depends on: a toggle
recomputes only what it changes, and going back to an earlier choice recomputes nothing. Both
interviewer settings of a layer are loaded together, from one read (``load_studies``), so the first
"Include interviewer speech" toggle finds its study already kept.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd
import streamlit as st

from consult_coder.access import Viewer
from consult_coder.analysis import (
    Study,
    comparison_table,
    cooccurrence_matrix,
    exemplar_table,
    frequency_table,
    layer_label,
    load_studies,
    matrix_table,
    segments_per_code,
)
from consult_coder.export import data_version
from consult_coder.ui.state import current_coder, get_project

LAYER = "analysis_layer"  # the layer chosen last, on the Analysis or the Codebook page
STUDIES = 3  # layers kept at once: each holds both settings' codings and every transcript's text
TABLES = 32


@dataclass(frozen=True)
class StudyKey:
    """Names one study: the same key means the same codings, so the same tables."""

    location: str
    revision: tuple[object, ...]
    viewer: Viewer
    layer: str
    interviewer: bool


def page_viewer() -> Viewer:
    """Who reads the page. Until team login arrives the person at the machine leads a solo project and
    chooses which layer to read (blind coding is their own switch, on the Code page)."""
    return Viewer(current_coder(), role="lead", blind=False)


def study_key(viewer: Viewer, layer: str, interviewer: bool) -> StudyKey:
    """The key of the study as the project stands now (one small read of its revision)."""
    project = get_project()
    with project.session() as s:
        revision = data_version(s)
    return StudyKey(project.location, revision, viewer, layer, interviewer)


def choose_layer(layers: list[str], default: str, key: str, label: str, help: str) -> str:  # noqa: A002
    """A layer picker that starts on the layer chosen last on either page."""
    last = st.session_state.get(LAYER)
    if st.session_state.get(key) not in layers:
        st.session_state[key] = last if last in layers else default
    layer = st.selectbox(label, layers, format_func=layer_label, key=key, help=help)
    st.session_state[LAYER] = layer
    return layer


def study(key: StudyKey) -> Study:
    """The study itself, shared (not copied) by every rerun: callers never change it."""
    return _studies(replace(key, interviewer=False))[key.interviewer]


@st.cache_resource(max_entries=STUDIES, show_spinner="Loading the codings…")
def _studies(key: StudyKey) -> dict[bool, Study]:
    """Both interviewer settings of the key's layer (``key.interviewer`` is always False here)."""
    with get_project().session() as s:
        return load_studies(s, key.layer, viewer=key.viewer)


@st.cache_data(max_entries=TABLES, show_spinner=False)
def segment_counts(key: StudyKey) -> dict[str, int]:
    return segments_per_code(study(key))


@st.cache_data(max_entries=TABLES, show_spinner=False)
def frequency(key: StudyKey, by: str) -> pd.DataFrame:
    return frequency_table(study(key), by)


@st.cache_data(max_entries=TABLES, show_spinner=False)
def comparison(key: StudyKey, by: str, groups: tuple[str, str]) -> pd.DataFrame:
    return comparison_table(frequency(key, by), by, groups)


@st.cache_data(max_entries=TABLES, show_spinner=False)
def cooccurrence(key: StudyKey, mode: str) -> pd.DataFrame:
    return cooccurrence_matrix(study(key), mode)  # type: ignore[arg-type]


@st.cache_data(max_entries=TABLES, show_spinner=False)
def grid(key: StudyKey, binary: bool) -> pd.DataFrame:
    return matrix_table(study(key), binary=binary)


@st.cache_data(max_entries=TABLES, show_spinner=False)
def exemplars(key: StudyKey, code_id: str, by: str, per_group: int) -> pd.DataFrame:
    return exemplar_table(study(key), code_id, by, per_group=per_group)
