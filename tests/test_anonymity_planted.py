"""The anonymity check finds identifiers planted in synthetic transcripts — the set its rules were
tuned on, and a second set written after the rules were finished — and raises few false alarms on the
sample study, which is anonymised. Recall and precision are printed (``pytest -s``) and bounded."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from consult_coder.anonymity import scan, scan_parsed
from consult_coder.importers import parse_file

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "anonymity"
SAMPLE = Path(__file__).resolve().parent.parent / "transcripts_sample"
_PLANT = re.compile(r"\{\{([A-Z]+)\|([^}]*)\}\}")


def planted(file: str) -> list[tuple[str, str, list[tuple[int, int, str]]]]:
    """``(name, text, [(start, end, kind)])`` for each transcript of a fixture file."""
    out = []
    for block in re.split(r"^=== ", (FIXTURES / file).read_text(encoding="utf-8"), flags=re.M)[1:]:
        name, _, marked = block.partition("\n")
        text, spans, pos = "", [], 0
        for m in _PLANT.finditer(marked):
            text += marked[pos:m.start()]
            spans.append((len(text), len(text) + len(m.group(2)), m.group(1)))
            text += m.group(2)
            pos = m.end()
        out.append((name.strip(), text + marked[pos:], spans))
    return out


def measure(file: str) -> dict[str, float]:
    """Recall (planted identifiers a finding overlaps), kind agreement, and precision (findings that
    overlap a planted identifier)."""
    planted_n = found = same_kind = findings_n = true_findings = 0
    missed, false = [], []
    for name, text, spans in planted(file):
        findings = scan(text)
        findings_n += len(findings)
        for s, e, kind in spans:
            planted_n += 1
            hits = [f for f in findings if f.start < e and s < f.end]
            found += bool(hits)
            same_kind += any(f.kind == kind for f in hits)
            if not hits:
                missed.append(f"{name}: {kind} {text[s:e]!r}")
        for f in findings:
            if any(f.start < e and s < f.end for s, e, _ in spans):
                true_findings += 1
            else:
                false.append(f"{name}: {f.kind} {f.text!r}")
    result = {"planted": planted_n, "recall": found / planted_n, "kind_agreement": same_kind / planted_n,
              "precision": true_findings / max(findings_n, 1)}
    print(f"\n{file}: {result}\n  missed: {missed}\n  false alarms: {false}")
    return result


def test_the_fixture_markup_is_read_back_exactly() -> None:
    (_, text, spans), *_ = planted("planted_tuning.txt")
    assert [text[s:e] for s, e, _ in spans][:3] == ["Tendai Moyo", "Mbare", "Tatenda"]


def test_planted_identifiers_of_the_tuning_set_are_found() -> None:
    result = measure("planted_tuning.txt")
    assert result["planted"] >= 60
    assert result["recall"] >= 0.95 and result["precision"] >= 0.9 and result["kind_agreement"] >= 0.9


def test_planted_identifiers_the_rules_were_not_tuned_on_are_found() -> None:
    result = measure("planted_unseen.txt")
    assert result["planted"] >= 60
    assert result["recall"] >= 0.85 and result["precision"] >= 0.85


@pytest.mark.parametrize("path", sorted(p for p in SAMPLE.glob("*.*") if p.suffix != ".csv"),
                         ids=lambda p: p.name)
def test_the_anonymised_sample_raises_no_alarm_in_what_was_said(path: Path) -> None:
    """The sample transcripts are anonymised: nothing in the spoken text is flagged. Their headers'
    recording dates are dates of visits, which the check rightly reports."""
    findings = scan_parsed(parse_file(path.name, path.read_bytes()))
    assert [f for f in findings if f.part == "text"] == []
    assert all(f.kind == "DATE" for f in findings)
