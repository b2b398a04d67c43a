"""Charts of the analysis tables: the numbers users see in tooltips, and PNG/SVG files made offline.

The analysis study is described in tests/factories.py.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import altair as alt
import numpy as np
import pandas as pd
import pytest

from consult_coder import charts
from consult_coder.analysis import cooccurrence, participant_matrix, theme_frequency
from consult_coder.export.docx_layout import png_size
from tests.factories import EVERYONE

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _dataset(chart: alt.TopLevelMixin) -> list[dict]:
    spec = chart.to_dict()
    (values,) = spec["datasets"].values()
    return values


def _urls(node) -> list[str]:
    """Every "url" in a spec: there must be none, so nothing is fetched."""
    if isinstance(node, dict):
        return [v for k, v in node.items() if k == "url"] + [u for v in node.values() for u in _urls(v)]
    if isinstance(node, list):
        return [u for v in node for u in _urls(v)]
    return []


def _svg_texts(svg: bytes) -> set[str]:
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")
    return {el.text for el in root.iter() if el.tag.endswith("text") and el.text}


def _mark_texts(svg: bytes) -> list[str]:
    root = ET.fromstring(svg)
    groups = [g for g in root.iter() if "mark-text role-mark" in g.get("class", "")]
    return [el.text for g in groups for el in g.iter() if el.tag.endswith("text") and el.text]


def test_frequency_bars_show_n_of_N_and_percent_in_group_colours(analysis_study):
    with analysis_study.session() as s:
        chart = charts.frequency_chart(theme_frequency(s, layer="union", viewer=EVERYONE))
    rows = {(r["code"], r["split"]): r for r in _dataset(chart)}
    youth, clinicians = "Young people (N = 5)", "Clinicians (N = 3)"  # each group's N in the legend
    assert rows[("Trust and bond", youth)]["n_of_N"] == "4 of 5"
    assert rows[("Trust and bond", youth)]["pct"] == 80.0
    assert rows[("Trust and bond", youth)]["n_pct"] == "4 (80%)"  # as the report's tables write it
    assert rows[("Goal setting", clinicians)]["pct"] == 66.7
    bars, labels = chart.to_dict()["layer"]
    colour = bars["encoding"]["color"]["scale"]
    assert colour["domain"] == [youth, clinicians]  # readers' words in the legend
    assert colour["range"] == [charts.GROUP_COLOURS["youth"], charts.GROUP_COLOURS["clinician"]]
    assert [t["title"] for t in bars["encoding"]["tooltip"]] == ["Theme", "Group", "Participants", "%",
                                                                 "Segments"]
    assert bars["encoding"]["y"]["sort"] == ["Trust and bond", "Confidentiality", "Goal setting", "Empathy"]
    assert labels["encoding"]["text"]["field"] == "n_pct"
    texts = _svg_texts(charts.to_svg(chart))
    assert {youth, clinicians, "4 (80%)", "2 (67%)", "0 (0%)"} <= texts  # drawn on the bars


def test_frequency_chart_by_another_attribute_labels_it(analysis_study):
    with analysis_study.session() as s:
        chart = charts.frequency_chart(theme_frequency(s, layer="alice", by="age_band", viewer=EVERYONE))
    bars = chart.to_dict()["layer"][0]
    assert bars["encoding"]["color"]["title"] == "Age band"
    assert bars["encoding"]["color"]["scale"]["domain"] == ["14-17 (N = 3)", "18-24 (N = 2)",
                                                            "(not recorded) (N = 3)"]


def test_every_chart_renders_to_png_and_svg_without_any_url(analysis_study):
    with analysis_study.session() as s:
        built = [
            charts.frequency_chart(theme_frequency(s, layer="alice", viewer=EVERYONE)),
            charts.cooccurrence_chart(cooccurrence(s, layer="alice", mode="sentence", viewer=EVERYONE)),
            charts.participant_grid_chart(participant_matrix(s, layer="alice", viewer=EVERYONE)),
            charts.participant_grid_chart(participant_matrix(s, layer="alice", binary=True, viewer=EVERYONE)),
        ]
    for chart in built:
        assert _urls(json.loads(chart.to_json())) == []
        png = charts.to_png(chart)
        assert png.startswith(PNG_MAGIC) and len(png) > 1000
        texts = _svg_texts(charts.to_svg(chart))
        assert "Confidentiality" in texts  # labels are drawn with a local font


def test_rendering_refuses_to_fetch_remote_data():
    chart = alt.Chart(alt.UrlData("https://example.com/data.csv")).mark_bar().encode(x="a:Q")
    with pytest.raises(ValueError, match="not allowed"):
        charts.to_png(chart)


def test_cooccurrence_heatmap_numbers_off_the_diagonal(analysis_study):
    with analysis_study.session() as s:
        chart = charts.cooccurrence_chart(cooccurrence(s, layer="alice", mode="sentence", viewer=EVERYONE))
    cells = {(r["code_a"], r["code_b"]): r for r in _dataset(chart)}
    assert cells[("Goal setting", "Confidentiality")]["count"] == 1
    assert cells[("Trust and bond", "Goal setting")]["count"] == 0
    assert cells[("Trust and bond", "Trust and bond")]["same"] is True
    texts = _svg_texts(charts.to_svg(chart))
    assert "Themes together (sentences)" in texts
    # the numbers drawn on cells: four 1s (two pairs, both ways), nothing on the diagonal
    assert sorted(_mark_texts(charts.to_svg(chart))) == ["1", "1", "1", "1"]


def test_participant_grid_has_one_row_per_participant(analysis_study):
    with analysis_study.session() as s:
        chart = charts.participant_grid_chart(participant_matrix(s, layer="alice", viewer=EVERYONE))
    data = _dataset(chart)
    assert len(data) == 8 * 4
    cell = next(r for r in data if r["participant_id"] == "P21" and r["code"] == "Confidentiality")
    assert (cell["count"], cell["row"], cell["role"]) == (2, "P21 (clinician)", "lay health counsellor")
    assert cell["group"] == "Clinicians"  # the group's display label, as in the tables
    texts = _svg_texts(charts.to_svg(chart))
    assert {"P01 (young person)", "P23 (clinician)", "Empathy"} <= texts


LONG_THEMES = [f"Theme {i:02d}: a long name for what participants said" for i in range(1, 15)]


def _synthetic_grid(participants: int) -> pd.DataFrame:
    """A participant × theme grid as the analysis returns it, with 14 long theme names."""
    rng = np.random.default_rng(7)
    grid = pd.DataFrame({
        "participant_id": [f"P{i:04d}" for i in range(1, participants + 1)],
        "group": ["youth" if i % 3 else "clinician" for i in range(participants)],
        "role": ["young person" if i % 3 else "lay health counsellor" for i in range(participants)],
    })
    for theme in LONG_THEMES:
        grid[theme] = rng.integers(0, 4, participants)
    return grid


def test_heatmaps_label_every_theme_and_every_participant_in_full():
    grid = _synthetic_grid(40)
    texts = _svg_texts(charts.to_svg(charts.participant_grid_chart(grid)))
    assert set(LONG_THEMES) <= texts  # no name cut short with an ellipsis
    assert {f"P{i:04d} ({'young person' if (i - 1) % 3 else 'clinician'})" for i in range(1, 41)} <= texts
    counts = grid[LONG_THEMES].to_numpy()
    matrix = pd.DataFrame(counts.T @ counts, index=pd.Index(LONG_THEMES, name="code"), columns=LONG_THEMES)
    texts = _svg_texts(charts.to_svg(charts.cooccurrence_chart(matrix)))
    assert set(LONG_THEMES) <= texts
    numbered = _svg_texts(charts.to_svg(charts.cooccurrence_chart(matrix, numbered=True)))
    assert {f"{i}. {name}" for i, name in enumerate(LONG_THEMES, start=1)} <= numbered
    assert {str(i) for i in range(1, 15)} <= numbered


def test_heatmaps_grow_with_their_rows_and_columns_so_labels_never_overlap():
    small = charts.to_png(charts.participant_grid_chart(_synthetic_grid(30)), scale=1)
    large = charts.to_png(charts.participant_grid_chart(_synthetic_grid(100)), scale=1)
    (w_small, h_small), (w_large, h_large) = png_size(small), png_size(large)
    assert w_small == w_large
    assert h_large - h_small == 70 * charts.ROW_STEP  # one row step per participant


def test_the_participant_grid_of_a_thousand_participants_renders_every_row():
    chart = charts.participant_grid_chart(_synthetic_grid(1000))  # 14,000 cells: past Altair's 5,000
    svg = charts.to_svg(chart)
    texts = _svg_texts(svg)
    assert {f"P{i:04d}" for i in range(1, 1001)} <= {t.split(" ")[0] for t in texts}
    png = charts.to_png(chart, scale=1)
    assert png_size(png)[1] >= 1000 * charts.DENSE_ROW_STEP
