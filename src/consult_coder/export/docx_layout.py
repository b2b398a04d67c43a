"""Word building blocks in publication style: captions, tables, notes, page orientation.

Tables use one of Word's own built-in styles so a journal's template restyles them cleanly; the
header row repeats on every page and no row splits across pages. Captions use Word's "Caption"
style, so Word can list them in a table of tables.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Literal

from docx.document import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Emu, Pt, RGBColor
from docx.table import Table

TABLE_STYLE = "Light Shading"  # built in: rules above/below the header and at the foot
BODY_FONT = "Calibri"
TABLE_FONT_SIZE = Pt(9.5)
A4 = (Cm(21.0), Cm(29.7))
MARGIN = Cm(2.2)
BLACK = RGBColor(0, 0, 0)

Align = Literal["left", "center", "right"]
_ALIGN = {"left": WD_ALIGN_PARAGRAPH.LEFT, "center": WD_ALIGN_PARAGRAPH.CENTER,
          "right": WD_ALIGN_PARAGRAPH.RIGHT}


def setup_document(doc: Document) -> None:
    """A4 portrait, even margins, one body font; headings and captions in black, not theme blue."""
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = A4
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, MARGIN)
    normal = doc.styles["Normal"]
    normal.font.name = BODY_FONT
    normal.font.size = Pt(11)
    for name in ("Title", "Heading 1", "Heading 2", "Heading 3", "Caption"):
        style = doc.styles[name]
        style.font.color.rgb = BLACK
        style.font.name = BODY_FONT
    caption = doc.styles["Caption"]
    caption.font.size = Pt(10)
    caption.font.bold = False
    caption.font.italic = False


def text_width(doc: Document) -> Emu:
    section = doc.sections[-1]
    return Emu(section.page_width - section.left_margin - section.right_margin)


def new_section(doc: Document, landscape: bool) -> None:
    """Start a new page in the given orientation (page width and height swap with it)."""
    section = doc.add_section(WD_SECTION.NEW_PAGE)
    wide = section.page_width > section.page_height
    if wide != landscape:
        section.page_width, section.page_height = section.page_height, section.page_width
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT


def ensure_orientation(doc: Document, landscape: bool) -> bool:
    """Switch orientation only if the current section is the other way round; say if a page began."""
    section = doc.sections[-1]
    if (section.page_width > section.page_height) == landscape:
        return False
    new_section(doc, landscape)
    return True


def caption(doc: Document, label: str, number: int, text: str) -> None:
    """``Table 1. Themes …`` above a table or figure, kept on the page with it."""
    par = doc.add_paragraph(style="Caption")
    par.add_run(f"{label} {number}. ").bold = True
    par.add_run(text).italic = True
    par.paragraph_format.keep_with_next = True
    par.paragraph_format.space_before = Pt(12)


def note(doc: Document, text: str) -> None:
    """``Note.`` line under a table, in the table's small type."""
    par = doc.add_paragraph()
    par.add_run("Note. ").italic = True
    run = par.add_run(text)
    for r in par.runs:
        r.font.size = Pt(9)
    run.font.size = Pt(9)
    par.paragraph_format.space_after = Pt(12)


def _set_repeat_header(row) -> None:  # noqa: ANN001 - python-docx row
    tr_pr = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    tr_pr.append(header)


def _set_cant_split(row) -> None:  # noqa: ANN001 - python-docx row
    cant = OxmlElement("w:cantSplit")
    cant.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(cant)


def add_table(
    doc: Document,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    align: Sequence[Align],
    weights: Sequence[float] | None = None,
    font_size: Pt = TABLE_FONT_SIZE,
) -> Table:
    """A table filling the text width; ``weights`` share that width between the columns."""
    table = doc.add_table(rows=1, cols=len(header))
    table.style = doc.styles[TABLE_STYLE]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    weights = list(weights or [1.0] * len(header))
    total = text_width(doc)
    widths = [Emu(int(total * w / sum(weights))) for w in weights]
    for i, text in enumerate(header):
        table.rows[0].cells[i].text = str(text)
    for values in rows:
        cells = table.add_row().cells
        for i, text in enumerate(values):
            cells[i].text = str(text)
    for i, column in enumerate(table.columns):  # the grid is what LibreOffice reads; Word reads the cells
        column.width = widths[i]
    for r, row in enumerate(table.rows):
        _set_cant_split(row)
        if r == 0:
            _set_repeat_header(row)
        for i, cell in enumerate(row.cells):
            cell.width = widths[i]
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
            for par in cell.paragraphs:
                par.alignment = _ALIGN[align[i]]
                par.paragraph_format.space_after = Pt(0)
                for run in par.runs:
                    run.font.size = font_size
                    run.font.bold = r == 0
                    run.font.color.rgb = BLACK
    _table_look(table)
    return table


def _table_look(table: Table) -> None:
    """Header row styled; no bold first column (it holds names), no banded rows (print style)."""
    look = table._tbl.tblPr.find(qn("w:tblLook"))
    if look is None:
        look = OxmlElement("w:tblLook")
        table._tbl.tblPr.append(look)
    for key, value in (("w:firstRow", "1"), ("w:firstColumn", "0"), ("w:lastRow", "0"),
                       ("w:lastColumn", "0"), ("w:noHBand", "1"), ("w:noVBand", "1"), ("w:val", "0620")):
        look.set(qn(key), value)


def add_picture(doc: Document, png: bytes, width_fraction: float = 1.0) -> None:
    """An inline image centred in the text width."""
    doc.add_picture(io.BytesIO(png), width=Emu(int(text_width(doc) * width_fraction)))
    doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
