"""Charts of the analysis tables (Altair), and their PNG/SVG files rendered offline with vl-convert.

The builders take the DataFrames of :mod:`consult_coder.analysis` as they are, so the page, the
downloads and the reports show the same numbers and the same words (values by their display label).
Data is embedded in the chart spec and rendering is done by vl-convert's bundled Vega engine with
every external URL refused: no browser, no network.

Every chart sizes itself to its rows and columns (a fixed step per theme or participant, labels
never cut short), so 12 themes or 1,000 participants are each labelled. The PNG and SVG files carry
every row: :func:`to_png` and :func:`to_svg` write the data into the spec themselves, deliberately
past Altair's 5,000-row guard (which would refuse the grid of 1,000 participants × 12 themes); the
size is bounded by the study (participants × themes).
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import vl_convert as vlc

from consult_coder.analysis.labels import attribute_label, n_pct, value_label, value_label_singular
from consult_coder.analysis.matrix import ROW_COLUMNS
from consult_coder.model import GROUPS

# Colour-blind-safe (ColorBrewer Dark2); youth and clinician keep their colours on every chart.
GROUP_COLOURS = {"youth": "#1b9e77", "clinician": "#7570b3"}
OTHER_COLOURS = ["#d95f02", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#666666"]
FONT = "sans-serif"
LABEL_SIZE = 11
HEAT_RANGE = ["#ffffff", "#08519c"]  # white = none, so an empty cell reads as empty
DIAGONAL = "#d9d9d9"
BAR_STEP = 15  # px per bar: room for its n (%) label
CELL_STEP = 24  # px per heatmap cell: room for a two-digit count
ROW_STEP = 16  # px per participant row
DENSE_ROW_STEP = 12  # … when there are so many that 16 px would make a chart metres long
DENSE_ROWS = 150


def _heat(title: str, top: int) -> alt.Color:
    """Counts from white (none) to blue; the legend shows whole numbers only."""
    ticks = list(range(top + 1)) if top <= 6 else None
    return alt.Color("count:Q", title=title,
                     scale=alt.Scale(range=HEAT_RANGE, domain=[0, max(top, 1)], interpolate="rgb"),
                     legend=alt.Legend(format="d", values=ticks) if ticks else alt.Legend(format="d"))


def _colours(values: list[str]) -> list[str]:
    others = iter(OTHER_COLOURS * (len(values) // len(OTHER_COLOURS) + 1))
    return [GROUP_COLOURS.get(v) or next(others) for v in values]


def _values_in_order(frame: pd.DataFrame, by: str) -> list[str]:
    seen = list(dict.fromkeys(frame[by]))
    first = [g for g in GROUPS if g in seen] if by == "group" else []
    return first + [v for v in seen if v not in first]


def frequency_chart(freq: pd.DataFrame, by: str | None = None) -> alt.LayerChart:
    """Grouped bars: % of participants mentioning each theme, one bar per group, each labelled n (%);
    the legend gives each group's N."""
    by = by or freq.attrs.get("by", "group")
    values = _values_in_order(freq, by)
    totals = freq.groupby(by, sort=False)["participants_total"].first()
    legend = {v: f"{value_label(by, v)} (N = {int(totals[v])})" for v in values}
    data = pd.DataFrame({
        "code": freq["code"],
        "split": freq[by].map(legend),
        "n_of_N": [f"{n} of {t}" for n, t in zip(freq["participants_n"], freq["participants_total"],
                                                    strict=True)],
        "n_pct": [n_pct(int(n), float(p)) for n, p in zip(freq["participants_n"], freq["participants_pct"],
                                                          strict=True)],
        "pct": freq["participants_pct"].round(1),
        "segments": freq["segments"].astype(int),
    })
    codes = list(dict.fromkeys(data["code"]))
    order = [legend[v] for v in values]
    title = attribute_label(by)
    base = alt.Chart().encode(
        y=alt.Y("code:N", sort=codes, title=None, axis=alt.Axis(labelLimit=0, labelFontSize=LABEL_SIZE)),
        yOffset=alt.YOffset("split:N", sort=order),
        x=alt.X("pct:Q", title="% of participants", scale=alt.Scale(domain=[0, 100])),
    )
    bars = base.mark_bar().encode(
        color=alt.Color("split:N", title=title, scale=alt.Scale(domain=order, range=_colours(values)),
                        legend=alt.Legend(orient="bottom", labelLimit=0, labelFontSize=LABEL_SIZE)),
        tooltip=[
            alt.Tooltip("code:N", title="Theme"), alt.Tooltip("split:N", title=title),
            alt.Tooltip("n_of_N:N", title="Participants"), alt.Tooltip("pct:Q", title="%", format=".1f"),
            alt.Tooltip("segments:Q", title="Segments"),
        ],
    )
    labels = base.mark_text(align="left", baseline="middle", dx=3, fontSize=10, color="#333333").encode(
        text=alt.Text("n_pct:N"))
    return (
        alt.layer(bars, labels, data=data, title="Participants mentioning each theme")
        .properties(width=420, height=alt.Step(BAR_STEP, **{"for": "offset"}))
        .configure(font=FONT)
    )


