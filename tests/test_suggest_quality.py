"""Measured quality: each code's suggestions scored sentence by sentence against a coder's finished
transcripts; words that mark a code learnt from coding; a classifier measured across transcripts.

Synthetic consultations written for these tests: young people talk about being heard (empathy),
about what stays private (confidentiality) and about anything else.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from consult_coder import coding
from consult_coder.errors import UserError
from consult_coder.model import Code, Participant, Suggestion, Transcript
from consult_coder.storage import Project, set_setting
from consult_coder.suggestions import classifier, mining, quality, store
from consult_coder.text import content_hash
from tests.factories import EVERYONE, in_session, stored_turns

EMPATHY = ["She really listened to me.", "I felt listened to for once.", "He listened and it made sense."]
PRIVATE = ["Nothing I said left the room.", "My mum never found out what I said.",
           "It stayed between us, which mattered."]
OTHER = ["The bus took an hour.", "We met on Thursdays.", "I like football a lot.", "School was busy."]


def add_transcript(project: Project, n: int) -> tuple[int, dict[str, tuple[int, int]]]:
    """Transcript ``n``: one empathy, one confidentiality and two other sentences in one turn."""
    sentences = [EMPATHY[n % 3], PRIVATE[n % 3], OTHER[n % 4], OTHER[(n + 1) % 4]]
    text, turns = stored_turns([("Interviewer", "interviewer", "Tell me more?"),
                                (f"P{n:02d}", "participant", " ".join(sentences))])
    with project.session() as s:
        for order, cid in enumerate(("empathy", "confidentiality")):
            if s.get(Code, cid) is None:
                s.add(Code(id=cid, name=cid.title(), sort_order=order))
        s.add(Participant(id=f"P{n:02d}", group="youth"))
        tr = Transcript(participant_id=f"P{n:02d}", title=f"P{n:02d}", text=text,
                        content_hash=content_hash(text), source_name=f"P{n:02d}.txt", source_format="txt",
                        turns=turns)
        s.add(tr)
        s.flush()
        spans = {sent: (text.index(sent), text.index(sent) + len(sent)) for sent in sentences}
        return tr.id, spans


def code_all(project: Project, coder: str, count: int = 6) -> list[int]:
    """``count`` transcripts coded by ``coder`` (the sentence's theme, as written) and marked done."""
    tids = []
    for n in range(1, count + 1):
        tid, spans = add_transcript(project, n)
        for sentence, (a, b) in spans.items():
            code = "empathy" if sentence in EMPATHY else "confidentiality" if sentence in PRIVATE else None
            if code:
                in_session(project, coding.add_coding, tid, a, b, [code], coder)
        in_session(project, coding.set_progress, tid, coder, "done")
        tids.append(tid)
    return tids


def set_patterns(project: Project, **patterns: list) -> None:  # noqa: ANN001
    with project.session() as s:
        set_setting(s, store.CONTEXT_SETTING, "0")  # each sentence on its own words
        for cid, pats in patterns.items():
            mining.set_patterns(s, cid, pats, "tester")
        store.refresh(s)


def test_precision_recall_and_f1_per_code_at_sentence_level(project):
    code_all(project, "amira")
    # "listened" finds every empathy sentence; "room" and "mum" find two of three private ones, and
    # "bus" is a false hit for confidentiality.
    set_patterns(project, empathy=[[{"LEMMA": "listen"}]], confidentiality=["room", "mum", "bus"])
    with project.session() as s:
        table = quality.evaluate(s, "amira", viewer=EVERYONE)
    rows = {r.code_id: r for r in table.rows}
    assert (table.transcripts, table.sentences) == (6, 24)
    assert (rows["empathy"].tp, rows["empathy"].fp, rows["empathy"].fn) == (6, 0, 0)
    assert (rows["empathy"].precision, rows["empathy"].recall, rows["empathy"].f1) == (1.0, 1.0, 1.0)
    conf = rows["confidentiality"]
    assert (conf.tp, conf.fp, conf.fn) == (4, 2, 2)  # "bus" is in 2 of the 6 transcripts
    assert conf.precision == pytest.approx(4 / 6) and conf.recall == pytest.approx(4 / 6)
    assert (table.micro.tp, table.micro.fp, table.micro.fn) == (10, 2, 2)
    assert table.micro.f1 == pytest.approx(10 / 12)
    assert table.macro.f1 == pytest.approx((1.0 + 4 / 6) / 2)


def test_false_hits_of_a_code_are_the_sentences_to_fix_its_patterns_by(project):
    code_all(project, "amira")
    set_patterns(project, empathy=[[{"LEMMA": "listen"}]], confidentiality=["room", "bus"])
    with project.session() as s:
        hits = quality.false_hits(s, "amira", "confidentiality", viewer=EVERYONE)
        assert {h.sentence for h in hits} == {"The bus took an hour."}
        assert all(s.get(Transcript, h.transcript_id).text[slice(*h.evidence[0])] == "bus" for h in hits)
        assert quality.false_hits(s, "amira", "empathy", viewer=EVERYONE) == []


def test_only_finished_transcripts_count_and_a_coder_with_none_is_told(project):
    tids = code_all(project, "amira", count=2)
    set_patterns(project, empathy=[[{"LEMMA": "listen"}]], confidentiality=["room"])
    in_session(project, coding.set_progress, tids[1], "amira", "in_progress")
    with project.session() as s:
        assert quality.evaluate(s, "amira", viewer=EVERYONE).transcripts == 1
    in_session(project, coding.set_progress, tids[0], "amira", "in_progress")
    with project.session() as s, pytest.raises(UserError, match="has not marked any transcript done"):
        quality.evaluate(s, "amira", viewer=EVERYONE)


def test_the_keyword_baseline_looks_for_the_code_names(sqlite_project):
    code_all(sqlite_project, "amira")
    with sqlite_project.session() as s:
        assert quality.keyword_patterns(s) == {"empathy": [[{"LEMMA": "empathy"}]],
                                               "confidentiality": [[{"LEMMA": "confidentiality"}]]}
        table = quality.evaluate_patterns(s, "amira", quality.keyword_patterns(s), source="keywords",
                                          viewer=EVERYONE)
    assert table.micro.tp == 0 and table.micro.recall == 0.0


def test_candidate_words_come_from_coded_sentences_and_become_patterns_in_one_call(sqlite_project):
    code_all(sqlite_project, "amira")
    with sqlite_project.session() as s:
        found = mining.candidates(s, "amira", "empathy", top=5, viewer=EVERYONE)
        assert found[0].text == "listen" and found[0].in_coded == 6 and found[0].in_other == 0
        assert found[0].pattern == [{"LEMMA": "listen"}]
        assert mining.add_pattern(s, "empathy", found[0].pattern, "amira") == [[{"LEMMA": "listen"}]]
        set_setting(s, store.CONTEXT_SETTING, "0")  # one word per answer here: each sentence on its own words
        store.refresh(s)
        assert quality.evaluate(s, "amira", viewer=EVERYONE).rows[0].recall == 1.0


def test_the_classifier_is_measured_across_transcripts_and_suggests_to_its_own_coder_only(sqlite_project):
    code_all(sqlite_project, "amira", count=8)
    with sqlite_project.session() as s:
        table = classifier.train(s, "amira", folds=4, viewer=EVERYONE)
        model = classifier.latest_model(s, "amira")
        # every fold scored by a model that never saw its transcripts: 8 transcripts, 32 sentences
        assert (table.transcripts, table.sentences) == (8, 32)
        assert table.micro.coded == 16 and table.micro.recall >= 0.75  # the themes are learnable here
        assert set(model.thresholds) == {"empathy", "confidentiality"}
        mine = s.scalars(select(Suggestion).where(Suggestion.source == "classifier")).all()
        assert mine and {sug.coder_id for sug in mine} == {model.coder_id}
        assert classifier.cross_validated_table(s, "amira", viewer=EVERYONE).micro == table.micro
    # amira has coded every sentence the classifier proposes; ben is never shown amira's classifier
    with sqlite_project.session() as s:
        assert [v for v in store.pending(s, "ben", viewer=EVERYONE) if "classifier" in v.sources] == []
        assert [v for v in store.pending(s, "amira", viewer=EVERYONE) if "classifier" in v.sources] == []


def test_the_classifier_needs_codings_to_learn_from(sqlite_project):
    tid, _ = add_transcript(sqlite_project, 1)
    in_session(sqlite_project, coding.set_progress, tid, "amira", "done")
    with sqlite_project.session() as s, pytest.raises(UserError, match="at least two"):
        classifier.train(s, "amira", viewer=EVERYONE)
