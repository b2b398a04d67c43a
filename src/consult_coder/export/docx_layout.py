"""Word building blocks in publication style: captions, tables, notes, figures, page orientation.

Tables use one of Word's own built-in styles so a journal's template restyles them cleanly; the
header row repeats on every page and no row splits across pages. Captions use Word's "Caption"
style, so Word can list them in a table of tables.

Column widths come from the content, not from the word processor: each column is as wide as its
widest unbreakable text, measured with the advance widths of a wide sans-serif (DejaVu Sans, which
LibreOffice uses when Calibri is missing; Calibri and Carlito are narrower), and the layout is fixed
(widths on the grid and on every cell, autofit off), so Word and LibreOffice draw the same columns
whatever fonts a machine has. Numbers and headers are measured as whole lines and their spaces are
non-breaking, so they never break; only text columns (theme names) wrap, between words.
"""

from __future__ import annotations

import io
import math
import re
import struct
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
from docx.text.paragraph import Paragraph

TABLE_STYLE = "Light Shading"  # built in: rules above/below the header and at the foot
BODY_FONT = "Calibri"
TABLE_FONT_SIZE = Pt(9.5)
NOTE_FONT_SIZE = Pt(9)
A4 = (Cm(21.0), Cm(29.7))
MARGIN = Cm(2.2)
CELL_MARGIN = Cm(0.12)  # left and right padding inside every cell, set explicitly: widths count on it
MIN_TEXT_COLUMN = Cm(3.0)  # a wrapping column (theme names) is never squeezed below this
LINE_HEIGHT = 1.3  # line height as a multiple of the font size: an upper bound for common sans fonts
CAPTION_HEIGHT = Pt(12 + 10 * LINE_HEIGHT + 10)  # space before, one line, space after
NBSP = "\u00a0"
BLACK = RGBColor(0, 0, 0)

Align = Literal["left", "center", "right"]
_ALIGN = {"left": WD_ALIGN_PARAGRAPH.LEFT, "center": WD_ALIGN_PARAGRAPH.CENTER,
          "right": WD_ALIGN_PARAGRAPH.RIGHT}

# Advance widths in em: the widest of each class in DejaVu Sans (regular); bold is up to 12% wider.
_EM = {**dict.fromkeys("ijlI.,:;'|", 0.32), **dict.fromkeys(f" {NBSP}", 0.32),
       **dict.fromkeys("frt()[]-/\\!", 0.46), **dict.fromkeys("–", 0.5),
       **dict.fromkeys("0123456789", 0.64), **dict.fromkeys("abcdeghknopqsuvxyz", 0.64),
       **dict.fromkeys("<=>+~#^∞", 0.84), **dict.fromkeys("mwMW%@—…", 1.0)}
_UPPER = 0.79
_OTHER = 0.7
_BOLD = 1.12
_SAFETY = 1.04
_BREAKS = re.compile(r"[ \t]+")  # where a line may wrap (never at a non-breaking space)


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
    caption_style = doc.styles["Caption"]
    caption_style.font.size = Pt(10)
    caption_style.font.bold = False
    caption_style.font.italic = False


def unbroken(text: str) -> str:
    """The same text with non-breaking spaces: ``N = 20``, ``n (%)``, ``2.67 (0.22–148)`` stay whole."""
    return text.replace(" ", NBSP)


def add_unbroken(par: Paragraph, text: str) -> None:
    """Append ``text`` with every hyphen non-breaking (Word's own no-break hyphen, which LibreOffice
    reads too): an age band "14-17" never splits across lines."""
    run = par.add_run()
    for i, piece in enumerate(text.split("-")):
        if i:
            run._r.append(OxmlElement("w:noBreakHyphen"))
        if piece:
            t = OxmlElement("w:t")
            t.text = piece
            t.set(qn("xml:space"), "preserve")
            run._r.append(t)


def text_extent(text: str, size: Pt = TABLE_FONT_SIZE, bold: bool = False) -> Emu:
    """How wide ``text`` is on one line, at most, in any common sans-serif font."""
    em = 0.0
    for ch in text:
        if ch in _EM:
            em += _EM[ch]
        elif ch.isascii() and ch.isupper():
            em += _UPPER
        else:
            em += 1.0 if ord(ch) >= 0x2E80 else _OTHER  # CJK and other full-width scripts
    return Emu(int(em * size * (_BOLD if bold else 1.0) * _SAFETY))


def text_width(doc: Document) -> Emu:
    section = doc.sections[-1]
    return Emu(section.page_width - section.left_margin - section.right_margin)


def text_height(doc: Document) -> Emu:
    section = doc.sections[-1]
    return Emu(section.page_height - section.top_margin - section.bottom_margin)


