"""How pattern matches become suggestions: a passage around a match, the question an answer follows,
fillers, traps — each rule on a few lines of synthetic talk (written for these tests).

Coders code passages, not single sentences, and read an answer in the light of the question before it;
the rules in ``rules.suggest`` do the same, and nothing more.
"""

from __future__ import annotations

import random

import numpy as np
import pytest
import spacy
from spacy.matcher import Matcher

from consult_coder.suggestions.engine import PatternMatcher, expand_token
from consult_coder.suggestions.rules import is_filler
from consult_coder.suggestions.walk import Steps, Walker
from tests.factories import stored_turns

PATTERNS = {
    "confidentiality": ["further than this room", [{"LEMMA": "share"}], {"asked": [{"LEMMA": "privacy"}]}],
    "therapy_environment": [
        [{"LEMMA": "room"}, {"OP": "{0,2}"}, {"LOWER": {"IN": ["tiny", "cold", "quiet"]}}],
        {"not": "my room"}],
    "goal_setting": [
        [{"LEMMA": "goal"}], {"not": [{"LEMMA": "goal"}, {"OP": "{0,4}"}, {"LOWER": "football"}]}],
}


def suggested(turns: list[tuple[str, str]], context: int = 1) -> list[tuple[str, str, str]]:
    """(code, sentence, evidence words) for ``(kind, spoken)`` turns, "I" for the interviewer."""
    text, rows = stored_turns([("Interviewer" if kind == "I" else "P01", "interviewer" if kind == "I"
                                else "participant", spoken) for kind, spoken in turns])
    answers = [(r.start, r.end) for r in rows if r.speaker_kind == "participant"]
    questions = [(r.start, r.end) for r in rows if r.speaker_kind == "interviewer"]
    hits = PatternMatcher(PATTERNS, context=context).match(text, answers, questions)
    return [(h.code_id, text[h.start:h.end], " ".join(text[a:b] for a, b in h.evidence)) for h in hits]


def test_with_context_0_a_sentence_gets_a_code_only_from_its_own_words():
    assert suggested([("P", "The room was tiny really. It was fine. The goal was to sleep.")], context=0) == [
        ("therapy_environment", "The room was tiny really.", "room was tiny"),
        ("goal_setting", "The goal was to sleep.", "goal")]


def test_the_sentence_after_a_match_carries_its_code_within_the_same_answer():
    assert suggested([("P", "My goal was sleep, my one goal. I wanted eight hours. Anyway."),
                      ("I", "Right."), ("P", "That was it.")]) == [
        ("goal_setting", "My goal was sleep, my one goal.", "goal goal"),
        ("goal_setting", "I wanted eight hours.", "goal goal")]  # not two sentences on, nor the next answer


def test_a_lone_word_for_a_theme_in_an_answer_about_something_else_is_not_enough():
    # One piece of evidence in an answer is most often background; a second one, or a question about
    # the theme, makes it a point (rules.MIN_EVIDENCE).
    answer = [("P", "We mostly talked about school. My goal was to pass. Then exams came.")]
    assert suggested(answer) == []
    assert suggested(answer, context=0) == [("goal_setting", "My goal was to pass.", "goal")]
    assert [s for _, s, _ in suggested([("I", "Did you set goals?"), *answer])] == [
        "We mostly talked about school.", "My goal was to pass.", "Then exams came."]
    assert [s for _, s, _ in suggested([("P", "We talked about school. My goal was to pass. "
                                              "Goals helped.")])] == [
        "My goal was to pass.", "Goals helped."]


def test_three_pieces_of_evidence_make_the_whole_answer_the_codes():
    # An answer that comes back to a theme three times is about it (rules.WHOLE_ANSWER_EVIDENCE).
    answer = [("P", "I hated going. The room was tiny. Honestly the room was cold and the room was quiet. "
                    "Um, yeah. So I stopped.")]
    assert [s for _, s, _ in suggested(answer)] == [
        "I hated going.", "The room was tiny.", "Honestly the room was cold and the room was quiet.",
        "So I stopped."]  # not the filler
    two = [("P", "I hated going. The room was tiny. The room was cold. So I stopped. Later on I left.")]
    assert [s for _, s, _ in suggested(two)] == ["The room was tiny.", "The room was cold.", "So I stopped."]
    # ... up to a sentence with words of another code's: there the answer moves on to a new point.
    moved_on = [("P", "I hated going. The room was tiny. The room was cold and the room was quiet. "
                      "Then we set a goal, one goal. I picked it.")]
    assert [(c, s) for c, s, _ in suggested(moved_on)] == [
        ("therapy_environment", "I hated going."), ("therapy_environment", "The room was tiny."),
        ("therapy_environment", "The room was cold and the room was quiet."),
        ("goal_setting", "Then we set a goal, one goal."), ("goal_setting", "I picked it.")]


