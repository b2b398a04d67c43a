"""The shipped patterns on consultations written after them, by people who never saw them.

`evaluation/fresh/` and `evaluation/fresh2/` each hold twelve synthetic consultations of the same study
and their reference coding, written blind to the patterns (each folder's README says how). They are the
issue's test of generalisation: the patterns were written from the sample study's development split and
from invented paraphrases, not from these.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from consult_coder.importers import parse_file
from consult_coder.model import Participant, Transcript
from consult_coder.sample import REPO, SAMPLE_DIR, load_study
from consult_coder.sentences import sentence_spans
from consult_coder.storage import Project, open_project
from consult_coder.suggestions import quality, store
from tests.factories import EVERYONE, in_session

# Each set's guard sits below what the shipped patterns measured there (docs/suggestions.md, evaluation 5),
# so that only a real loss of quality fails: fresh micro F1 0.62 (precision 0.58, recall 0.66); fresh2,
# its one look, 0.55 (precision 0.54, recall 0.56). The issue aims at 0.75.
SETS = {"fresh": 0.55, "fresh2": 0.5}


@pytest.fixture(scope="module", params=sorted(SETS))
def fresh(request, tmp_path_factory) -> Iterator[tuple[str, Project]]:
    name = request.param
    project = open_project(str(tmp_path_factory.mktemp(name) / "study.sqlite"))
    in_session(project, load_study, REPO / "evaluation" / name)
    with project.session() as s:
        store.refresh(s)
    yield name, project
    project.close()


def transcripts(session) -> list[int]:  # noqa: ANN001
    return list(session.scalars(select(Transcript.id)))


def test_each_fresh_set_is_seven_young_people_and_five_clinicians_in_every_format(fresh):
    _, project = fresh
    with project.session() as s:
        groups = sorted(s.scalars(select(Participant.group)))
        formats = set(s.scalars(select(Transcript.source_format)))
    assert groups == ["clinician"] * 5 + ["youth"] * 7
    assert formats == {"txt", "docx", "vtt", "srt"}


def _sentences(folder: Path) -> set[str]:
    """Every longer sentence participants say in a study's transcripts, as the importer reads them (every
    format) and the suggestions cut them, lower-cased, spaces squeezed."""
    found: set[str] = set()
    for path in folder.glob("*_consultation.*"):
        parsed = parse_file(path.name, path.read_bytes())
        spoken = [(t.start, t.end) for t in parsed.turns if t.speaker_kind == "participant"]
        for start, end in sentence_spans(parsed.text, spoken):
            words = parsed.text[start:end].lower().split()
            if len(words) >= 12:  # shorter ones may be stock phrases ("how much, how often, …")
                found.add(" ".join(words))
    return found


def test_the_fresh_consultations_are_new_people_not_the_sample_or_each_other_retold():
    sample, *fresh = (_sentences(folder) for folder in (SAMPLE_DIR, *(REPO / "evaluation" / n for n in SETS)))
    assert all(fresh) and not any(s & sample for s in fresh)
    assert not (fresh[0] & fresh[1])


def test_the_patterns_carry_to_consultations_they_were_not_written_from(fresh):
    name, project = fresh
    with project.session() as s:
        patterns = quality.evaluate(s, "consensus", "pattern", transcripts(s), viewer=EVERYONE)
        keywords = quality.evaluate_patterns(s, "consensus", quality.keyword_patterns(s), transcripts(s),
                                             viewer=EVERYONE)
    assert patterns.transcripts == keywords.transcripts == 12
    assert patterns.micro.f1 >= SETS[name] > keywords.micro.f1
    assert patterns.micro.precision >= SETS[name] and patterns.micro.recall >= SETS[name]
