"""Analysis: loading a layer of the study, the Analysis page's rerun after a toggle (its core calls,
and the real page through Streamlit's AppTest), and co-occurrence with its growth exponent."""

from __future__ import annotations

import os
import time
from dataclasses import replace
from typing import Any

import pandas as pd
from sqlalchemy import text

from benchmarks.registry import Row, exponent, measure
from benchmarks.runner import Bench
from benchmarks.timing import Runs, compare, runs
from consult_coder import charts
from consult_coder.access import Viewer
from consult_coder.analysis import (
    attribute_options,
    comparison_table,
    cooccurrence_matrix,
    default_layer,
    exemplar_table,
    frequency_table,
    layer_options,
    load_study,
    matrix_table,
    with_labels,
)
from consult_coder.storage import Project, is_empty

LAYER = "union"  # every coder's codings: the largest layer

EVERYONE = Viewer.everyone()  # the benchmarks read every coder's work


def _pandas_read(project: Project) -> pd.DataFrame:
    """The same columns load_study reads, with pandas, then a groupby: the floor for any loader."""
    with project.engine.connect() as conn:
        codings = pd.read_sql(text(
            'SELECT c.id, k.name AS coder, c.code_id, c.transcript_id, t.participant_id, c.start, c."end", '
            "c.pinned, c.memo, c.created_at, c.updated_at FROM codings c JOIN coders k ON k.id = c.coder_id "
            "JOIN transcripts t ON t.id = c.transcript_id WHERE t.participant_id IS NOT NULL "
            "AND k.name <> 'consensus'"), conn, parse_dates=["created_at", "updated_at"])
        turns = pd.read_sql(text('SELECT transcript_id, speaker_kind, start, "end" FROM turns'), conn)
        texts = pd.read_sql(text("SELECT id, participant_id, text FROM transcripts"), conn)
        people = pd.read_sql(text('SELECT id, "group", role, age_band, attributes FROM participants'), conn)
    turns.groupby("transcript_id").size()
    texts.merge(people, left_on="participant_id", right_on="id")
    return codings.groupby(["participant_id", "code_id"]).size()


def _load(project: Project) -> Any:
    with project.session() as s:
        return load_study(s, LAYER, viewer=EVERYONE)


@measure("load", rows=("load.{backend}",))
def load(b: Bench) -> list[Row]:
    rows = []
    for backend in b.backends:
        project = b.study(backend)
        ours, base = compare(lambda _, p=project: _load(p), lambda _, p=project: _pandas_read(p), b.repeat())
        n = len(ours.last.codings)
        rows.append(Row.timed(f"load.{backend}", f"load the study for analysis ({b.size.codings:,} codings)",
                              ours, base, "pandas read of the same columns + groupby", target_ratio=2,
                              backend=backend, note=f"{n:,} segments in the union"))
    return rows


def page_rerun(project: Project, interviewer: bool, by: str = "group") -> None:
    """What the Analysis page would compute on a rerun with no cache: the cost of a study not cached yet."""
    with project.session() as s:
        if is_empty(s):
            return
        layer_options(s, EVERYONE)
        default_layer(s, EVERYONE)
        attribute_options(s)
        study = load_study(s, LAYER, interviewer, viewer=EVERYONE)
    freq = frequency_table(study, by)
    with_labels(freq.drop(columns="code_id"))
    charts.frequency_chart(freq, by)
    comparison_table(freq, by, ("youth", "clinician"))
    matrix = cooccurrence_matrix(study, "overlap")
    charts.cooccurrence_chart(matrix)
    grid = matrix_table(study)
    with_labels(grid)
    charts.participant_grid_chart(grid)
    exemplar_table(study, study.codes["code_id"].iloc[0], by, per_group=5)


def _toggle(project: Project) -> Any:
    state = {"on": False}

    def rerun(_: Any) -> None:
        state["on"] = not state["on"]
        page_rerun(project, state["on"])

    return rerun


# The real page list of the app, opened on "Analysis" as if chosen in the menu.
SCRIPT = """
import streamlit as st
from consult_coder.ui.navigation import PAGES, page

specs = sorted(PAGES, key=lambda spec: spec[0] != "analysis")
st.navigation([page(*spec) for spec in specs]).run()
"""