def test_a_sentence_with_words_of_its_own_for_another_code_starts_a_new_point():
    assert suggested([("P", "My goal was sleep, my one goal. The room was cold though. The room was tiny.")]
                     ) == [("goal_setting", "My goal was sleep, my one goal.", "goal goal"),
                           ("therapy_environment", "The room was cold though.", "room was cold"),
                           ("therapy_environment", "The room was tiny.", "room was tiny")]


def test_every_sentence_between_two_matches_of_a_code_is_one_passage():
    assert [s for c, s, _ in suggested([("P", "We set a goal. I picked it. She wrote it up. Goals help.")])
            if c == "goal_setting"] == ["We set a goal.", "I picked it.", "She wrote it up.", "Goals help."]


def test_the_whole_answer_gets_the_theme_the_question_asked_about_when_the_answer_takes_it_up():
    asked = suggested([("I", "Did you talk about goals?"),
                       ("P", "Yes. We did that every week. My goal was to sleep. It worked. Mostly.")])
    assert [s for c, s, _ in asked if c == "goal_setting"] == [
        "We did that every week.", "My goal was to sleep.", "It worked.", "Mostly."]  # not the filler "Yes."
    not_taken_up = suggested([("I", "Did you talk about goals?"), ("P", "Not really. We just chatted.")])
    assert not_taken_up == []  # the question's words alone suggest nothing


def test_a_question_pattern_names_the_theme_of_the_whole_answer_with_the_question_as_evidence():
    answer = [("I", "Anything about privacy?"), ("P", "Yeah. She was careful. Nobody else knew.")]
    assert suggested(answer) == [("confidentiality", "She was careful.", "privacy"),
                                 ("confidentiality", "Nobody else knew.", "privacy")]
    assert suggested([("P", "Privacy mattered to me.")]) == []  # a question pattern is for questions only
    assert suggested(answer, context=0) == []


def test_only_the_question_right_before_an_answer_counts():
    assert suggested([("I", "Anything about privacy?"), ("P", "Hmm, the bus was late."),
                      ("I", "And then?"), ("P", "She was careful.")]) == [
        ("confidentiality", "Hmm, the bus was late.", "privacy")]


def test_fillers_get_a_code_only_from_their_own_words():
    answer = [("P", "The room was tiny, the room was cold. Um, yeah. I don't know. It was grim.")]
    assert [s for _, s, _ in suggested(answer)] == ["The room was tiny, the room was cold."]
    assert is_filler("Um, yeah.") and is_filler("I dunno.") and is_filler("Okay, thanks!")
    assert not is_filler("Massively.") and not is_filler("Twice.")


def test_a_trap_keeps_a_code_off_its_sentence_whatever_else_would_suggest_it():
    assert suggested([("P", "My goal in football is ten. We set a goal too, a real goal. I scored in "
                            "football.")]) == [
        ("goal_setting", "We set a goal too, a real goal.", "goal goal"),
        ("goal_setting", "I scored in football.", "goal goal")]  # no trap words of its own: it goes on
    assert suggested([("P", "I tidied my room, it was cold.")]) == []  # "my room" is not the therapy room
    football = suggested([("I", "Was it your goal in football?"),
                          ("P", "My goal was sleep, my own goal. And more. Exams.")])
    # the question's own trap keeps it from setting the theme of the whole answer: "And more." is there as
    # the sentence after a match
    assert [s for _, s, _ in football] == ["My goal was sleep, my own goal.", "And more."]


WORDS = ["she", "heard", "me", "really", "the", "room", "was", "tiny", "and", "quiet", "not", "my", "goal"]
STEP_PATTERNS = [
    [{"LOWER": "room"}, {"OP": "{0,2}"}, {"LOWER": {"IN": ["tiny", "quiet"]}}],
    [{"LOWER": "she"}, {"LOWER": "really", "OP": "?"}, {"LOWER": "heard"}, {"LOWER": "me"}],
    [{"LOWER": {"IN": ["not", "really"]}}, {"OP": "{0,3}"}, {"LOWER": "goal", "OP": "?"}, {"OP": "{0,1}"},
     {"LOWER": {"IN": ["me", "my"]}}],
    [{"LEMMA": "hear"}, {"OP": "*"}, {"LOWER": "room"}],
    # ending in an optional word or in a gap: spaCy ends a match anywhere the pattern allows
    [{"LOWER": "room"}, {"LOWER": "was"}, {"OP": "{0,1}"}, {"LOWER": {"IN": ["tiny", "quiet"]}, "OP": "?"}],
    [{"LOWER": "she"}, {"OP": "{0,2}"}],
    [{"LOWER": "the"}, {"OP": "*"}],
    # counted words
    [{"LOWER": "she"}, {"LOWER": {"IN": ["really", "not"]}, "OP": "{0,2}"}, {"LOWER": "heard"}],
    [{"LOWER": "really", "OP": "{1,2}"}, {"LOWER": "quiet"}, {"LOWER": "and", "OP": "{,1}"}],
    [{"LOWER": "the"}, {"LOWER": {"IN": ["room", "tiny"]}, "OP": "{2}"}, {"OP": "?"}, {"LOWER": "me"}],
    # any word but these
    [{"LOWER": "she"}, {"LOWER": {"NOT_IN": ["not", "really"]}, "OP": "{0,2}"}, {"LOWER": "heard"}],
    [{"LOWER": "was"}, {"LOWER": {"NOT_IN": ["tiny"]}}, {"OP": "{0,1}"}, {"LOWER": {"IN": ["quiet", "me"]}}],
]


