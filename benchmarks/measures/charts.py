"""The participant × theme chart as a PNG at the study's number of participants."""

from __future__ import annotations

from benchmarks.registry import Row, measure
from benchmarks.runner import Bench
from benchmarks.timing import runs
from consult_coder import charts
from consult_coder.access import Viewer
from consult_coder.analysis import load_study, matrix_table


@measure("chart", rows=("chart.grid_png",))
def grid_chart(b: Bench) -> list[Row]:
    with b.study("sqlite").session() as s:
        grid = matrix_table(load_study(s, "union", viewer=Viewer.everyone()))
    what = f"participant × theme chart as PNG ({len(grid):,} participants)"
    try:
        out = runs(lambda _: charts.to_png(charts.participant_grid_chart(grid)), b.repeat())
    except Exception as exc:  # the figure is whether it renders at all
        return [Row.failed("chart.grid_png", what, f"{type(exc).__name__}: {str(exc).splitlines()[0][:160]}")]
    return [Row.timed("chart.grid_png", what, out, note=f"{len(out.last) / 2**10:.0f} KB")]
