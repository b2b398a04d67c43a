"""The weigher: a learned second look at the answers where a code's patterns matched.

The passage rules count a code's matches; the weigher reads the words around them too, with weights
trained from the coded development consultations (evaluation/train_weights.py). These tests pin what a
researcher relies on: it only ever suggests a code next to that code's own evidence, it is the shipped
codebook's and nobody else's, and turning it off gives the rules back."""

from __future__ import annotations

import json
from collections.abc import Iterable

import numpy as np
import pytest
from sqlalchemy import select

from consult_coder.codebook import load_codebook_file
from consult_coder.errors import UserError
from consult_coder.importers import parse_file
from consult_coder.model import Code, Suggestion, Transcript
from consult_coder.sample import CODEBOOK_FILE, SAMPLE_DIR, load_demo
from consult_coder.sentences import Sentence, speech_turns
from consult_coder.storage import open_project
from consult_coder.suggestions import store
from consult_coder.suggestions.engine import PatternMatcher
from consult_coder.suggestions.rules import Question, Scan
from consult_coder.suggestions.store import speech_and_prompts
from consult_coder.suggestions.weigher import Weigher, shipped, shipped_for
from consult_coder.suggestions.weights import examples, fit
from tests.factories import in_session

# Three answers of one participant. Sentence 0-2: an answer where "empathy" matched ("heard me") in the
# first sentence; 3-4: an answer with no match of it; 5-6: an answer whose question named it.
SENTENCES = ["She really heard me.", "The kitchen was warm.", "Yeah.",
             "The kitchen again.", "Nothing else.",
             "We talked in the kitchen.", "Fine."]


def scan(**kw) -> Scan:  # noqa: ANN003
    text = " ".join(SENTENCES)
    spans, at = [], 0
    for sentence in SENTENCES:
        spans.append((at, at + len(sentence)))
        at += len(sentence) + 1
    turns = [0, 0, 0, 1, 1, 2, 2]
    sentences = [Sentence(a, b, t) for (a, b), t in zip(spans, turns, strict=True)]
    heard = text.index("heard me")
    found = {("empathy", 0): [(heard, heard + len("heard me"))]}
    asked = {2: Question(frozenset(), {"empathy": ((0, 3),)})}
    s = Scan(text, sentences, found, kw.get("vetoed", set()), asked, {})
    s.words = [sentence.lower().rstrip(".").split() for sentence in SENTENCES]
    s.question_words = {2: ["what", "about", "empathy"]}
    return s


def words_weighed(weigher: Weigher, scan: Scan) -> np.ndarray:
    """The words' part of each sentence's score from the words a scan kept, as ``weigher.word_scores``
    gives it from the engine's batch: the slow, plain way (for scans made by hand, and to check the fast
    one)."""
    if scan.words is None:
        raise ValueError("the scan kept no words: match with keep_words=True")
    models = [weigher.codes[c] for c in weigher.order]

    def part(p: str, found: Iterable[str]) -> np.ndarray:
        return np.array([sum(m[p].get(w, 0.0) for w in found) for m in models])

    out = np.zeros((len(scan.sentences), len(models)))
    answer: dict[int, list[str]] = {}
    for x, found in zip(scan.sentences, scan.words, strict=True):
        answer.setdefault(x.turn, []).extend(found)
    for at, (x, found) in enumerate(zip(scan.sentences, scan.words, strict=True)):
        out[at] = (part("w", set(found)) + part("a", set(answer[x.turn]))
                   + part("q", set(scan.question_words.get(x.turn, ()))))
        if at and scan.sentences[at - 1].turn == x.turn:
            out[at] += part("pw", set(scan.words[at - 1]))
    return out


def weigher(words: dict[str, float], bias: float = -5.0, f: dict[str, float] | None = None) -> Weigher:
    return Weigher({"empathy": {"bias": bias, "w": words, "f": f or {}}}, 0.5, {"empathy": "Empathy"})