def landscape_width(doc: Document) -> Emu:
    """The text width a landscape page of this document would have."""
    section = doc.sections[-1]
    return Emu(max(section.page_width, section.page_height) - section.left_margin - section.right_margin)


def portrait_width(doc: Document) -> Emu:
    section = doc.sections[-1]
    return Emu(min(section.page_width, section.page_height) - section.left_margin - section.right_margin)


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


def caption(doc: Document, label: str, number: int, text: str) -> Paragraph:
    """``Table 1. Themes …`` above a table or figure, kept on the page with it."""
    par = doc.add_paragraph(style="Caption")
    par.add_run(f"{label} {number}. ").bold = True
    par.add_run(text).italic = True
    par.paragraph_format.keep_with_next = True
    par.paragraph_format.space_before = Pt(12)
    par.paragraph_format.space_after = Pt(6)
    return par


def note(doc: Document, text: str) -> Paragraph:
    """``Note.`` line under a table, in the table's small type."""
    par = doc.add_paragraph()
    par.add_run("Note. ").italic = True
    par.add_run(text)
    for run in par.runs:
        run.font.size = NOTE_FONT_SIZE
    par.paragraph_format.space_after = Pt(12)
    par.paragraph_format.keep_together = True
    return par


def note_height(doc: Document, text: str) -> Emu:
    lines = math.ceil(text_extent("Note. " + text, NOTE_FONT_SIZE) / text_width(doc))
    return Emu(int(lines * NOTE_FONT_SIZE * LINE_HEIGHT + Pt(12)))


# --- tables -------------------------------------------------------------------------------------------

def _cell_lines(text: str) -> list[str]:
    return str(text).split("\n")


def _measure_columns(
    header: Sequence[str], rows: Sequence[Sequence[str]], wraps: Sequence[bool], size: Pt
) -> tuple[list[int], list[int]]:
    """Per column: the width it needs (its widest unbreakable text) and the width it would like
    (its widest line unwrapped), both with the cell's padding."""
    padding = 2 * CELL_MARGIN
    need = [0] * len(header)
    want = [0] * len(header)
    for r, values in enumerate([header, *rows]):
        bold = r == 0
        for i, text in enumerate(values):
            for line in _cell_lines(text):
                full = text_extent(line, size, bold)
                if wraps[i] and r > 0:  # a header line is short and never wraps
                    unit = max((text_extent(w, size, bold) for w in _BREAKS.split(line)), default=0)
                else:
                    unit = full
                need[i] = max(need[i], unit)
                want[i] = max(want[i], full)
    for i, wraps_here in enumerate(wraps):
        if wraps_here:
            need[i] = max(need[i], min(want[i], MIN_TEXT_COLUMN - padding))
    return [n + padding for n in need], [w + padding for w in want]


def _wraps(align: Sequence[Align]) -> list[bool]:
    """Left-aligned columns hold words (theme names, roles) and may wrap; numbers never do."""
    return [a == "left" for a in align]


def table_fits(header: Sequence[str], rows: Sequence[Sequence[str]], align: Sequence[Align], width: int,
               font_size: Pt = TABLE_FONT_SIZE) -> bool:
    """Whether every column gets at least its unbreakable width within ``width``."""
    need, _ = _measure_columns(header, rows, _wraps(align), font_size)
    return sum(need) <= width


def column_widths(header: Sequence[str], rows: Sequence[Sequence[str]], align: Sequence[Align], width: int,
                  font_size: Pt = TABLE_FONT_SIZE) -> list[Emu]:
    """Widths filling ``width``: each column its need, then what is left goes first to columns that
    would otherwise wrap, then to every column alike."""
    need, want = _measure_columns(header, rows, _wraps(align), font_size)
    spare = width - sum(need)
    if spare < 0:  # too wide even for this page: shrink in proportion (text will wrap or break)
        return [Emu(int(n * width / sum(need))) for n in need]
    short = [w - n for n, w in zip(need, want, strict=True)]
    if 0 < spare <= sum(short):
        out = [n + spare * s / sum(short) for n, s in zip(need, short, strict=True)]
    else:
        rest = spare - sum(short)
        out = [w + rest / len(want) for w in want]
    return [Emu(int(w)) for w in out]


