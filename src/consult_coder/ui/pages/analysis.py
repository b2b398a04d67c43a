"""Analysis: themes by youth vs clinician (or any attribute), co-occurrence, the participant grid and
exemplar quotes. Every number comes from consult_coder.analysis; this page only lays it out.

Only the open tab is computed, each table is kept per the controls it depends on (ui/study.py), and
charts are drawn at their own size: every theme and participant keeps its label.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import altair as alt
import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from consult_coder import charts
from consult_coder.analysis import (
    MODES,
    attribute_label,
    attribute_options,
    default_layer,
    format_odds_ratio,
    layer_label,
    layer_options,
    split_values,
    with_labels,
)
from consult_coder.analysis.labels import n_pct, value_label
from consult_coder.coding import set_pinned
from consult_coder.errors import UserError
from consult_coder.storage import is_empty
from consult_coder.ui import render as show
from consult_coder.ui import study as cache
from consult_coder.ui.render import inert, md
from consult_coder.ui.state import current_coder, current_viewer, get_project, in_session

TABS = ["Theme frequency", "Comparison", "Co-occurrence", "Participants × themes", "Exemplar quotes"]
TALL = 760  # px: a chart taller than this scrolls inside its own box, under the page's controls
GRID_ROWS = 40  # participant rows the grid table shows before it scrolls
ROW_PX, HEADER_PX = 35, 38  # st.dataframe's row and header heights
CHAR_PX = 8  # a character of st.dataframe's text, wide enough for "occupational therapist"


def _controls(layers: list[str], default: str, attributes: list[str]) -> tuple[str, str, bool]:
    left, middle, right = st.columns([2, 2, 1.4], vertical_alignment="bottom")
    with left:
        layer = cache.choose_layer(layers, default, "an_layer", "Whose codings count",
                                   "One coder, the reconciled consensus, or the union of all coders "
                                   "(a passage counts if any coder coded it).")
    by = middle.selectbox("Compare by", attributes, format_func=attribute_label, key="an_by")
    interviewer = right.toggle("Include interviewer speech", value=False, key="an_interviewer",
                               help="Off: only what participants said counts.")
    return layer, by, interviewer


NBSP, WORD_JOINER = "\u00a0", "\u2060"


def unbroken(text: str) -> str:
    """Text a browser never breaks: spaces made non-breaking, and no break after a dash ("0.02–1.37")."""
    return text.replace(" ", NBSP).replace("–", "–" + WORD_JOINER)


def _table(frame: pd.DataFrame, formats: dict[str, str] | None = None, numbers: Sequence[str] = (),
           nowrap: Sequence[str] = ()) -> None:
    """A table with every row and column on the page: headings wrap between words, while numbers,
    "n (%)", intervals and the ``nowrap`` columns stay on one line.

    st.table draws each cell as markdown, so every heading and text cell is escaped: a theme named
    "1. *Trust*" reads as typed.
    """
    whole = set(numbers) | set(nowrap)
    text = {c: [inert(unbroken(str(v)) if c in whole else str(v)) for v in frame[c]]
            for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])}
    shown = frame.assign(**text).rename(columns=inert)
    styled = shown.style.format({inert(c): f for c, f in (formats or {}).items()}, na_rep="–")
    st.table(styled, hide_index=True)


def _chart(chart: alt.TopLevelMixin, name: str, description: str, height: int, stretch: bool = False) -> None:
    """The chart at its own size (a tall one scrolls in a box), or as wide as the page when its
    width is a scale rather than a step per label; then PNG and SVG downloads rendered only when asked
    for."""
    box = st.container(height=TALL, border=False) if height > TALL else st.container()
    # Without Streamlit's theme: drawn as the downloads and the report draw it. The theme's larger
    # labels overlap at one step per theme or participant, and Vega then leaves every other one out.
    box.altair_chart(chart, alt=description, width="stretch" if stretch else "content", theme=None)
    row = st.container(horizontal=True)

    def lazy(render: Callable[[alt.TopLevelMixin], bytes]) -> Callable[[], bytes]:
        return lambda: render(chart)

    row.download_button("PNG", lazy(charts.to_png), file_name=f"{name}.png", mime="image/png",
                        icon=":material/image:", on_click="ignore", key=f"png-{name}")
    row.download_button("SVG", lazy(charts.to_svg), file_name=f"{name}.svg", mime="image/svg+xml",
                        icon=":material/draw:", on_click="ignore", key=f"svg-{name}")


def _frequency(key: cache.StudyKey, by: str) -> None:
    freq = cache.frequency(key, by)
    st.caption("Per theme: coded segments; participants with at least one segment (n of N, N = participants "
               "with a transcript); and the share of their words inside coded passages.")
    shown = with_labels(freq.drop(columns="code_id"))
    pct = {"Participants (%)": "{:.1f}%", "Share of words (%)": "{:.1f}%"}
    _table(shown, pct, numbers=list(shown.columns[2:]), nowrap=[shown.columns[1]])
    height = charts.BAR_STEP * len(freq) + 200
    _chart(charts.frequency_chart(freq, by), f"themes-by-{by}",
           f"Bar chart: % of participants mentioning each theme, by {attribute_label(by).lower()}", height,
           stretch=True)


def comparison_rows(table: pd.DataFrame, by: str) -> pd.DataFrame:
    """The comparison as the report lays it out: each group's n (%) under a heading with its N."""
    a, b = table.attrs["groups"]
    totals = {g: int(table[f"{g}_total"].iloc[0]) for g in (a, b)}
    heading = {g: f"{value_label(by, g)} {unbroken(f'(N = {totals[g]})')}, {unbroken('n (%)')}"
               for g in (a, b)}
    ratios = zip(table["odds_ratio"], table["ci_low"], table["ci_high"], strict=True)
    frame = pd.DataFrame({
        "Theme": table["code"],
        **{heading[g]: [n_pct(int(n), float(p)) for n, p in zip(table[f"{g}_n"], table[f"{g}_pct"],
                                                                  strict=True)] for g in (a, b)},
        "Odds ratio (95% CI)": [format_odds_ratio(o, lo, hi) for o, lo, hi in ratios],
        "p (Fisher's exact)": table["p_value"],
        "p adjusted (BH)": table["p_adjusted"],
    })
    if "note" in table and table["note"].astype(bool).any():
        frame["Note"] = table["note"].tolist()
    return frame


