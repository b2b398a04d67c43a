"""The sample study's Word report as LibreOffice lays it out: tables read whole, pages are used well.

This converts the real .docx with LibreOffice (headless) and reads the resulting PDF back, as a
researcher's word processor would show it: the text with its layout (pdftotext -layout), where
each page is inked (pdftoppm), the page sizes and the images. LibreOffice and poppler are installed
by ``.ci/run``. A table header or number broken across lines, a landscape page left mostly empty or
a last page holding a stray line fails here whatever fonts the machine has.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from docx import Document

from consult_coder.analysis import comparison_table, frequency_table, load_study
from consult_coder.export import ExportOptions, export_file
from consult_coder.export.formatting import format_odds_ratio, n_pct, p_value
from consult_coder.sample import load_demo
from consult_coder.storage import open_project
from tests.factories import EVERYONE

NBSP = "\u00a0"
GROUPS = ("youth", "clinician")


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed (apt-get install libreoffice-writer-nogui poppler-utils)")
    return path


def _run(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


@dataclass
class Page:
    text: str  # pdftotext -layout, non-breaking spaces read as spaces
    landscape: bool
    inked: float  # how far down the page (0–1) the lowest mark lies

    @property
    def lines(self) -> list[str]:
        return [line for line in self.text.splitlines() if line.strip()]


@dataclass
class Rendered:
    pages: list[Page]
    images: str  # pdfimages -list
    quotes: list[str]  # the Quote paragraphs of the .docx
    freq: object  # the analysis tables the report shows
    comparison: object

    @property
    def text(self) -> str:
        return "\n".join(p.text for p in self.pages)

    def region(self, start: str, end: str = "Note.") -> list[str]:
        """The lines from the one starting with ``start`` to the next starting with ``end``."""
        lines = self.text.splitlines()
        first = next(i for i, line in enumerate(lines) if line.strip().startswith(start))
        last = next(i for i in range(first + 1, len(lines)) if lines[i].strip().startswith(end))
        return lines[first:last]


def _lowest_ink(pgm: bytes) -> float:
    """The lowest non-white row of a binary PGM (P5) image, as a share of its height."""
    header = re.match(rb"P5\s+(\d+)\s+(\d+)\s+\d+\s", pgm)
    assert header is not None, "not a binary PGM image"
    width, height = int(header[1]), int(header[2])
    pixels = pgm[header.end():]
    inked = [y for y in range(height) if min(pixels[y * width:(y + 1) * width]) < 200]
    return (inked[-1] + 1) / height if inked else 0.0


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> Rendered:
    tmp = tmp_path_factory.mktemp("lo")
    project = open_project(str(tmp / "sample.sqlite"))
    with project.session() as s:
        load_demo(s)
        exported = export_file(s, "docx", ExportOptions(layer="union", viewer=EVERYONE))
        study = load_study(s, "union", viewer=EVERYONE)
    project.close()
    freq = frequency_table(study, "group")
    docx = tmp / "report.docx"
    docx.write_bytes(exported.data)
    quotes = [p.text for p in Document(io.BytesIO(exported.data)).paragraphs if p.style.name == "Quote"]
    profile = tmp / "profile"
    subprocess.run([_tool("soffice"), f"-env:UserInstallation=file://{profile}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(tmp), str(docx)],
                   check=True, capture_output=True, timeout=240)
    pdf = tmp / "report.pdf"
    assert pdf.exists(), "LibreOffice did not produce a PDF"
    texts = _run(_tool("pdftotext"), "-layout", str(pdf), "-").replace(NBSP, " ").split("\f")
    info = _run(_tool("pdfinfo"), "-f", "1", "-l", "999", str(pdf))
    sizes = [line.split("size:")[1].split("pts")[0].split(" x ") for line in info.splitlines()
             if line.startswith("Page") and "size:" in line]
    _run(_tool("pdftoppm"), "-gray", "-r", "30", str(pdf), str(tmp / "page"))
    inks = [_lowest_ink(path.read_bytes()) for path in sorted(Path(tmp).glob("page-*.pgm"))]
    pages = [Page(text, float(w) > float(h), ink)
             for text, (w, h), ink in zip(texts, sizes, inks, strict=False)]
    assert len(pages) == len(sizes) == len(inks)
    return Rendered(pages, _run(_tool("pdfimages"), "-list", str(pdf)), quotes, freq,
                    comparison_table(freq, "group", GROUPS))


def test_theme_table_is_readable(rendered):
    table = rendered.region("Table 2.")
    assert any("Young people (N = 20)" in line and "Clinicians (N = 12)" in line for line in table)
    assert any(line.count("n (%)") == 2 for line in table)
    # every theme on one line with both its numbers whole: n (%) never split
    freq = rendered.freq.set_index(["code", "group"])
    for theme in dict.fromkeys(rendered.freq["code"]):
        counts = [freq.loc[(theme, g), ["participants_n", "participants_pct"]] for g in GROUPS]
        cells = [n_pct(int(n), float(pct)) for n, pct in counts]
        pattern = re.compile(rf"^\s*{re.escape(theme)}\s+{re.escape(cells[0])}\s+{re.escape(cells[1])}\s*$")
        assert any(pattern.match(line) for line in table), f"{theme}: {cells} not on one line"


def test_comparison_table_headers_and_numbers_are_never_broken(rendered):
    table = rendered.region("Table 3.")
    for header in ("Theme", "Young people", "Clinicians", "OR (95% CI)", "Adjusted p"):
        assert any(header in line for line in table), f"header {header!r} broken across lines"
    assert any(line.count("n (%)") == 2 for line in table)
    for r in rendered.comparison.to_dict("records"):
        numbers = [n_pct(r["youth_n"], r["youth_pct"]), n_pct(r["clinician_n"], r["clinician_pct"]),
                   format_odds_ratio(r["odds_ratio"], r["ci_low"], r["ci_high"]),
                   p_value(r["p_value"]), p_value(r["p_adjusted"])]
        row = next((line for line in table if all(n in line for n in numbers)), None)
        assert row is not None, f"{r['code']}: {numbers} not whole on one line"
        # in order, left to right, as the columns are
        positions = [row.index(n) for n in numbers[:3]]
        assert positions == sorted(positions)


def test_every_quote_carries_its_attribution(rendered):
    flat = " ".join(rendered.text.split())
    attributions = re.findall(r"” — (P\d\d), (young person|clinician, [a-z ]+?), (\d\d-\d\d)", flat)
    assert len(attributions) == len(rendered.quotes) >= 30
    assert {who.split(",")[0] for _, who, _ in attributions} == {"young person", "clinician"}
    assert "lay health counsellor" in flat


def test_charts_are_images_in_the_document(rendered):
    rows = [line.split() for line in rendered.images.splitlines()[2:] if line.strip()]
    images = [row for row in rows if row[2] == "image"]  # not their transparency masks
    # Figure 1 (themes by group), Figure 2 (co-occurrence), Figure 3 (the coders' agreement)
    assert len(images) == 3, "the report PDF should hold Figures 1, 2 and 3"


def test_the_landscape_page_holds_the_co_occurrence_table_and_its_heatmap(rendered):
    landscape = [p for p in rendered.pages if p.landscape]
    assert 1 <= len(landscape) < len(rendered.pages)
    page = next(p for p in landscape if "Table 4." in p.text)
    assert "Figure 2." in page.text  # the figure did not spill onto a page of its own
    assert page.inked > 0.6  # and the page is used, not mostly empty


def test_no_page_is_mostly_empty_and_the_last_holds_more_than_a_stray_line(rendered):
    pages = rendered.pages
    for i, page in enumerate(pages[:-1]):
        next_turns = pages[i + 1].landscape != page.landscape  # a section's last page may end early
        if not next_turns:
            assert page.inked > 0.5, f"page {i + 1} is mostly empty"
    assert len(pages[-1].lines) >= 5, f"the last page holds only: {pages[-1].lines}"
