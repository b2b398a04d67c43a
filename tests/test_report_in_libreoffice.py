"""The sample study's Word report opens in LibreOffice with its theme table, quotes and chart.

This converts the real .docx with LibreOffice (headless) and reads the resulting PDF back, as a
researcher's word processor would show it. LibreOffice and poppler are installed by ``.ci/run``.
"""

from __future__ import annotations

import shutil
import subprocess

import pytest

from consult_coder.export import ExportOptions, export_file
from consult_coder.sample import load_demo
from consult_coder.storage import open_project


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed (apt-get install libreoffice-writer-nogui poppler-utils)")
    return path


@pytest.fixture(scope="module")
def report_pdf(tmp_path_factory) -> tuple[str, str, str]:
    tmp = tmp_path_factory.mktemp("lo")
    project = open_project(str(tmp / "sample.sqlite"))
    with project.session() as s:
        load_demo(s)
        exported = export_file(s, "docx", ExportOptions(layer="union"))
    project.close()
    docx = tmp / "report.docx"
    docx.write_bytes(exported.data)
    profile = tmp / "profile"
    subprocess.run([_tool("soffice"), f"-env:UserInstallation=file://{profile}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(tmp), str(docx)],
                   check=True, capture_output=True, timeout=240)
    pdf = tmp / "report.pdf"
    assert pdf.exists(), "LibreOffice did not produce a PDF"
    text = subprocess.run([_tool("pdftotext"), "-layout", str(pdf), "-"], check=True,
                          capture_output=True, text=True).stdout
    images = subprocess.run([_tool("pdfimages"), "-list", str(pdf)], check=True,
                            capture_output=True, text=True).stdout
    pages = subprocess.run([_tool("pdfinfo"), "-f", "1", "-l", "999", str(pdf)], check=True,
                           capture_output=True, text=True).stdout
    return text, images, pages


def test_theme_table_is_readable(report_pdf):
    text, _, _ = report_pdf
    assert "Young people (N = 20)" in text and "Clinicians (N = 12)" in text
    for theme in ("Confidentiality", "Collaborative goal setting", "Empathy", "Professional boundaries"):
        assert theme in text


def test_quotes_carry_attributions(report_pdf):
    text, _, _ = report_pdf
    assert "— P0" in text or "— P1" in text or "— P2" in text
    assert "young person" in text and "lay health counsellor" in text


def test_chart_is_an_image_in_the_document(report_pdf):
    _, images, _ = report_pdf
    rows = [line for line in images.splitlines()[2:] if line.strip()]
    assert rows, "the report PDF has no image: the chart is missing"


def test_wide_co_occurrence_table_gets_a_landscape_page(report_pdf):
    text, _, pages = report_pdf
    assert "co-occurrence" in text.lower()
    sizes = [line.split("size:")[1].split("pts")[0].split(" x ") for line in pages.splitlines()
             if line.startswith("Page") and "size:" in line]
    orientations = {"landscape" if float(w) > float(h) else "portrait" for w, h in sizes}
    assert orientations == {"landscape", "portrait"}
