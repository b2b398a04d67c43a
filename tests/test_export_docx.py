"""The Word report, opened again with python-docx as a reader would open it in Word."""

from __future__ import annotations

import io
import re

import pytest
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Emu
from docx.table import Table
from docx.text.paragraph import Paragraph
from sqlalchemy import select

from consult_coder.analysis import group_comparison, theme_frequency
from consult_coder.export import (
    ExportOptions,
    ReportContext,
    render_docx,
    report_docx,
    section,
    theme_table_docx,
)
from consult_coder.export.docx_layout import setup_document
from consult_coder.export.formatting import attribution
from consult_coder.export.registry import FULL_REPORT, SECTIONS
from consult_coder.export.sections_themes import needs_landscape
from consult_coder.model import Coder, Coding, Transcript
from consult_coder.sample import load_demo
from tests.factories import EVERYONE, build_export_study, in_session

GROUPS = {"youth": "Young people", "clinician": "Clinicians"}
NBSP = "\u00a0"


@pytest.fixture
def study(sqlite_project):
    build_export_study(sqlite_project)
    return sqlite_project


@pytest.fixture(scope="module")
def sample_report(tmp_path_factory) -> tuple[Document, dict[str, str]]:
    """The sample study's full report (union of the coders), as a new user's first export, and each
    participant's transcript text."""
    from consult_coder.storage import open_project

    project = open_project(str(tmp_path_factory.mktemp("sample") / "sample.sqlite"))
    in_session(project, load_demo)
    with project.session() as s:
        doc = Document(io.BytesIO(report_docx(s, ExportOptions(layer="union", viewer=EVERYONE))))
        texts = dict(s.execute(select(Transcript.participant_id, Transcript.text)).all())
    project.close()
    return doc, texts


def report(project, **options) -> Document:
    with project.session() as s:
        return Document(io.BytesIO(report_docx(s, ExportOptions(**options, viewer=EVERYONE))))


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


def quote_texts(doc: Document) -> list[str]:
    """The quotes with their attributions, as read aloud."""
    return [p.text.replace(NBSP, " ") for p in doc.paragraphs if p.style.name == "Quote"]


def rows(table: Table) -> list[list[str]]:
    """Cell texts as read aloud (a non-breaking space reads as a space)."""
    return [[c.text.replace(NBSP, " ") for c in row.cells] for row in table.rows]


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
        freq = theme_frequency(s, "consensus", viewer=EVERYONE)
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
        comp = group_comparison(s, "consensus", viewer=EVERYONE).set_index("code")
    boundaries = next(r for r in grid if r[0] == "Boundaries")
    row = comp.loc["Boundaries"]
    assert boundaries[1:3] == ["0 (0%)", "2 (100%)"]
    # zero cell: no bare 0 as the estimate, the exact interval, and a mark pointing at the note
    mark = boundaries[3][-1]
    assert boundaries[3] == f"undefined (0–{row.ci_high:.2f}){mark}"
    assert boundaries[4:] == [f"{row.p_value:.3f}", f"{row.p_adjusted:.3f}"]
    assert "Small groups (Young people N = 3, Clinicians N = 2)" in note.text  # the table's words
    assert "Benjamini–Hochberg" in note.text
    footnote = note.text[note.text.index(f"{mark} Zero cell"):]
    assert footnote.startswith(f"{mark} Zero cell (no young person participant mentioned it")
    assert "the point estimate is undefined; the exact 95% interval is shown" in footnote


def test_quotes_per_theme_and_group_with_attributions_pinned_first(study):
    doc = report(study, layer="consensus")
    quotes = quote_texts(doc)
    # cut mid-sentence: an ellipsis says so; a full stop right after the passage is kept
    pinned = "“Knowing it stays between us …” — P02, young person, 18-20"
    longer = "“… what I said stayed private, nobody at school would ever hear it.” — P01, young person, 14-17"
    assert quotes.index(pinned) < quotes.index(longer)  # pinned first, although shorter
    assert "“… what they share stays with me.” — P21, clinician, lay health counsellor" in quotes
    assert not any("feel safe" in q for q in quotes)  # the interviewer's question is not a quote
    texts = [p.text.replace(NBSP, " ") for p in doc.paragraphs]
    assert texts.index("Young people") < texts.index(pinned) < texts.index("Clinicians")


