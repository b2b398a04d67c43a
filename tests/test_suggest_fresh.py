"""The shipped patterns on consultations written after them, by people who never saw them.

`evaluation/fresh/` to `fresh11/` each hold twelve synthetic consultations of the same study and their
reference coding, written blind to the patterns (each folder's README says how). They are the issue's
test of generalisation. Each was scored as unseen (fresh twice, the others once), after the pattern
round written beside it, and then became material for the next round (docs/suggestions.md lists every
look); fresh10's and fresh11's looks were the weigher's, trained without them."""

from __future__ import annotations

import itertools
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

# Each set's guard (micro F1, precision, recall) sits a few points below what the shipped patterns and
# rules measured there (docs/suggestions.md, evaluation 12), so that only a real loss of quality fails:
# fresh 0.82 (0.77 / 0.87), fresh2 0.82 (0.80 / 0.84), fresh3 0.85 (0.83 / 0.86), fresh4 0.82
# (0.80 / 0.85), fresh5 0.82 (0.83 / 0.82), fresh6 0.78 (0.79 / 0.77), fresh7 0.79 (0.81 / 0.77), fresh8
# 0.72 (0.82 / 0.65) — development material by then — and fresh9, its one look, 0.71 (0.71 / 0.71).
# Since evaluation 13 the weigher (trained on all but fresh10 and fresh11) decides too; fresh10 at
# evaluation 14: 0.80 (0.79 / 0.80); fresh11 at evaluation 15, its one look: 0.78 (0.79 / 0.78). The issue
# aims at 0.75.
SETS = {"fresh": (0.75, 0.72, 0.78), "fresh2": (0.74, 0.73, 0.75), "fresh3": (0.77, 0.78, 0.76),
        "fresh4": (0.75, 0.74, 0.75), "fresh5": (0.75, 0.77, 0.72), "fresh6": (0.70, 0.72, 0.67),
        "fresh7": (0.63, 0.72, 0.56), "fresh8": (0.65, 0.75, 0.57), "fresh9": (0.65, 0.64, 0.64),
        "fresh10": (0.75, 0.75, 0.74), "fresh11": (0.75, 0.76, 0.75)}
UNSCORED: tuple[str, ...] = ()  # sets written blind and kept for a coming look: only checked to be new people
SECOND_CODER = ("fresh", "fresh2")  # coded again, blind to the first coding, by a second coder


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
    folders = (SAMPLE_DIR, *(REPO / "evaluation" / n for n in (*SETS, *UNSCORED)))
    sample, *fresh = (_sentences(folder) for folder in folders)
    assert all(fresh) and not any(s & sample for s in fresh)
    assert not any(a & b for a, b in itertools.combinations(fresh, 2))


@pytest.mark.parametrize("name", SECOND_CODER)
def test_a_second_coder_coding_blind_finds_what_the_reference_found(name, tmp_path):
    # The reference is not one person's whim: coded again without seeing it, by the same conventions,
    # the two agree far more than the patterns reach (measured: micro F1 0.94 on fresh, 0.92 on fresh2).
    project = open_project(str(tmp_path / "study.sqlite"))
    in_session(project, load_study, REPO / "evaluation" / name)
    with project.session() as s:
        second = quality.compare_coder(s, "consensus", "second_coder", viewer=EVERYONE)
    project.close()
    assert second.transcripts == 12 and second.micro.f1 >= 0.85


def test_the_patterns_carry_to_consultations_they_were_not_written_from(fresh):
    name, project = fresh
    with project.session() as s:
        patterns = quality.evaluate(s, "consensus", "pattern", transcripts(s), viewer=EVERYONE)
        keywords = quality.evaluate_patterns(s, "consensus", quality.keyword_patterns(s), transcripts(s),
                                             viewer=EVERYONE)
    f1, precision, recall = SETS[name]
    assert patterns.transcripts == keywords.transcripts == 12
    assert patterns.micro.f1 >= f1 > keywords.micro.f1
    assert patterns.micro.precision >= precision and patterns.micro.recall >= recall
