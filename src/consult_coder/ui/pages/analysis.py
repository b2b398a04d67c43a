"""Analysis: themes by youth vs clinician (or any attribute), co-occurrence, the participant grid and
exemplar quotes. Every number comes from consult_coder.analysis; this page only lays it out."""

from __future__ import annotations

from collections.abc import Callable

import altair as alt
import pandas as pd
import streamlit as st

from consult_coder import charts
from consult_coder.analysis import (
    MODES,
    Study,
    attribute_label,
    attribute_options,
    comparison_table,
    cooccurrence_matrix,
    default_layer,
    exemplar_table,
    format_odds_ratio,
    frequency_table,
    layer_label,
    layer_options,
    load_study,
    matrix_table,
    split_values,
    with_labels,
)
from consult_coder.coding import set_pinned
from consult_coder.errors import UserError
from consult_coder.storage import is_empty
from consult_coder.ui.render import escape_md
from consult_coder.ui.state import current_coder, current_viewer, get_project, in_session

PCT = st.column_config.NumberColumn(format="%.1f%%")
P = st.column_config.NumberColumn(format="%.3f")


def _controls(layers: list[str], default: str, attributes: list[str]) -> tuple[str, str, bool]:
    left, middle, right = st.columns([2, 2, 1.4], vertical_alignment="bottom")
    layer = left.selectbox("Whose codings count", layers, index=layers.index(default),
                           format_func=layer_label, key="an_layer",
                           help="One coder, the reconciled consensus, or the union of all coders "
                           "(a passage counts if any coder coded it).")
    by = middle.selectbox("Compare by", attributes, format_func=attribute_label, key="an_by")
    interviewer = right.toggle("Include interviewer speech", value=False, key="an_interviewer",
                               help="Off: only what participants said counts.")
    return layer, by, interviewer


def _chart(chart: alt.TopLevelMixin, name: str, description: str) -> None:
    """The chart, then PNG and SVG downloads rendered only when asked for."""
    st.altair_chart(chart, alt=description)
    row = st.container(horizontal=True)

    def lazy(render: Callable[[alt.TopLevelMixin], bytes]) -> Callable[[], bytes]:
        return lambda: render(chart)

    row.download_button("PNG", lazy(charts.to_png), file_name=f"{name}.png", mime="image/png",
                        icon=":material/image:", on_click="ignore", key=f"png-{name}")
    row.download_button("SVG", lazy(charts.to_svg), file_name=f"{name}.svg", mime="image/svg+xml",
                        icon=":material/draw:", on_click="ignore", key=f"svg-{name}")


def _frequency(freq: pd.DataFrame, by: str) -> None:
    st.caption("Per theme: coded segments; participants with at least one segment (n of N, N = participants "
               "with a transcript); and the share of their words inside coded passages.")
    st.dataframe(with_labels(freq.drop(columns="code_id")), hide_index=True, key="an_freq_table",
                 column_config={"Participants (%)": PCT, "Share of words (%)": PCT})
    _chart(charts.frequency_chart(freq, by), f"themes-by-{by}",
           f"Bar chart: % of participants mentioning each theme, by {attribute_label(by).lower()}")


def _comparison(freq: pd.DataFrame, study: Study, by: str) -> None:
    values = split_values(study.participants, by)
    if len(values) < 2:
        st.info(f"Only one {attribute_label(by).lower()} value in this project: nothing to compare.")
        return
    if by == "group" and {"youth", "clinician"} <= set(values):
        groups = ("youth", "clinician")
    else:
        a, b = st.columns(2)
        first = a.selectbox("Compare", values, index=0, key=f"an_cmp_a_{by}")
        second = b.selectbox("with", [v for v in values if v != first], index=0, key=f"an_cmp_b_{by}")
        groups = (first, second)
    table = comparison_table(freq, by, groups)
    st.info(table.attrs["note"], icon=":material/info:")
    ratios = zip(table["odds_ratio"], table["ci_low"], table["ci_high"], strict=True)
    shown = table.assign(odds_ratio=[format_odds_ratio(o, lo, hi) for o, lo, hi in ratios])
    shown = with_labels(shown.drop(columns=["code_id", "ci_low", "ci_high"]))
    shown = shown.rename(columns={"Odds ratio": "Odds ratio (95% CI)"})
    pct = {f"{g} (%)": PCT for g in groups}
    st.dataframe(shown, hide_index=True, key="an_cmp_table",
                 column_config={**pct, "p (Fisher's exact)": P, "p adjusted (BH)": P})


