"""End to end on the sample study: coder_a and coder_b double-coded eight consultations; the CLI gives
per-code agreement at the character and the sentence level, and the Word report carries the table."""

from __future__ import annotations

import io
import json

import pytest
from docx import Document

from consult_coder.cli import main
from consult_coder.coding import set_progress
from consult_coder.export import ExportOptions, export_file
from consult_coder.model import Coder, Coding
from consult_coder.sample import load_demo
from consult_coder.storage import open_project
from tests.factories import EVERYONE, in_session


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> str:
    path = str(tmp_path_factory.mktemp("demo") / "demo.sqlite")
    project = open_project(path)
    in_session(project, load_demo)
    project.close()
    return path


def agreement_json(capsys, db: str, *args: str) -> dict:
    assert main(["agreement", "--coders", "coder_a,coder_b", "--format", "json", "--db", db, *args]) == 0
    return json.loads(capsys.readouterr().out)


def double_coded(db: str) -> list[int]:
    project = open_project(db)
    with project.session() as s:
        ids = {c.transcript_id for c in s.query(Coding).join(Coder).filter(Coder.name == "coder_b")}
    project.close()
    return sorted(ids)


@pytest.mark.parametrize("unit", ["character", "sentence"])
def test_the_sample_coders_agreement_per_code(demo, capsys, unit):
    data = agreement_json(capsys, demo, "--all-transcripts", "--unit", unit)
    assert len(data["transcripts"]) == len(double_coded(demo)) == 8
    rows = [*data["codes"], data["pooled"]]
    assert len(data["codes"]) == 12 and data["pooled"]["code"] == "All codes (pooled)"
    units = data["codes"][0]["units"]
    assert units > (10_000 if unit == "character" else 300)
    for r in rows:
        assert r["unit"] == unit and r["transcripts"] == 8
        assert r["both"] + r["first_only"] + r["second_only"] + r["neither"] == r["units"]
        assert 0 <= r["percent_agreement"] <= 100
        for key in ("cohen_kappa", "brennan_prediger"):
            assert r[key] is None or -1 <= r[key] <= 1
        assert (r["krippendorff_alpha"] is None) == (unit == "character" or r["cohen_kappa"] is None)
    # Codes both coders applied agree better than chance; a code neither applied would be undefined (the
    # sample's coders use every code; tests/test_agreement_units.py covers the undefined case).
    assert data["pooled"]["cohen_kappa"] > 0.5
    unused = [r for r in data["codes"] if r["both"] + r["first_only"] + r["second_only"] == 0]
    assert all(r["cohen_kappa"] is None and r["percent_agreement"] == 100 for r in unused)
    assert any(w.startswith("low prevalence") for r in rows for w in r["warnings"])


def test_only_transcripts_both_coders_marked_done_count_by_default(demo, capsys):
    # The sample coders finished their eight transcripts: by default those are what is counted.
    done = agreement_json(capsys, demo)
    started = agreement_json(capsys, demo, "--all-transcripts")
    assert done["codes"] == started["codes"] and "both coders marked done" in done["counted"]
    assert len(done["transcripts"]) == 8

    project = open_project(demo)
    first, *rest = double_coded(demo)
    in_session(project, set_progress, first, "coder_b", "in_progress")
    one_open = agreement_json(capsys, demo)
    assert len(one_open["transcripts"]) == 7 and one_open["codes"][0]["transcripts"] == 7

    for tid in rest:
        in_session(project, set_progress, tid, "coder_b", "in_progress")
    project.close()
    assert main(["agreement", "--coders", "coder_a,coder_b", "--db", demo]) == 1
    assert "--all-transcripts" in capsys.readouterr().err


def test_the_word_report_carries_the_agreement_table(demo):
    project = open_project(demo)
    with project.session() as s:
        doc = Document(io.BytesIO(export_file(s, "docx", ExportOptions(layer="consensus",
                                                                       viewer=EVERYONE)).data))
    project.close()
    headers = [[c.text.replace("\xa0", " ") for c in t.rows[0].cells] for t in doc.tables]
    by_code = ["Code", "Sentences", "Agreement", "Cohen's κ", "Brennan–Prediger κ", "Krippendorff's α"]
    assert by_code in headers
    assert any(h[0] == "Code" and h[1].startswith("P01") for h in headers)  # code × transcript