@pytest.mark.parametrize("budget", [None, 5], ids=["one go", "in slices"])
@pytest.mark.parametrize("pattern", STEP_PATTERNS)
def test_word_set_patterns_find_exactly_what_spacys_matcher_finds(pattern, budget, monkeypatch):
    # The walker follows a whole batch of sentences at once: here 401 of them, laid end to end as the
    # engine lays a batch, each sentence checked against spaCy's own Matcher on its own doc. On a hostile
    # text (a sentence of a million words) it works through slices of a bounded size: the same matches.
    if budget:
        monkeypatch.setattr("consult_coder.suggestions.walk._BUDGET", budget)
    nlp = spacy.blank("en")
    tokens = [expand_token(t) for t in pattern]
    spacy_matcher = Matcher(nlp.vocab, validate=True)
    spacy_matcher.add("p", [tokens])
    steps = Steps.compile(tokens, nlp.vocab.strings)
    assert steps is not None
    rng = random.Random(9)
    sentences = [WORDS, *([rng.choice(WORDS) for _ in range(rng.randint(1, 12))] for _ in range(400))]
    docs = [spacy.tokens.Doc(nlp.vocab, words=words) for words in sentences]
    lower = np.concatenate([doc.to_array("LOWER") for doc in docs])
    first = np.cumsum([0] + [len(doc) for doc in docs[:-1]])
    stop = first + [len(doc) for doc in docs]
    rows = np.arange(len(docs))
    # a second pattern in the walker, so pattern rows are told apart
    other = Steps.compile([{"LOWER": "goal"}], nlp.vocab.strings)
    second = np.ones(len(rows), dtype=np.int64)
    pair, start, end = Walker([other, steps]).walk(lower, first, stop, rows, second)
    found: dict[int, set[tuple[int, int]]] = {g: set() for g in rows}
    for g, a, b in zip(pair.tolist(), start.tolist(), end.tolist(), strict=True):
        assert (a - first[g], b - first[g]) not in found[g], "each match once"
        found[g].add((a - first[g], b - first[g]))
    for g, doc in enumerate(docs):
        assert found[g] == {(a, b) for _, a, b in spacy_matcher(doc)}, sentences[g]


def test_patterns_that_are_not_plain_word_sets_stay_with_spacys_matcher():
    nlp = spacy.blank("en")
    for pattern in ([{"LOWER": {"REGEX": "^heard?$"}}], [{"OP": "?"}, {"LOWER": "me"}],
                    [{"LOWER": "me", "OP": "+"}], [{"IS_PUNCT": True}, {"LOWER": "me"}],
                    [{"LOWER": "me", "OP": "{0,2}"}, {"LOWER": "room"}], [{"LOWER": "me", "OP": "{2,}"}],
                    [{"LOWER": "me"}, {"LOWER": "room", "OP": "*"}]):
        assert Steps.compile(pattern, nlp.vocab.strings) is None
    matcher = PatternMatcher({"empathy": [[{"LOWER": {"REGEX": "^heard?$"}}, {"LOWER": "me"}]]}, context=0)
    text = "She heard me. Hear me out."
    assert [text[h.start:h.end] for h in matcher.match(text, [(0, len(text))])] == ["She heard me.",
                                                                                    "Hear me out."]


def test_matching_leaves_the_cycle_collector_as_it_found_it():
    # Matching pauses Python's cycle collector for each batch (collector.collector_paused); it must come back
    # on, and stay off for a caller who had turned it off.
    import gc

    assert gc.isenabled()
    suggested([("P", "The room was tiny. The room was cold.")])
    assert gc.isenabled()
    gc.disable()
    try:
        suggested([("P", "The room was tiny.")])
        assert not gc.isenabled()
    finally:
        gc.enable()