def _cooccurrence(study: Study) -> None:
    mode = st.segmented_control("Count themes together when", list(MODES), format_func=MODES.get,
                                default="overlap", required=True, key="an_co_mode")
    matrix = cooccurrence_matrix(study, mode)
    what = "segments of the theme" if mode == "overlap" else "sentences the theme touches"
    st.caption(f"Off the diagonal: {MODES[mode].lower()} of two themes. On the diagonal: {what}.")
    st.dataframe(matrix, key="an_co_table")
    _chart(charts.cooccurrence_chart(matrix), f"cooccurrence-{mode}",
           f"Heatmap: {MODES[mode].lower()} for each pair of themes")


def _grid(study: Study) -> None:
    binary = st.toggle("Show coded / not coded instead of counts", key="an_grid_binary")
    grid = matrix_table(study, binary=binary)
    st.dataframe(with_labels(grid), hide_index=True, key="an_grid_table")
    _chart(charts.participant_grid_chart(grid), "participants-by-theme" + ("-coded" if binary else ""),
           "Heatmap: coded segments per participant and theme")


def _pin(coding_id: int, pinned: bool) -> None:
    try:
        in_session(set_pinned, coding_id, pinned, current_coder() or "")
    except UserError as exc:
        st.session_state["an_pin_error"] = str(exc)


def _exemplars(study: Study, by: str) -> None:
    if "an_pin_error" in st.session_state:
        st.error(st.session_state.pop("an_pin_error"))
    names = study.code_names
    left, right = st.columns([3, 1])
    code_id = left.selectbox("Theme", list(names), format_func=names.get, key="an_ex_code")
    limit = int(right.number_input("Quotes per group", min_value=1, max_value=50, value=5, key="an_ex_n"))
    quotes = exemplar_table(study, code_id, by, per_group=limit)
    values = split_values(study.participants, by)
    me = current_coder()
    if not me:
        st.caption("To pin quotes for the report, choose who you are (Coder, in the sidebar).")
    columns = st.columns(len(values)) if len(values) <= 3 else [st.container() for _ in values]
    for value, column in zip(values, columns, strict=True):
        part = quotes[quotes[by] == value]
        column.subheader(value[:1].upper() + value[1:], divider="gray")
        if part.empty:
            column.caption("No quotes for this theme.")
        for row in part.itertuples(index=False):
            box = column.container(border=True)
            box.markdown(("📌 " if row.pinned else "") + f"“{escape_md(row.quote)}”")
            box.caption(f"{escape_md(row.participant_id)} · {escape_md(row.role)} · coded by "
                        f"{escape_md(row.coders)} · {row.words} words")
            box.button("Unpin" if row.pinned else "Pin for the report", key=f"pin-{row.coding_id}",
                       icon=":material/keep_off:" if row.pinned else ":material/keep:",
                       on_click=_pin, args=(int(row.coding_id), not row.pinned), disabled=not me)


def render() -> None:
    st.title("Analysis")
    project, viewer = get_project(), current_viewer()
    try:
        with project.session() as s:
            if is_empty(s):
                st.info("Nothing to analyse yet. Import transcripts (or load the sample study on the "
                        "Participants & transcripts page) and code them, then come back here.")
                return
            layers = layer_options(s, viewer)
            if not layers:
                st.info("You have no codings to analyse yet: code some transcripts first.")
                return
            layer, by, interviewer = _controls(layers, default_layer(s, viewer), attribute_options(s))
            study = load_study(s, layer, interviewer, viewer=viewer)
        if study.codings.empty:
            st.info(f"{layer_label(layer)}: no coded passages yet"
                    + ("" if interviewer else " in participant speech") + ".")
            return
        freq = frequency_table(study, by)
        tabs = st.tabs(["Theme frequency", "Comparison", "Co-occurrence", "Participants × themes",
                        "Exemplar quotes"])
        with tabs[0]:
            _frequency(freq, by)
        with tabs[1]:
            _comparison(freq, study, by)
        with tabs[2]:
            _cooccurrence(study)
        with tabs[3]:
            _grid(study)
        with tabs[4]:
            _exemplars(study, by)
    except UserError as exc:
        st.error(str(exc))
