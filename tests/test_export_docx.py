"""The Word report, opened again with python-docx as a reader would open it in Word."""

from __future__ import annotations

import io

import pytest
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.table import Table
from docx.text.paragraph import Paragraph

from consult_coder.analysis import group_comparison, theme_frequency
from consult_coder.export import (
    ExportOptions,
    ReportContext,
    render_docx,
    report_docx,
    section,
    theme_table_docx,
)
from consult_coder.export.registry import FULL_REPORT, SECTIONS
from tests.factories import build_export_study

GROUPS = {"youth": "Young people", "clinician": "Clinicians"}


@pytest.fixture
def study(sqlite_project):
    build_export_study(sqlite_project)
    return sqlite_project


def report(project, **options) -> Document:
    with project.session() as s:
        return Document(io.BytesIO(report_docx(s, ExportOptions(**options))))


def blocks(doc: Document) -> list[Paragraph | Table]:
    """Body paragraphs and tables in document order."""
    out: list[Paragraph | Table] = []
    for el in doc.element.body.iterchildren():
        if el.tag == qn("w:p"):
            out.append(Paragraph(el, doc))
        elif el.tag == qn("w:tbl"):
            out.append(Table(el, doc))
    return out


def table_after(doc: Document, caption_start: str) -> tuple[Paragraph, Table, Paragraph]:
    """The caption starting with ``caption_start``, the table under it and the note line below."""
    items = blocks(doc)
    for i, item in enumerate(items):
        if isinstance(item, Paragraph) and item.text.startswith(caption_start):
            return item, items[i + 1], items[i + 2]
    raise AssertionError(f"no caption starting {caption_start!r}")


def rows(table: Table) -> list[list[str]]:
    return [[c.text for c in row.cells] for row in table.rows]


def test_theme_table_shows_n_and_percent_per_group_as_the_analysis_counts_them(study):
    doc = report(study, layer="consensus")
    cap, table, note = table_after(doc, "Table 2.")
    assert cap.text == "Table 2. Participants mentioning each theme, by group"
    assert cap.style.name == "Caption"
    grid = rows(table)
    assert grid[0] == ["Theme", "Young people (N = 3)\nn (%)", "Clinicians (N = 2)\nn (%)"]
    assert grid[1] == ["Confidentiality", "2 (67%)", "1 (50%)"]
    assert grid[4] == ["Boundaries", "0 (0%)", "2 (100%)"]
    # Every cell is the analysis result, in codebook order.
    with study.session() as s:
        freq = theme_frequency(s, "consensus")
    for line in grid[1:]:
        for group, cell in zip(GROUPS, line[1:], strict=True):
            r = freq[(freq["code"] == line[0]) & (freq["group"] == group)].iloc[0]
            assert cell == f"{r.participants_n} ({r.participants_pct:.0f}%)"
    assert note.text.startswith("Note. n (%) = participants with at least one coded segment")
    assert "young people N = 3, clinicians N = 2" in note.text and "consensus codings" in note.text


def test_tables_are_in_print_style_with_the_header_repeated_on_each_page(study):
    _, table, _ = table_after(report(study, layer="consensus"), "Table 2.")
    assert table.style.name == "Light Shading"  # one of Word's built-in styles
    header = table.rows[0]._tr
    assert header.trPr.find(qn("w:tblHeader")) is not None
    number_cell = table.rows[1].cells[1].paragraphs[0]
    assert number_cell.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert table.rows[1].cells[0].paragraphs[0].alignment == WD_ALIGN_PARAGRAPH.LEFT


def test_interviewer_speech_counts_only_when_asked(study):
    # The consensus coded the interviewer's question as "Trust and bond" in P01's transcript.
    _, without, note = table_after(report(study, layer="consensus"), "Table 2.")
    assert rows(without)[9] == ["Trust and bond", "0 (0%)", "0 (0%)"]
    assert "participant speech only" in note.text
    _, with_, note = table_after(report(study, layer="consensus", include_interviewer=True), "Table 2.")
    assert rows(with_)[9] == ["Trust and bond", "1 (33%)", "0 (0%)"]
    assert "interviewer and participant speech" in note.text


def test_one_coders_layer_is_counted_and_named(study):
    doc = report(study, layer="alice", title="Alice's first pass")
    assert doc.paragraphs[0].text == "Alice's first pass"
    _, table, note = table_after(doc, "Table 2.")
    assert rows(table)[1] == ["Confidentiality", "1 (33%)", "0 (0%)"]
    assert "codings by alice" in note.text


