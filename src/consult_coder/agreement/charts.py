"""The code × transcript agreement heatmap (Altair), for the page and the Word report.

Colour follows the interpretation bands of the statistic (Landis & Koch for kappa, Krippendorff for
alpha), so a reader sees "substantial" or "unreliable" at a glance; the number is printed in each cell.
An undefined value (no variation: neither coder used the code there) is a grey cell with a dash.
Render with :func:`consult_coder.charts.to_png` / ``to_svg`` (offline, no browser).
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from consult_coder.agreement.bands import alpha_band, kappa_band
from consult_coder.agreement.labels import COLUMN_LABELS, UNIT_LABELS
from consult_coder.agreement.tables import AgreementResult

FONT = "sans-serif"
ROW_HEIGHT = 20
UNDEFINED = "#e0e0e0"
# Sequential, colour-blind safe (ColorBrewer Blues / Oranges): worse bands lighter and warmer.
KAPPA_COLOURS = {"poor": "#d94801", "slight": "#fdae6b", "fair": "#fdd0a2", "moderate": "#c6dbef",
                 "substantial": "#6baed6", "almost perfect": "#08519c"}
ALPHA_COLOURS = {"unreliable": "#fdae6b", "tentative": "#c6dbef", "reliable": "#08519c"}
STATISTICS = ("cohen_kappa", "krippendorff_alpha", "brennan_prediger", "percent_agreement")


def agreement_heatmap(
    result: AgreementResult, statistic: str = "cohen_kappa", step: int = ROW_HEIGHT
) -> alt.Chart:
    """Codes down, transcripts across; one cell per code × transcript of ``statistic``, ``step`` px high
    (the Word report's figure is more compact than the page's)."""
    if statistic not in STATISTICS:
        raise ValueError(f"unknown statistic {statistic!r}: choose one of {', '.join(STATISTICS)}")
    cells = result.by_transcript
    codes = list(dict.fromkeys(cells["code"]))
    transcripts = list(dict.fromkeys(cells["transcript"]))
    value = pd.to_numeric(cells[statistic], errors="coerce")
    percent = statistic == "percent_agreement"
    band = (alpha_band if statistic == "krippendorff_alpha" else kappa_band)
    data = pd.DataFrame({
        "code": cells["code"], "transcript": cells["transcript"], "value": value,
        "label": [("—" if v != v else f"{v:.0f}" if percent else f"{v:.2f}") for v in value],
        "band": ["" if percent else band(v) for v in value], "units": cells["units"],
    })
    data["band"] = data["band"].where(data["value"].notna(), "undefined")
    name = COLUMN_LABELS[statistic]
    if percent:
        colour = alt.condition("isValid(datum.value)", alt.Color(
            "value:Q", title=name, scale=alt.Scale(domain=[0, 100], range=["#ffffff", "#08519c"])),
            alt.value(UNDEFINED))
    else:
        palette = ALPHA_COLOURS if statistic == "krippendorff_alpha" else KAPPA_COLOURS
        colour = alt.Color("band:N", title=name, scale=alt.Scale(
            domain=[*palette, "undefined"], range=[*palette.values(), UNDEFINED]),
            legend=alt.Legend(orient="bottom"))
    title = f"{name} by code and transcript ({UNIT_LABELS[result.unit].lower()})"
    base = alt.Chart(data, title=title).encode(
        x=alt.X("transcript:N", sort=transcripts, title=None,  # short labels (P01) need no slant
                axis=alt.Axis(labelAngle=0 if max(map(len, transcripts), default=0) <= 5 else -40,
                              labelLimit=160)),
        y=alt.Y("code:N", sort=codes, title=None, axis=alt.Axis(labelLimit=220)),
    )
    rects = base.mark_rect(stroke="#ffffff", strokeWidth=1).encode(
        color=colour,
        tooltip=[alt.Tooltip("code:N", title="Code"), alt.Tooltip("transcript:N", title="Transcript"),
                 alt.Tooltip("label:N", title=name), alt.Tooltip("band:N", title="Band"),
                 alt.Tooltip("units:Q", title=UNIT_LABELS[result.unit])],
    )
    dark = ("datum.value > 60" if percent
            else "datum.band == 'almost perfect' || datum.band == 'reliable' || datum.band == 'poor'")
    numbers = base.mark_text(fontSize=9).encode(
        text="label:N", color=alt.condition(dark, alt.value("white"), alt.value("black")))
    return ((rects + numbers)
            .properties(width=max(160, 44 * len(transcripts)), height=alt.Step(step))
            .configure(font=FONT))