def cooccurrence_chart(matrix: pd.DataFrame, numbered: bool = False, step: int = CELL_STEP) -> alt.LayerChart:
    """Heatmap of a code × code co-occurrence matrix; the diagonal (a code with itself) is left grey.

    ``numbered`` labels rows "1. Theme" and columns "1", as the report's co-occurrence table does;
    ``step`` is the side of a cell in pixels.
    """
    codes = list(matrix.columns)
    long = matrix.rename_axis(index="code_a", columns="code_b").stack().rename("count").reset_index()
    long["count"] = long["count"].astype(int)
    long["same"] = long["code_a"] == long["code_b"]  # a theme with itself: grey, no number
    rows_shown = [f"{i + 1}. {c}" for i, c in enumerate(codes)] if numbered else codes
    columns_shown = [str(i + 1) for i in range(len(codes))] if numbered else codes
    long["row"] = long["code_a"].map(dict(zip(codes, rows_shown, strict=True)))
    long["column"] = long["code_b"].map(dict(zip(codes, columns_shown, strict=True)))
    top = int(long.loc[~long["same"], "count"].max()) if (~long["same"]).any() else 0
    unit = "sentences" if matrix.attrs.get("mode") == "sentence" else "overlapping segments"
    base = alt.Chart().encode(
        x=alt.X("column:N", sort=columns_shown, title=None,
                axis=alt.Axis(labelAngle=0 if numbered else -40, labelLimit=0, labelFontSize=LABEL_SIZE)),
        y=alt.Y("row:N", sort=rows_shown, title=None, axis=alt.Axis(labelLimit=0, labelFontSize=LABEL_SIZE)),
    )
    cells = base.mark_rect(stroke="#eeeeee", strokeWidth=0.5).encode(
        color=alt.condition("datum.same", alt.value(DIAGONAL), _heat(unit.capitalize(), top)),
        tooltip=[alt.Tooltip("code_a:N", title="Theme"), alt.Tooltip("code_b:N", title="With"),
                 alt.Tooltip("count:Q", title=unit.capitalize())],
    )
    numbers = base.mark_text(fontSize=10).encode(
        text=alt.Text("count:Q"),
        color=alt.condition(alt.datum.count > top / 2, alt.value("white"), alt.value("black")),
    ).transform_filter("!datum.same && datum.count > 0")
    return (alt.layer(cells, numbers, data=long, title=f"Themes together ({unit})")
            .properties(width=alt.Step(step), height=alt.Step(step)).configure(font=FONT))


def participant_grid_chart(grid: pd.DataFrame) -> alt.Chart:
    """The participant × theme grid as a heatmap of segment counts (or present / absent)."""
    codes = [c for c in grid.columns if c not in ROW_COLUMNS]
    rows = [f"{p} ({value_label_singular('group', g)})"
            for p, g in zip(grid["participant_id"], grid["group"], strict=True)]
    long = grid.assign(row=rows).melt(id_vars=["row", *ROW_COLUMNS], value_vars=codes, var_name="code",
                                      value_name="count")
    binary = bool(grid.attrs.get("binary"))
    long["count"] = long["count"].astype(int)
    long["group"] = [value_label("group", g) for g in long["group"]]
    legend = "Coded (1 = yes)" if binary else "Segments"
    title = "Participants × themes" + (" (coded or not)" if binary else " (coded segments)")
    dense = len(rows) > DENSE_ROWS
    axis = alt.Axis(labelAngle=-40, labelLimit=0, orient="top", labelFontSize=LABEL_SIZE)
    return (
        alt.Chart(long, title=title)
        .mark_rect(stroke="#eeeeee", strokeWidth=0.5)
        .encode(
            x=alt.X("code:N", sort=codes, title=None, axis=axis),
            y=alt.Y("row:N", sort=rows, title=None,
                    axis=alt.Axis(labelLimit=0, labelFontSize=10 if dense else LABEL_SIZE)),
            color=_heat(legend, int(long["count"].max()) if len(long) else 0),
            tooltip=[alt.Tooltip("participant_id:N", title="Participant"),
                     alt.Tooltip("group:N", title="Group"), alt.Tooltip("role:N", title="Role"),
                     alt.Tooltip("code:N", title="Theme"), alt.Tooltip("count:Q", title=legend)],
        )
        .properties(width=alt.Step(CELL_STEP), height=alt.Step(DENSE_ROW_STEP if dense else ROW_STEP))
        .configure(font=FONT)
    )


def _spec(chart: alt.TopLevelMixin) -> dict:
    """The Vega-Lite spec with the chart's table written in here, every row of it.

    Altair's own data transformer refuses more than 5,000 rows, and switching it off is global state
    that Streamlit also switches (in other threads); naming the data and filling it in touches neither.
    """
    if not isinstance(chart.data, pd.DataFrame):
        return chart.to_dict()
    named = chart.copy(deep=False)
    named.data = alt.NamedData(name="table")
    spec = named.to_dict()
    spec["datasets"] = {"table": alt.utils.data.to_values(chart.data)["values"]}
    return spec


def to_png(chart: alt.TopLevelMixin, scale: float = 2.0) -> bytes:
    """PNG bytes (scale 2 = print quality), rendered without a browser and without network access."""
    return vlc.vegalite_to_png(_spec(chart), scale=scale, allowed_base_urls=[])


def to_svg(chart: alt.TopLevelMixin) -> bytes:
    """SVG file contents (UTF-8), rendered without a browser and without network access."""
    return vlc.vegalite_to_svg(_spec(chart), allowed_base_urls=[]).encode("utf-8")