def table_height(header: Sequence[str], rows: Sequence[Sequence[str]], align: Sequence[Align], width: int,
                 font_size: Pt = TABLE_FONT_SIZE) -> Emu:
    """An upper estimate of the table's height at ``width``, for placing what follows it."""
    widths = column_widths(header, rows, align, width, font_size)
    wraps = _wraps(align)
    total = 0.0
    for r, values in enumerate([header, *rows]):
        lines = 1
        for i, text in enumerate(values):
            room = max(1, widths[i] - 2 * CELL_MARGIN)
            count = sum(math.ceil(text_extent(line, font_size, r == 0) / room) if wraps[i] else 1
                        for line in _cell_lines(text))
            lines = max(lines, count)
        total += lines * font_size * LINE_HEIGHT + Pt(1)
    return Emu(int(total))


def _set_repeat_header(row) -> None:  # noqa: ANN001 - python-docx row
    tr_pr = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    tr_pr.append(header)


def _set_cant_split(row) -> None:  # noqa: ANN001 - python-docx row
    cant = OxmlElement("w:cantSplit")
    cant.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(cant)


def _set_table_width(table: Table, widths: Sequence[int]) -> None:
    """Fixed layout at an exact total width with explicit cell padding: nothing left to autofit."""
    tbl_pr = table._tbl.tblPr
    for tag in ("w:tblW", "w:tblCellMar"):
        for old in tbl_pr.findall(qn(tag)):
            tbl_pr.remove(old)
    tbl_w = OxmlElement("w:tblW")
    tbl_w.set(qn("w:w"), str(sum(int(Emu(w).twips) for w in widths)))
    tbl_w.set(qn("w:type"), "dxa")
    margins = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:w"), str(int(CELL_MARGIN.twips)))
        el.set(qn("w:type"), "dxa")
        margins.append(el)
    # CT_TblPr keeps a fixed child order: tblW comes after tblStyle/tblpPr/tblOverlap/bidiVisual.
    style = tbl_pr.find(qn("w:tblStyle"))
    tbl_pr.insert(list(tbl_pr).index(style) + 1 if style is not None else 0, tbl_w)
    look = tbl_pr.find(qn("w:tblLook"))
    if look is not None:
        look.addprevious(margins)
    else:
        tbl_pr.append(margins)


def add_table(
    doc: Document,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    align: Sequence[Align],
    font_size: Pt = TABLE_FONT_SIZE,
) -> Table:
    """A table filling the text width, its columns sized to their content (see the module doc).

    Left-aligned columns hold words and may wrap between them; the others (numbers, short labels)
    are sized to their widest line and written with non-breaking spaces. Header lines never wrap.
    A table that fits on a page is kept on one page with the note that follows it.
    """
    widths = column_widths(header, rows, align, text_width(doc), font_size)
    whole = table_height(header, rows, align, text_width(doc), font_size) < text_height(doc) * 0.7
    wraps = _wraps(align)
    table = doc.add_table(rows=1, cols=len(header))
    table.style = doc.styles[TABLE_STYLE]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False  # w:tblLayout type="fixed"
    for i, text in enumerate(header):
        table.rows[0].cells[i].text = "\n".join(unbroken(line) for line in _cell_lines(text))
    for values in rows:
        cells = table.add_row().cells
        for i, text in enumerate(values):
            cells[i].text = str(text) if wraps[i] else unbroken(str(text))
    for i, column in enumerate(table.columns):  # the grid is what LibreOffice reads; Word reads the cells
        column.width = widths[i]
    _set_table_width(table, widths)
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
                par.paragraph_format.line_spacing = 1.0
                par.paragraph_format.keep_with_next = whole
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


# --- figures -------------------------------------------------------------------------------------------

def png_size(png: bytes) -> tuple[int, int]:
    """Pixel width and height from the PNG header."""
    if png[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG image")
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def figure_size(png: bytes, scale: float, max_width: int, max_height: int) -> tuple[Emu, Emu]:
    """The chart at its designed size (one CSS pixel = 0.75 pt, so its fonts print as designed), made
    smaller only to fit ``max_width`` × ``max_height``."""
    px_w, px_h = png_size(png)
    width, height = Pt(px_w / scale * 0.75), Pt(px_h / scale * 0.75)
    shrink = min(1.0, max_width / width, max_height / height)
    return Emu(int(width * shrink)), Emu(int(height * shrink))


def add_picture(doc: Document, png: bytes, scale: float, max_height: int | None = None,
                noted: bool = False) -> Paragraph:
    """An inline chart centred in the text width, at its designed size or smaller to fit; ``noted``
    keeps it on a page with the note that follows."""
    width, height = figure_size(png, scale, text_width(doc), max_height or text_height(doc))
    doc.add_picture(io.BytesIO(png), width=width, height=height)
    par = doc.paragraphs[-1]
    par.alignment = WD_ALIGN_PARAGRAPH.CENTER
    par.paragraph_format.keep_with_next = noted
    return par
