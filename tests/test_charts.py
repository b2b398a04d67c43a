"""Charts of the analysis tables: the numbers users see in tooltips, and PNG/SVG files made offline.

The analysis study is described in tests/factories.py.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import altair as alt
import pytest

from consult_coder import charts
from consult_coder.analysis import cooccurrence, participant_matrix, theme_frequency

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
        chart = charts.frequency_chart(theme_frequency(s, layer="union"))
    rows = {(r["code"], r["split"]): r for r in _dataset(chart)}
    assert rows[("Trust and bond", "Young people")]["n_of_N"] == "4 of 5"
    assert rows[("Trust and bond", "Young people")]["pct"] == 80.0
    assert rows[("Goal setting", "Clinicians")]["pct"] == 66.7
    spec = chart.to_dict()
    colour = spec["encoding"]["color"]["scale"]
    assert colour["domain"] == ["Young people", "Clinicians"]  # readers' words in the legend
    assert colour["range"] == [charts.GROUP_COLOURS["youth"], charts.GROUP_COLOURS["clinician"]]
    assert [t["title"] for t in spec["encoding"]["tooltip"]] == ["Theme", "Group", "Participants", "%",
                                                                 "Segments"]
    assert spec["encoding"]["y"]["sort"] == ["Trust and bond", "Confidentiality", "Goal setting", "Empathy"]


def test_frequency_chart_by_another_attribute_labels_it(analysis_study):
    with analysis_study.session() as s:
        chart = charts.frequency_chart(theme_frequency(s, layer="alice", by="age_band"))
    spec = chart.to_dict()
    assert spec["encoding"]["color"]["title"] == "Age band"
    assert spec["encoding"]["color"]["scale"]["domain"] == ["14-17", "18-24", "(not recorded)"]


def test_every_chart_renders_to_png_and_svg_without_any_url(analysis_study):
    with analysis_study.session() as s:
        built = [
            charts.frequency_chart(theme_frequency(s, layer="alice")),
            charts.cooccurrence_chart(cooccurrence(s, layer="alice", mode="sentence")),
            charts.participant_grid_chart(participant_matrix(s, layer="alice")),
            charts.participant_grid_chart(participant_matrix(s, layer="alice", binary=True)),
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
        chart = charts.cooccurrence_chart(cooccurrence(s, layer="alice", mode="sentence"))
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
        chart = charts.participant_grid_chart(participant_matrix(s, layer="alice"))
    data = _dataset(chart)
    assert len(data) == 8 * 4
    cell = next(r for r in data if r["participant_id"] == "P21" and r["code"] == "Confidentiality")
    assert (cell["count"], cell["row"], cell["role"]) == (2, "P21 (clinician)", "lay health counsellor")
    texts = _svg_texts(charts.to_svg(chart))
    assert {"P01 (youth)", "P23 (clinician)", "Empathy"} <= texts
