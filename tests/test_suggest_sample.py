"""The shipped codebook's patterns on the sample study: every code suggested, and judged on consultations
the patterns were not written from (the held-out split in docs/suggestions.md) against the consensus."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from consult_coder.model import Code, Suggestion, Transcript
from consult_coder.sample import load_demo
from consult_coder.storage import Project, open_project
from consult_coder.suggestions import quality, store
from tests.factories import EVERYONE, in_session

HELD_OUT = ["P06", "P07", "P08", "P10", "P12", "P19", "P20", "P21", "P24", "P26", "P27", "P32"]


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Iterator[Project]:
    project = open_project(str(tmp_path_factory.mktemp("sample") / "sample.sqlite"))
    in_session(project, load_demo)
    with project.session() as s:
        store.refresh(s)
    yield project
    project.close()


def held_out(session) -> list[int]:  # noqa: ANN001
    return list(session.scalars(select(Transcript.id).where(Transcript.participant_id.in_(HELD_OUT))))


def test_every_code_of_the_shipped_codebook_gets_suggestions(sample):
    with sample.session() as s:
        codes = set(s.scalars(select(Code.id)))
        per_code = select(Suggestion.code_id, func.count()).group_by(Suggestion.code_id)
        suggested = dict(s.execute(per_code).all())
    assert codes == set(suggested) and min(suggested.values()) > 0


def test_the_held_out_split_is_seven_young_people_and_five_clinicians_in_every_format(sample):
    with sample.session() as s:
        rows = s.execute(select(Transcript.source_format, Transcript.participant_id)
                         .where(Transcript.participant_id.in_(HELD_OUT))).all()
    assert sorted(pid for _, pid in rows) == HELD_OUT
    assert {fmt for fmt, _ in rows} == {"txt", "docx", "vtt", "srt"}


def test_patterns_beat_the_code_name_keywords_on_held_out_consultations(sample):
    with sample.session() as s:
        patterns = quality.evaluate(s, "consensus", "pattern", held_out(s), viewer=EVERYONE)
        keywords = quality.evaluate_patterns(s, "consensus", quality.keyword_patterns(s), held_out(s),
                                             viewer=EVERYONE)
    assert patterns.transcripts == keywords.transcripts == 12
    assert patterns.micro.f1 >= HELD_OUT_F1 > keywords.micro.f1


HELD_OUT_F1 = 0.5  # measured 0.52 with the shipped patterns (docs/suggestions.md); the issue aims at 0.75