class _Page:
    """The Analysis page in Streamlit's AppTest, toggled on each run."""

    def __init__(self, project: Project) -> None:
        from streamlit.testing.v1 import AppTest

        self.location = project.url.removeprefix("sqlite:///")
        os.environ["CONSULT_CODER_DB"] = self.location  # the app opens the project it names
        self.at = AppTest.from_string(SCRIPT, default_timeout=1800)
        start = time.perf_counter()  # opening the page on the layer loads its study (not yet kept)
        self.at.run()
        self.at.selectbox(key="an_layer").set_value(LAYER).run()
        self.opened = time.perf_counter() - start
        # The first toggle: the page keeps both settings of the layer, loaded together (ui/study.py).
        start = time.perf_counter()
        self.at.toggle(key="an_interviewer").set_value(True).run()
        self.first = time.perf_counter() - start
        self.on = True

    def __call__(self, _: Any) -> None:
        os.environ["CONSULT_CODER_DB"] = self.location
        self.on = not self.on
        self.at.toggle(key="an_interviewer").set_value(self.on).run()

    @property
    def problem(self) -> str:
        if self.at.exception:
            return self.at.exception[0].message.splitlines()[0][:200]
        if self.at.error:
            return self.at.error[0].value[:200]
        # Only the open tab (Theme frequency) is drawn: its table and its chart.
        drawn = len(self.at.table) + len(self.at.get("vega_lite_chart"))
        return "" if drawn >= 2 else f"only {drawn} of the open tab's table and chart were drawn"


@measure("analysis", rows=("analysis.core.sqlite", "analysis.page.sqlite"))
def analysis_page(b: Bench) -> list[Row]:
    big, sample = b.study("sqlite"), b.sample()
    ours, base = compare(_toggle(big), _toggle(sample), b.repeat())
    rows = [Row.timed("analysis.core.sqlite", f"Analysis page rerun after a toggle, core calls "
                      f"({b.size.codings:,} codings)", ours, base, "the same on the sample study",
                      target_seconds=1, backend="sqlite",
                      note="load_study, frequency, comparison, co-occurrence, grid, exemplars, chart specs")]
    previous = os.environ.get("CONSULT_CODER_DB")
    try:
        # One project at a time, as a user meets it: alternating two projects' pages in this one process
        # would hold four studies, past the page's cache (ui/study.py STUDIES), so every toggle reloads.
        page_big = _Page(big)
        ours = runs(page_big, b.repeat())
        page_sample = _Page(sample)
        base = runs(page_sample, b.repeat())
        rows.append(Row.timed("analysis.page.sqlite", "Analysis page rerun after a toggle (AppTest)", ours,
                              base, "the same on the sample study", target_seconds=1, backend="sqlite",
                              note=f"the page shows: {page_big.problem}" if page_big.problem else
                              "the whole page script in Streamlit's test runner; the first toggle: "
                              f"{page_big.first:.2f} s (sample study {page_sample.first:.2f} s); opening "
                              f"the page on the layer: {page_big.opened:.2f} s ({page_sample.opened:.2f} s)"))
    finally:
        if previous is None:
            os.environ.pop("CONSULT_CODER_DB", None)
        else:
            os.environ["CONSULT_CODER_DB"] = previous
    return rows


@measure("cooccurrence", rows=("cooccurrence.overlap", "cooccurrence.exponent", "cooccurrence.sentence"))
def cooccurrence(b: Bench) -> list[Row]:
    with b.study("sqlite").session() as s:
        study = load_study(s, LAYER, viewer=EVERYONE)
    n = len(study.codings)
    # The same transcripts with a tenth of the segments: growth with the density of coding.
    tenth = replace(study, codings=study.codings.sample(frac=0.1, random_state=14).sort_index())
    fast = b.repeat(fast=n < 20_000)
    full = runs(lambda _: cooccurrence_matrix(study, "overlap"), fast)
    small = runs(lambda _: cooccurrence_matrix(tenth, "overlap"), fast)
    sentence: Runs = runs(lambda _: cooccurrence_matrix(study, "sentence"), fast)
    k = exponent(len(tenth.codings), small.median, n, full.median)
    return [
        Row.timed("cooccurrence.overlap", f"co-occurrence, overlapping segments ({n:,} segments)", full,
                  note=f"{len(tenth.codings):,} segments: {small.median:.3f} s"),
        Row("cooccurrence.exponent", "co-occurrence: time grows as segments^k", k, unit="",
            target="≤ 1.2 (n log n)", meets=k <= 1.2, note="a tenth of the segments → all of them"),
        Row.timed("cooccurrence.sentence", f"co-occurrence, same sentence ({n:,} segments)", sentence),
    ]