def test_a_passage_two_coders_coded_with_different_spans_is_quoted_once(study):
    quotes = quote_texts(report(study, layer="union"))
    assert "“It helped that what I said stayed private …” — P01, young person, 14-17" in quotes
    assert not any(q.startswith("“… stayed private") for q in quotes)  # alice's shorter span of it


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
    assert len(doc.inline_shapes) == 3  # theme chart, co-occurrence and (alice vs bob) agreement heatmaps
    assert any(p.text.startswith("Figure 1. ") for p in doc.paragraphs)
    assert any(p.text.startswith("Figure 2. Co-occurrence of themes as a heatmap") for p in doc.paragraphs)
    orientations = [(s.orientation, s.page_width > s.page_height) for s in doc.sections]
    assert (WD_ORIENT.LANDSCAPE, True) in orientations  # the 9-theme co-occurrence table
    assert orientations[0] == orientations[-1] == (WD_ORIENT.PORTRAIT, False)
    _, table, _ = table_after(doc, "Table 4.")
    assert rows(table)[0] == ["Theme", *(str(i) for i in range(1, 10))]
    assert rows(table)[1][:3] == ["1. Confidentiality", "3", ""]  # lower triangle: each pair once


def test_theme_table_only_document_holds_just_that_table(study):
    with study.session() as s:
        doc = Document(io.BytesIO(theme_table_docx(s, ExportOptions(layer="consensus", viewer=EVERYONE))))
    assert len(doc.tables) == 1 and not doc.inline_shapes
    assert doc.paragraphs[0].text == "Table 1. Participants mentioning each theme, by group"
    assert rows(doc.tables[0])[1] == ["Confidentiality", "2 (67%)", "1 (50%)"]
    assert doc.paragraphs[-1].text.startswith("Note. ")


def test_a_new_section_slots_into_the_report_by_key(study, monkeypatch):
    def agreement(doc, ctx) -> None:
        doc.add_heading("Agreement between coders", level=1)

    monkeypatch.setitem(SECTIONS, "agreement", agreement)
    with study.session() as s:
        ctx = ReportContext.load(s, ExportOptions(layer="consensus", viewer=EVERYONE))
    doc = Document(io.BytesIO(render_docx(ctx, (*FULL_REPORT[:4], "agreement"))))
    assert [p.text for p in doc.paragraphs if p.style.name == "Heading 1"][-1] == "Agreement between coders"
    with pytest.raises(ValueError, match="registered twice"):
        section("theme_table")(agreement)


def test_table_columns_are_sized_to_their_content_with_a_fixed_layout(study):
    doc = report(study, layer="consensus")
    for caption_start in ("Table 2.", "Table 3."):
        _, table, _ = table_after(doc, caption_start)
        tbl = table._tbl
        assert tbl.tblPr.find(qn("w:tblLayout")).get(qn("w:type")) == "fixed"  # nothing left to autofit
        grid = [int(col.get(qn("w:w"))) for col in tbl.tblGrid.findall(qn("w:gridCol"))]
        for row in table.rows:  # Word reads the cells, LibreOffice the grid: they agree
            assert [int(c._tc.tcPr.tcW.get(qn("w:w"))) for c in row.cells] == grid
        section = doc.sections[0]
        text_width = Emu(section.page_width - section.left_margin - section.right_margin).twips
        assert text_width - len(grid) <= sum(grid) <= text_width
        assert int(tbl.tblPr.find(qn("w:tblW")).get(qn("w:w"))) == sum(grid)
        # headers and numbers hold no breaking space; theme names may wrap between words
        header = [c.text for c in table.rows[0].cells]
        assert all(" " not in line for text in header for line in text.split("\n"))
        numbers = [c.text for row in table.rows[1:] for c in row.cells[1:]]
        assert all(" " not in text for text in numbers) and any(NBSP in text for text in numbers)
        assert " " in next(c.text for c in table.columns[0].cells[1:] if len(c.text.split()) > 1)