def _comparison(key: cache.StudyKey, by: str, values: list[str]) -> None:
    if len(values) < 2:
        st.info(md("Only one {} value in this project: nothing to compare.", attribute_label(by).lower()))
        return
    if by == "group" and {"youth", "clinician"} <= set(values):
        groups = ("youth", "clinician")
    else:
        a, b = st.columns(2)
        labels = {v: value_label(by, v) for v in values}
        first = a.selectbox("Compare", values, index=0, format_func=labels.get, key=f"an_cmp_a_{by}")
        second = b.selectbox("with", [v for v in values if v != first], index=0, format_func=labels.get,
                             key=f"an_cmp_b_{by}")
        groups = (first, second)
    table = cache.comparison(key, by, groups)
    st.info(md("{}", table.attrs["note"]), icon=":material/info:")
    shown = comparison_rows(table, by)
    _table(shown, {"p (Fisher's exact)": "{:.3f}", "p adjusted (BH)": "{:.3f}"},
           numbers=[c for c in shown.columns if c not in ("Theme", "Note")])


def numbered(matrix: pd.DataFrame) -> pd.DataFrame:
    """The co-occurrence matrix as the report numbers it: rows "1. Theme", columns "1", "2", …"""
    names = list(matrix.columns)
    frame = matrix.copy()
    frame.columns = [str(i + 1) for i in range(len(names))]
    frame.insert(0, "Theme", [f"{i + 1}. {n}" for i, n in enumerate(names)])
    return frame.reset_index(drop=True)


def _cooccurrence(key: cache.StudyKey) -> None:
    mode = st.segmented_control("Count themes together when", list(MODES), format_func=MODES.get,
                                default="overlap", required=True, key="an_co_mode")
    matrix = cache.cooccurrence(key, mode)
    what = "segments of the theme" if mode == "overlap" else "sentences the theme touches"
    st.caption(md("Off the diagonal: {} of two themes. On the diagonal: {}. Columns are numbered as the "
                  "rows.", MODES[mode].lower(), what))
    shown = numbered(matrix)
    _table(shown, numbers=list(shown.columns[1:]))
    height = charts.CELL_STEP * len(matrix) + 260
    _chart(charts.cooccurrence_chart(matrix), f"cooccurrence-{mode}",
           f"Heatmap: {MODES[mode].lower()} for each pair of themes", height)


def grid_rows(grid: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str]]:
    """The grid with its theme columns numbered as the co-occurrence table's (and the theme each number
    stands for), so that a dozen themes fit across the page."""
    labelled = with_labels(grid)
    themes = [c for c in grid.columns if c not in ("participant_id", "group", "role")]
    names = {str(i + 1): t for i, t in enumerate(themes)}
    return labelled.rename(columns={t: n for n, t in names.items()}), names


