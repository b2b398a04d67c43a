"""The shipped patterns on consultations written after them, by people who never saw them.

`evaluation/fresh/` holds twelve synthetic consultations of the same study and their reference coding,
written blind to the patterns (evaluation/fresh/README.md says how). It is the issue's test of
generalisation: the patterns were written from the sample study's development split, not from these.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from consult_coder.importers import parse_file
from consult_coder.model import Participant, Transcript
from consult_coder.sample import REPO, SAMPLE_DIR, load_study
from consult_coder.storage import Project, open_project
from consult_coder.suggestions import quality, store
from tests.factories import EVERYONE, in_session

FRESH = REPO / "evaluation" / "fresh"


@pytest.fixture(scope="module")
def fresh(tmp_path_factory) -> Iterator[Project]:
    project = open_project(str(tmp_path_factory.mktemp("fresh") / "fresh.sqlite"))
    in_session(project, load_study, FRESH)
    with project.session() as s:
        store.refresh(s)
    yield project
    project.close()


def transcripts(session) -> list[int]:  # noqa: ANN001
    return list(session.scalars(select(Transcript.id)))


def test_the_fresh_set_is_seven_young_people_and_five_clinicians_in_every_format(fresh):
    with fresh.session() as s:
        groups = sorted(s.scalars(select(Participant.group)))
        formats = set(s.scalars(select(Transcript.source_format)))
    assert groups == ["clinician"] * 5 + ["youth"] * 7
    assert formats == {"txt", "docx", "vtt", "srt"}


def _sentences(folder: Path) -> set[str]:
    """Every longer sentence participants say in a study's transcripts, as the importer reads them (every
    format), lower-cased, spaces squeezed."""
    found: set[str] = set()
    for path in folder.glob("*_consultation.*"):
        parsed = parse_file(path.name, path.read_bytes())
        spoken = " ".join(parsed.text[t.start:t.end] for t in parsed.turns if t.speaker_kind == "participant")
        for sentence in re.split(r"(?<=[.!?])\s+", spoken):
            words = sentence.lower().split()
            if len(words) >= 8:
                found.add(" ".join(words))
    return found


def test_the_fresh_consultations_are_new_people_not_the_sample_retold():
    assert _sentences(FRESH) and not (_sentences(FRESH) & _sentences(SAMPLE_DIR))


def test_the_patterns_carry_to_consultations_they_were_not_written_from(fresh):
    with fresh.session() as s:
        patterns = quality.evaluate(s, "consensus", "pattern", transcripts(s), viewer=EVERYONE)
        keywords = quality.evaluate_patterns(s, "consensus", quality.keyword_patterns(s), transcripts(s),
                                             viewer=EVERYONE)
    assert patterns.transcripts == keywords.transcripts == 12
    assert patterns.micro.f1 >= FRESH_F1 > keywords.micro.f1
    assert patterns.micro.precision >= FRESH_F1 and patterns.micro.recall >= FRESH_F1


# The one blind evaluation (docs/suggestions.md, evaluation 4) measured micro F1 0.62 here (precision 0.61,
# recall 0.64; the keyword baseline 0.08). The issue aims at 0.75; the guard sits below the measurement so
# that only a real loss of quality fails this test.
FRESH_F1 = 0.55