def test_group_comparison_reports_fisher_odds_ratio_and_adjusted_p(study):
    doc = report(study, layer="consensus")
    cap, table, note = table_after(doc, "Table 3.")
    assert "Fisher's exact test" in cap.text
    grid = rows(table)
    assert grid[0] == ["Theme", "Young people\nn (%)", "Clinicians\nn (%)", "OR (95% CI)", "p", "Adjusted p"]
    with study.session() as s:
        comp = group_comparison(s, "consensus").set_index("code")
    boundaries = next(r for r in grid if r[0] == "Boundaries")
    row = comp.loc["Boundaries"]
    assert boundaries[1:3] == ["0 (0%)", "2 (100%)"]
    assert boundaries[3].startswith(f"0 (0–{row.ci_high:.2f})")  # zero cell: flagged with a mark
    assert boundaries[4:] == [f"{row.p_value:.3f}", f"{row.p_adjusted:.3f}"]
    assert "Small groups (youth N = 3, clinician N = 2)" in note.text
    assert "Benjamini–Hochberg" in note.text and "Zero cell" in note.text


def test_quotes_per_theme_and_group_with_attributions_pinned_first(study):
    doc = report(study, layer="consensus")
    quotes = [p.text for p in doc.paragraphs if p.style.name == "Quote"]
    pinned = "“Knowing it stays between us” — P02, young person, 18-20"
    longer = "“what I said stayed private, nobody at school would ever hear it” — P01, young person, 14-17"
    assert quotes.index(pinned) < quotes.index(longer)  # pinned first, although shorter
    assert "“what they share stays with me” — P21, clinician, lay health counsellor" in quotes
    assert not any("feel safe" in q for q in quotes)  # the interviewer's question is not a quote
    texts = [p.text for p in doc.paragraphs]
    assert texts.index("Young people") < texts.index(pinned) < texts.index("Clinicians")


def test_a_passage_two_coders_coded_with_different_spans_is_quoted_once(study):
    quotes = [p.text for p in report(study, layer="union").paragraphs if p.style.name == "Quote"]
    assert "“It helped that what I said stayed private” — P01, young person, 14-17" in quotes
    assert not any(q.startswith("“stayed private”") for q in quotes)  # alice's shorter span of it


def test_codebook_appendix_lists_definitions_and_when_to_use(study):
    texts = [p.text for p in report(study, layer="consensus").paragraphs]
    start = texts.index("Appendix. Codebook")
    appendix = texts[start:]
    assert appendix[1] == "Confidentiality"
    assert "Definition: What is said stays private." in appendix
    assert "When to use: Privacy promised or felt." in appendix
    assert "When not to use: General trust without privacy." in appendix
    assert "Example: It stays between us." in appendix


def test_chart_is_an_inline_picture_and_the_wide_table_gets_a_landscape_page(study):
    doc = report(study, layer="consensus")
    assert len(doc.inline_shapes) == 2  # the theme chart and the co-occurrence heatmap
    assert any(p.text.startswith("Figure 1. ") for p in doc.paragraphs)
    assert any(p.text == "Figure 2. Co-occurrence of themes as a heatmap" for p in doc.paragraphs)
    orientations = [(s.orientation, s.page_width > s.page_height) for s in doc.sections]
    assert (WD_ORIENT.LANDSCAPE, True) in orientations  # the 9-theme co-occurrence table
    assert orientations[0] == orientations[-1] == (WD_ORIENT.PORTRAIT, False)
    _, table, _ = table_after(doc, "Table 4.")
    assert rows(table)[0] == ["Theme", *(str(i) for i in range(1, 10))]
    assert rows(table)[1][:3] == ["1. Confidentiality", "3", ""]  # lower triangle: each pair once


def test_theme_table_only_document_holds_just_that_table(study):
    with study.session() as s:
        doc = Document(io.BytesIO(theme_table_docx(s, ExportOptions(layer="consensus"))))
    assert len(doc.tables) == 1 and not doc.inline_shapes
    assert doc.paragraphs[0].text == "Table 1. Participants mentioning each theme, by group"
    assert rows(doc.tables[0])[1] == ["Confidentiality", "2 (67%)", "1 (50%)"]
    assert doc.paragraphs[-1].text.startswith("Note. ")


def test_a_new_section_slots_into_the_report_by_key(study, monkeypatch):
    def agreement(doc, ctx) -> None:
        doc.add_heading("Agreement between coders", level=1)

    monkeypatch.setitem(SECTIONS, "agreement", agreement)
    with study.session() as s:
        ctx = ReportContext.load(s, ExportOptions(layer="consensus"))
    doc = Document(io.BytesIO(render_docx(ctx, (*FULL_REPORT[:4], "agreement"))))
    assert [p.text for p in doc.paragraphs if p.style.name == "Heading 1"][-1] == "Agreement between coders"
    with pytest.raises(ValueError, match="registered twice"):
        section("theme_table")(agreement)