def _grid(key: cache.StudyKey) -> None:
    binary = st.toggle("Show coded / not coded instead of counts", key="an_grid_binary")
    grid = cache.grid(key, binary)
    shown, names = grid_rows(grid)
    st.caption(md("Themes: {}", " · ".join(f"{n} {t}" for n, t in names.items())))
    column_type = st.column_config.CheckboxColumn if binary else st.column_config.NumberColumn
    config: dict[str, object] = {n: column_type(n, help=inert(t), width=40) for n, t in names.items()}
    for column in shown.columns[:len(shown.columns) - len(names)]:  # who: as wide as its longest entry
        longest = max([len(str(column)), *(len(str(v)) for v in shown[column])])
        config[column] = st.column_config.TextColumn(column, width=CHAR_PX * longest + 28)
    rows = min(len(shown), GRID_ROWS)
    st.dataframe(shown, hide_index=True, key="an_grid_table", column_config=config,
                 height=HEADER_PX + ROW_PX * rows, width="content")
    if len(shown) > rows:
        st.caption(md("{} participants: scroll the table for the rest.", len(shown)))
    height = (charts.DENSE_ROW_STEP if len(grid) > charts.DENSE_ROWS else charts.ROW_STEP) * len(grid) + 240
    _chart(charts.participant_grid_chart(grid), "participants-by-theme" + ("-coded" if binary else ""),
           "Heatmap: coded segments per participant and theme", height)


def _pin(coding_id: int, pinned: bool) -> None:
    try:
        in_session(set_pinned, coding_id, pinned, current_coder() or "")
    except UserError as exc:
        st.session_state["an_pin_error"] = str(exc)


def _quote(box: DeltaGenerator, row: dict, me: str | None) -> None:
    box.markdown(md("{}“{}”", "📌 " if row["pinned"] else "", row["quote"]))
    box.caption(md("{} · {} · coded by {} · {} words", row["participant_id"], row["role"], row["coders"],
                   row["words"]))
    coding_id = int(row["coding_id"])
    box.button("Unpin" if row["pinned"] else "Pin for the report", key=f"pin-{coding_id}",
               icon=":material/keep_off:" if row["pinned"] else ":material/keep:",
               on_click=_pin, args=(coding_id, not row["pinned"]), disabled=not me)


def _exemplars(key: cache.StudyKey, codes: dict[str, str], by: str, values: list[str]) -> None:
    if "an_pin_error" in st.session_state:
        show.error(st.session_state.pop("an_pin_error"))
    left, right = st.columns([3, 1])
    code_id = left.selectbox("Theme", list(codes), format_func=codes.get, key="an_ex_code")
    limit = int(right.number_input("Quotes per group", min_value=1, max_value=50, value=5, key="an_ex_n"))
    quotes = cache.exemplars(key, code_id, by, limit)
    me = current_coder()
    if not me:
        st.caption("To pin quotes for the report, choose who you are (Coder, in the sidebar).")
    columns = st.columns(len(values)) if len(values) <= 3 else [st.container() for _ in values]
    for value, column in zip(values, columns, strict=True):
        part = quotes[quotes[by] == value]
        column.subheader(inert(value_label(by, value)), divider="gray")
        if part.empty:
            column.caption("No quotes for this theme.")
        for row in part.to_dict("records"):
            _quote(column.container(border=True), row, me)


def _tab(key: cache.StudyKey, by: str) -> None:
    """Draw the open tab only: the others cost nothing until they are chosen."""
    study = cache.study(key)
    values = split_values(study.participants, by)
    tabs = dict(zip(TABS, st.tabs(TABS, key="an_tab", on_change="rerun"), strict=True))
    draw: dict[str, Callable[[], None]] = {
        "Theme frequency": lambda: _frequency(key, by),
        "Comparison": lambda: _comparison(key, by, values),
        "Co-occurrence": lambda: _cooccurrence(key),
        "Participants × themes": lambda: _grid(key),
        "Exemplar quotes": lambda: _exemplars(key, study.code_names, by, values),
    }
    for name, tab in tabs.items():
        if tab.open:
            with tab:
                draw[name]()


def render() -> None:
    st.title("Analysis")
    project, viewer = get_project(), current_viewer()
    try:
        with project.session() as s:
            if is_empty(s):
                st.info("Nothing to analyse yet. Import transcripts (or load the sample study on the "
                        "Participants & transcripts page) and code them, then come back here.")
                return
            layers, default = layer_options(s, viewer), default_layer(s, viewer)
            if default is None:
                st.info("No coded layer you may see yet: code some transcripts first.")
                return
            layer, by, interviewer = _controls(layers, default, attribute_options(s))
        key = cache.study_key(viewer, layer, interviewer)
        if cache.study(key).codings.empty:
            st.info(md("{}: no coded passages yet{}.", layer_label(layer),
                       "" if interviewer else " in participant speech"))
            return
        _tab(key, by)
    except UserError as exc:
        show.error(exc)
