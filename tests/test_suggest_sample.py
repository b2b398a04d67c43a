"""The shipped codebook's patterns on the sample study: every code suggested, and judged on consultations
the patterns were not written from (the held-out split in docs/suggestions.md) against the consensus."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from consult_coder.model import Code, Suggestion, Transcript
from consult_coder.sample import HELD_OUT, load_demo
from consult_coder.storage import Project, open_project
from consult_coder.suggestions import quality, store
from tests.factories import EVERYONE, in_session

DEVELOPMENT = ["P01", "P02", "P03", "P04", "P05", "P09", "P11", "P13", "P14", "P15", "P16", "P17", "P18",
               "P22", "P23", "P25", "P28", "P29", "P30", "P31"]


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


def development(session) -> list[int]:  # noqa: ANN001
    return list(session.scalars(select(Transcript.id).where(Transcript.participant_id.in_(DEVELOPMENT))))


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
    assert sorted(pid for _, pid in rows) == list(HELD_OUT)
    assert {fmt for fmt, _ in rows} == {"txt", "docx", "vtt", "srt"}


def test_patterns_beat_the_code_name_keywords_on_held_out_consultations(sample):
    with sample.session() as s:
        patterns = quality.evaluate(s, "consensus", "pattern", held_out(s), viewer=EVERYONE)
        keywords = quality.evaluate_patterns(s, "consensus", quality.keyword_patterns(s), held_out(s),
                                             viewer=EVERYONE)
    assert patterns.transcripts == keywords.transcripts == 12
    f1, precision, recall = HELD_OUT_GUARD
    assert patterns.micro.f1 >= f1 > keywords.micro.f1
    assert patterns.micro.precision >= precision and patterns.micro.recall >= recall


def test_on_the_development_split_the_patterns_do_better_than_on_held_out_but_not_perfectly(sample):
    with sample.session() as s:
        patterns = quality.evaluate(s, "consensus", "pattern", development(s), viewer=EVERYONE)
    assert patterns.transcripts == 20
    # The weigher was trained on these 20 as well, so its figure here is partly memory; the rules alone
    # were only written from them.
    assert patterns.micro.f1 >= DEVELOPMENT_F1
    with sample.session() as s:
        store.set_weigh(s, False, "demo")
        store.refresh(s)
        rules = quality.evaluate(s, "consensus", "pattern", development(s), viewer=EVERYONE)
        store.set_weigh(s, True, "demo")
        store.refresh(s)
    assert DEVELOPMENT_F1 <= rules.micro.f1 < 0.9  # a perfect score would be memory


def test_shipped_patterns_are_short_expressions_not_copies_of_development_sentences(sample):
    import spacy

    from consult_coder.suggestions.patterns import unwrap

    nlp = spacy.blank("en")
    with sample.session() as s:
        codes = list(s.scalars(select(Code)))
        ref = quality.reference(s, "consensus", development(s))  # participants' sentences
        texts = {tid: s.get(Transcript, tid).text for tid in ref.sentences}
    sentences = {" ".join(t.lower_ for t in nlp.tokenizer(texts[tid][x.start:x.end]) if t.is_alpha)
                 for tid, xs in ref.sentences.items() for x in xs}
    for code in codes:
        for pattern in code.patterns:
            inner = unwrap(pattern)
            words = ([t for t in nlp.tokenizer(inner) if not t.is_punct] if isinstance(inner, str)
                     else [t for t in inner if set(t) != {"OP"}])
            assert len(words) <= MAX_PATTERN_WORDS, (code.id, pattern)
            if isinstance(inner, str):
                assert " ".join(t.lower_ for t in words if t.is_alpha) not in sentences, (code.id, pattern)


MAX_PATTERN_WORDS = 6
# Measured with the shipped patterns, rules and weigher (docs/suggestions.md, evaluation 14): held-out micro
# F1 0.745 (precision 0.78, recall 0.72; the rules alone 0.72). The issue aims at 0.75 on held-out
# consultations; the keyword baseline is 0.12 there.
HELD_OUT_GUARD = (0.72, 0.74, 0.68)  # micro F1, precision, recall
DEVELOPMENT_F1 = 0.77