def suggested(w: Weigher, s: Scan, rule_hits=()) -> list[tuple[int, tuple]]:  # noqa: ANN001
    s.word_scores = words_weighed(w, s)
    index = {x.start: i for i, x in enumerate(s.sentences)}
    return [(index[h.start], h.evidence) for h in w.suggest(s, list(rule_hits))]


def test_a_word_can_carry_a_code_only_into_answers_where_the_code_has_evidence():
    s = scan()
    heard = ((s.text.index("heard me"), s.text.index("heard me") + 8),)
    got = suggested(weigher({"kitchen": 10.0}), s)
    # "kitchen" in the answer with a match (sentence 1, the match's words as evidence) and in the answer
    # whose question named the code (sentence 5, the question's words); never in the answer with neither
    assert got == [(1, heard), (5, ((0, 3),))]


def test_it_never_suggests_a_trap_sentence_or_a_bare_filler():
    w = weigher({}, bias=10.0)  # would say yes to every candidate
    assert [i for i, _ in suggested(w, scan())] == [0, 1, 5, 6]  # "Yeah." (2) has no match of its own
    assert [i for i, _ in suggested(w, scan(vetoed={("empathy", 1)}))] == [0, 5, 6]


def test_it_decides_for_the_codes_it_knows_and_leaves_the_others_to_the_rules():
    from consult_coder.suggestions.rules import Hit

    s = scan()
    rules = [Hit("empathy", s.sentences[0].start, s.sentences[0].end, ((0, 3),)),
             Hit("stigma", s.sentences[3].start, s.sentences[3].end, ((0, 3),))]
    w = weigher({}, bias=0.0, f={"rule=1": -10.0, "rule=0": -10.0})  # says no to everything
    s.word_scores = words_weighed(w, s)
    assert [(h.code_id, h.start) for h in w.suggest(s, rules)] == [("stigma", s.sentences[3].start)]


def test_training_learns_the_words_of_the_coded_sentences_and_is_repeatable():
    s = scan()
    coded = {("empathy", 1), ("empathy", 5)}
    rows = list(examples(s, [], ["empathy"], coded)) * 20
    first = fit(rows, {"empathy": "Empathy"}, 0.5)
    again = fit(rows, {"empathy": "Empathy"}, 0.5)
    assert first.to_json() == again.to_json()
    assert first.codes["empathy"]["w"]["kitchen"] > 0
    assert [i for i, _ in suggested(first, s)] == [1, 5]


def test_the_shipped_weights_are_the_shipped_codebooks_trained_without_unseen_sets():
    book = load_codebook_file(CODEBOOK_FILE)
    w = shipped()
    assert w.names == {c.id: c.name for c in book.codes}
    # the sample's development split and the sets already scored as unseen; never fresh10 or later
    assert w.trained_on == ["sample", "fresh", *(f"fresh{n}" for n in range(2, 10))]
    assert 0 < w.threshold < 1


def test_a_code_renamed_or_from_another_codebook_is_left_to_the_rules():
    w = shipped()
    kept = w.for_codes({"empathy": "Empathy", "stigma": "Shame", "my_code": "My code"})
    assert kept is not None and set(kept.codes) == {"empathy"}
    assert w.for_codes({"my_code": "My code"}) is None


@pytest.mark.parametrize(("data", "message"), [
    ({"format": 9}, "not a consult-coder weights file"),
    ({"format": 1, "threshold": 2, "codes": {}}, "'threshold' must be a number between 0 and 1"),
    ({"format": 1, "threshold": 0.3, "codes": {"empathy": {"bias": "high"}}}, "code 'empathy' needs"),
])
def test_a_bad_weights_file_is_refused_in_one_line(data, message):
    with pytest.raises(UserError, match=message) as caught:
        Weigher.from_json(json.loads(json.dumps(data)), "w.json")
    assert "\n" not in str(caught.value)