def test_every_quote_of_the_sample_study_is_whole_words_and_says_who_said_it(sample_report):
    doc, texts = sample_report
    quotes = quote_texts(doc)
    assert len(quotes) >= 30
    for par in (p for p in doc.paragraphs if p.style.name == "Quote"):  # attributions never break badly
        assert f"—{NBSP}P" in par.text and par._p.xpath(".//w:noBreakHyphen"), par.text
    attributed = re.compile(r"^“(?P<quote>.+)” — (?P<pid>P\d\d), (?P<who>young person|clinician, [a-z ]+), "
                            r"(?P<age>\d\d-\d\d)$")
    for line in quotes:
        m = attributed.match(line)
        assert m, f"not attributed with id, group, role and age band: {line}"
        quote = m["quote"]
        # starts at a sentence start or says it does not; ends at a sentence end or says it does not
        assert quote[0].isupper() or quote.startswith("… "), line
        assert quote[-1] in ".!?…" or quote.endswith(("…", ".”", "?”")), line
        text = " ".join(texts[m["pid"]].split())
        for part in quote.split(" … "):
            part = part.strip("… ")
            at = text.find(part)
            assert at >= 0, f"not the participant's words: {part}"
            assert at == 0 or not text[at - 1].isalnum(), f"starts inside a word: {part}"
            end = at + len(part)
            assert end == len(text) or not text[end].isalnum(), f"ends inside a word: {part}"


def test_a_passage_selected_mid_word_is_quoted_in_whole_words(study):
    with study.session() as s:
        t = s.scalar(select(Transcript).where(Transcript.participant_id == "P03"))
        start = t.text.index("e wrote down one small go")
        consensus = s.scalar(select(Coder.id).where(Coder.name == "consensus"))
        s.add(Coding(transcript_id=t.id, start=start, end=start + len("e wrote down one small go"),
                     code_id="regular_meetings", coder_id=consensus))
    quotes = quote_texts(report(study, layer="consensus"))
    assert "“We wrote down one small goal …” — P03, young person, 21-24" in quotes


def test_an_attribution_always_names_the_group_and_the_role():
    assert attribution("P23", "clinician", "psychiatrist", "35-44") == "P23, clinician, psychiatrist, 35-44"
    assert attribution("P07", "youth", "young person", "18-20") == "P07, young person, 18-20"
    assert attribution("P05", "youth", "student", "(not recorded)") == "P05, young person, student"
    assert attribution("P40", "clinician", "(not recorded)", "") == "P40, clinician, role not recorded"
    assert attribution("P41", "(not recorded)", "nurse", "") == "P41, group not recorded, nurse"


def test_the_co_occurrence_table_and_its_heatmap_share_the_landscape_page(sample_report):
    doc, _ = sample_report
    items = blocks(doc)
    start = next(i for i, b in enumerate(items) if isinstance(b, Paragraph) and b.text.startswith("Table 4."))
    figure = next(b for b in items[start:] if isinstance(b, Paragraph) and b.text.startswith("Figure 2."))
    assert not figure.paragraph_format.page_break_before  # no page of its own
    landscape = next(s for s in doc.sections if s.page_width > s.page_height)
    before = sum(1 for b in items[:items.index(figure)]
                 if isinstance(b, Paragraph) and b._p.xpath(".//a:blip"))
    picture = doc.inline_shapes[before]  # Figure 2's own picture: the first after its caption
    height = landscape.page_height - landscape.top_margin - landscape.bottom_margin
    assert picture.height < height / 2 and picture.width <= landscape.page_width - 2 * landscape.left_margin


def test_each_codebook_entry_is_kept_on_one_page(sample_report):
    doc, _ = sample_report
    texts = [p.text for p in doc.paragraphs]
    appendix = doc.paragraphs[texts.index("Appendix. Codebook, version 1") + 1:]
    entries: list[list[Paragraph]] = []
    for par in appendix:
        if par.style.name == "Heading 2":
            entries.append([])
        entries[-1].append(par)
    assert len(entries) == 12
    for entry in entries:
        assert [p.paragraph_format.keep_with_next for p in entry] == [True] * (len(entry) - 1) + [False]
        assert all(p.paragraph_format.keep_together for p in entry)


def test_a_table_too_wide_for_a_portrait_page_gets_a_landscape_page():
    doc = Document()
    setup_document(doc)
    groups = [f"Group with a long name {i} (N = 20)\nn (%)" for i in range(5)]
    row = ["Theme", *["12 (60%)"] * 5]
    centred = ["center"] * 5
    assert needs_landscape(doc, ["Theme", *groups], [row], ["left", *centred])
    assert not needs_landscape(doc, ["Theme", *groups[:2]], [row[:3]], ["left", *centred[:2]])
    numbers = [str(i) for i in range(1, 13)]  # many narrow columns: landscape too
    assert needs_landscape(doc, ["Theme", *numbers], [["Theme", *numbers]], ["left", *["center"] * 12])
