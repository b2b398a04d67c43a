"""Charts of the analysis tables (Altair), and their PNG/SVG files rendered offline with vl-convert.

The builders take the DataFrames of :mod:`consult_coder.analysis` as they are, so the page, the
downloads and the reports show the same numbers. Data is embedded in the chart spec and rendering
is done by vl-convert's bundled Vega engine with every external URL refused: no browser, no network.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import vl_convert as vlc

from consult_coder.analysis.labels import group_plural
from consult_coder.analysis.matrix import ROW_COLUMNS
from consult_coder.model import GROUPS

# Colour-blind-safe (ColorBrewer Dark2); youth and clinician keep their colours on every chart.
GROUP_COLOURS = {"youth": "#1b9e77", "clinician": "#7570b3"}
OTHER_COLOURS = ["#d95f02", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#666666"]
FONT = "sans-serif"
HEAT_RANGE = ["#ffffff", "#08519c"]  # white = none, so an empty cell reads as empty
DIAGONAL = "#d9d9d9"
ROW_HEIGHT = 18


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


def frequency_chart(freq: pd.DataFrame, by: str | None = None) -> alt.Chart:
    """Grouped bars: % of participants mentioning each theme, one bar per group."""
    by = by or freq.attrs.get("by", "group")
    values = _values_in_order(freq, by)
    pairs = zip(freq["participants_n"], freq["participants_total"], strict=True)
    data = freq.assign(
        n_of_N=[f"{n} of {t}" for n, t in pairs],
        pct=freq["participants_pct"].round(1),
    )[["code", by, "n_of_N", "pct", "segments"]].rename(columns={by: "split"})
    codes = list(dict.fromkeys(data["code"]))
    label = by.replace("_", " ")
    colours = _colours(values)
    if by == "group":  # readers see "Young people", not the stored value "youth"
        data["split"] = data["split"].map(group_plural)
        values = [group_plural(v) for v in values]
    return (
        alt.Chart(data, title="Participants mentioning each theme")
        .mark_bar()
        .encode(
            y=alt.Y("code:N", sort=codes, title=None, axis=alt.Axis(labelLimit=260)),
            yOffset=alt.YOffset("split:N", sort=values),
            x=alt.X("pct:Q", title="% of participants", scale=alt.Scale(domain=[0, 100])),
            color=alt.Color("split:N", title=label.capitalize(),
                            scale=alt.Scale(domain=values, range=colours),
                            legend=alt.Legend(orient="bottom")),
            tooltip=[
                alt.Tooltip("code:N", title="Theme"), alt.Tooltip("split:N", title=label.capitalize()),
                alt.Tooltip("n_of_N:N", title="Participants"), alt.Tooltip("pct:Q", title="%", format=".1f"),
                alt.Tooltip("segments:Q", title="Segments"),
            ],
        )
        .properties(width=420, height=alt.Step(max(8, ROW_HEIGHT // max(1, len(values)))))
        .configure(font=FONT)
    )


def cooccurrence_chart(matrix: pd.DataFrame) -> alt.Chart:
    """Heatmap of a code × code co-occurrence matrix; the diagonal (a code with itself) is left blank."""
    codes = list(matrix.columns)
    long = matrix.rename_axis(index="code_a", columns="code_b").stack().rename("count").reset_index()
    long["same"] = long["code_a"] == long["code_b"]  # a theme with itself: grey, no number
    top = int(long.loc[~long["same"], "count"].max()) if (~long["same"]).any() else 0
    unit = "sentences" if matrix.attrs.get("mode") == "sentence" else "overlapping segments"
    base = alt.Chart(long, title=f"Themes together ({unit})").encode(
        x=alt.X("code_b:N", sort=codes, title=None, axis=alt.Axis(labelAngle=-40, labelLimit=160)),
        y=alt.Y("code_a:N", sort=codes, title=None, axis=alt.Axis(labelLimit=200)),
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
    side = max(120, ROW_HEIGHT * len(codes))
    return (cells + numbers).properties(width=side, height=side).configure(font=FONT)


def participant_grid_chart(grid: pd.DataFrame) -> alt.Chart:
    """The participant × theme grid as a heatmap of segment counts (or present / absent)."""
    codes = [c for c in grid.columns if c not in ROW_COLUMNS]
    rows = [f"{p} ({g})" for p, g in zip(grid["participant_id"], grid["group"], strict=True)]
    long = grid.assign(row=rows).melt(id_vars=["row", *ROW_COLUMNS], value_vars=codes, var_name="code",
                                      value_name="count")
    binary = bool(grid.attrs.get("binary"))
    long["count"] = long["count"].astype(int)
    legend = "Coded (1 = yes)" if binary else "Segments"
    title = "Participants × themes" + (" (coded or not)" if binary else " (coded segments)")
    axis = alt.Axis(labelAngle=-40, labelLimit=160, orient="top")
    return (
        alt.Chart(long, title=title)
        .mark_rect(stroke="#eeeeee", strokeWidth=0.5)
        .encode(
            x=alt.X("code:N", sort=codes, title=None, axis=axis),
            y=alt.Y("row:N", sort=rows, title=None),
            color=_heat(legend, int(long["count"].max()) if len(long) else 0),
            tooltip=[alt.Tooltip("participant_id:N", title="Participant"),
                     alt.Tooltip("group:N", title="Group"), alt.Tooltip("role:N", title="Role"),
                     alt.Tooltip("code:N", title="Theme"), alt.Tooltip("count:Q", title=legend)],
        )
        .properties(width=max(120, ROW_HEIGHT * len(codes)), height=alt.Step(ROW_HEIGHT))
        .configure(font=FONT)
    )


def to_png(chart: alt.TopLevelMixin, scale: float = 2.0) -> bytes:
    """PNG bytes (scale 2 = print quality), rendered without a browser and without network access."""
    return vlc.vegalite_to_png(chart.to_json(), scale=scale, allowed_base_urls=[])


def to_svg(chart: alt.TopLevelMixin) -> bytes:
    """SVG file contents (UTF-8), rendered without a browser and without network access."""
    return vlc.vegalite_to_svg(chart.to_json(), allowed_base_urls=[]).encode("utf-8")