def test_stored_suggestions_are_the_weighed_ones_and_turning_it_off_gives_the_rules_back(tmp_path):
    project = open_project(str(tmp_path / "demo.sqlite"))
    in_session(project, load_demo)
    book = load_codebook_file(CODEBOOK_FILE)
    patterns = {c.id: c.patterns for c in book.codes if c.patterns}

    def stored() -> set[tuple[int, str, int, int]]:
        with project.session() as s:
            return set(s.execute(select(Suggestion.transcript_id, Suggestion.code_id, Suggestion.start,
                                        Suggestion.end).where(Suggestion.source == "pattern")).all())

    def matched(w: Weigher | None) -> set[tuple[int, str, int, int]]:
        with project.session() as s:
            items = [(t.id, t.text, *speech_and_prompts(s, t.id, False))
                     for t in s.scalars(select(Transcript))]
        return {(tid, h.code_id, h.start, h.end)
                for tid, hits in PatternMatcher(patterns, weigher=w).match_many(items) for h in hits}

    with project.session() as s:
        store.refresh(s)
    weighed, rules = matched(shipped()), matched(None)
    assert stored() == weighed != rules
    with project.session() as s:
        store.set_weigh(s, False, "demo")
        assert store.refresh(s).transcripts_matched == 32  # the codes' fingerprints changed
    assert stored() == rules
    with project.session() as s:
        s.get(Code, "stigma").name = "Shame"  # no longer the code the weights were trained for
        store.set_weigh(s, True, "demo")
        store.refresh(s)
    assert {x for x in stored() if x[1] == "stigma"} == {x for x in rules if x[1] == "stigma"}
    project.close()


def sample_items(count: int | None = None) -> list[tuple]:
    """The sample's consultations as the engine reads them: (name, text, participants' turns, questions)."""
    items = []
    for path in sorted(SAMPLE_DIR.glob("*_consultation.*"))[:count]:
        t = parse_file(path.name, path.read_bytes())
        spoken = speech_turns(((u.start, u.end, u.speaker_kind) for u in t.turns), False)
        asked = [(u.start, u.end) for u in t.turns if u.speaker_kind == "interviewer"]
        items.append((path.name, t.text, spoken, asked))
    return items


def shipped_matcher(**kw) -> tuple[PatternMatcher, Weigher]:  # noqa: ANN003
    book = load_codebook_file(CODEBOOK_FILE)
    w = shipped_for(book.codes)
    return PatternMatcher({c.id: c.patterns for c in book.codes if c.patterns}, weigher=w, **kw), w


def test_the_engine_weighs_a_batchs_words_as_the_plain_sum_does():
    # The fast path (word hashes summed for a whole batch of answers) against the plain one, on the
    # sample's transcripts with their questions, with the shipped weights.
    matcher, w = shipped_matcher(keep_words=True)
    scans = list(matcher.scan_many(sample_items(12)))
    assert sum(len(s.sentences) for _, s in scans) > 500
    assert all(s.question_words for _, s in scans)
    for _, s in scans:
        assert np.allclose(s.word_scores, words_weighed(w, s))


def test_a_batch_of_scans_is_weighed_as_each_scan_alone():
    # match_many weighs the scans tokenised together in one go; one scan at a time must decide the same
    matcher, w = shipped_matcher()
    items = sample_items()
    together = dict(matcher.match_many(items))
    alone = {key: scan.suggest(1, w) for key, scan in matcher.scan_many(items)}
    assert together == alone and sum(map(len, together.values())) > 1000


def test_a_sentences_length_is_counted_in_words_as_str_split_counts_them():
    # The weigher reads each sentence's length in words for a whole batch at once; it must be what
    # str.split() finds, whatever spaces the text holds (tabs, no-break and ideographic spaces, a lone
    # surrogate from a damaged file).
    import random

    from consult_coder.suggestions.weigher import word_counts

    assert max(c for c in range(0x110000) if chr(c).isspace()) == 0x3000
    alphabet = ["a", "é", "\u4e00", "😀", " ", "  ", "\t", "\n", "\xa0", "\u3000", "\u2028", "\x1f", ".",
                "\ud800", "\U0010ffff"]
    rng = random.Random(5)
    texts = ["", " ", "one", *("".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
                               for _ in range(2000))]
    assert word_counts(texts).tolist() == [len(t.split()) for t in texts]
