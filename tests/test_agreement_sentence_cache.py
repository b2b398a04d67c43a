"""A transcript's sentences are split once and kept between agreement reads, and never outlive a change.

The study is tests/factories.py ``agreement_study``: T1's participant turn "It was good. I felt heard.
The room was cold." is three sentences; the interviewer's "How was it?" is a fourth when it counts.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from consult_coder.agreement import AgreementOptions, agreement
from consult_coder.agreement import units as units_module
from consult_coder.agreement.units import sentence_arrays
from consult_coder.coding import set_speaker_kind
from consult_coder.model import Transcript
from consult_coder.sentences import sentence_spans
from tests.factories import EVERYONE, agreement_study

AB = ("coder_a", "coder_b")


@pytest.fixture
def study(sqlite_project):
    with sqlite_project.session() as s:
        ids = agreement_study(s)
    return sqlite_project, ids


def sentences_of_t1(project) -> int:
    with project.session() as s:
        result = agreement(s, AgreementOptions(AB), "sentence", viewer=EVERYONE)
    return int(result.by_transcript.set_index(["code_id", "transcript"]).loc[("empathy", "T1"), "units"])


def test_the_kept_sentences_are_exactly_the_splitters(study):
    project, ids = study
    with project.session() as s:
        text = s.get(Transcript, ids["T2"]).text
    turns = [(0, len(text))]
    for _ in range(2):  # the second call is answered from the cache
        starts, ends = sentence_arrays(text, turns)
        assert list(zip(starts.tolist(), ends.tolist(), strict=True)) == sentence_spans(text, turns)
    with pytest.raises(ValueError):  # shared between readers: nobody may change them in place
        starts[0] = 99


def test_a_changed_text_is_split_again_not_read_from_the_cache(study):
    project, ids = study
    assert sentences_of_t1(project) == 3
    with project.session() as s:
        t1 = s.get(Transcript, ids["T1"])
        # Same length, so the turns stay where they are; only the full stops become commas.
        before = "It was good. I felt heard. The room was cold."
        t1.text = t1.text.replace(before, before.replace(". ", ", "))
    assert sentences_of_t1(project) == 1


def test_a_speaker_who_becomes_a_participant_adds_their_sentences(study):
    project, ids = study
    assert sentences_of_t1(project) == 3
    with project.session() as s:
        set_speaker_kind(s, ids["T1"], "Interviewer", "participant", actor="coder_a")
    assert sentences_of_t1(project) == 4  # "How was it?" now counts
    with project.session() as s:
        set_speaker_kind(s, ids["T1"], "Interviewer", "interviewer", actor="coder_a")
    assert sentences_of_t1(project) == 3


def test_the_cache_is_bounded_and_keeps_no_transcript_text(study, monkeypatch):
    project, _ = study
    monkeypatch.setattr(units_module, "SENTENCE_CACHE", 2)
    with project.session() as s:
        texts = list(s.scalars(select(Transcript.text)))
    for i in range(5):
        sentence_arrays(f"Sentence {i}. Another one.", [(0, 25)])
    sentence_arrays(texts[0], [(0, len(texts[0]))])
    kept = units_module._sentences
    assert len(kept) == 2
    assert not any(isinstance(part, str) for key in kept for part in key)  # a digest, not the words
