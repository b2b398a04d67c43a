"""One sentence splitter for the project: punctuation rules, with turns and line breaks as boundaries."""

from __future__ import annotations

from consult_coder.sentences import sentence_spans
from tests.factories import stored_turns


def texts(text: str, spans: list[tuple[int, int]]) -> list[str]:
    return [text[s:e] for s, e in spans]


def test_sentences_end_at_punctuation_and_are_trimmed_of_spaces():
    text = "It was good.  I felt heard! Did you?"
    assert texts(text, sentence_spans(text)) == ["It was good.", "I felt heard!", "Did you?"]


def test_a_turn_boundary_always_ends_a_sentence_and_labels_are_not_sentences():
    text, turns = stored_turns([("Interviewer", "interviewer", "So how was it"),
                                ("P1", "participant", "fine i guess. Mostly")])
    spans = sentence_spans(text, [(t.start, t.end) for t in turns])
    assert texts(text, spans) == ["So how was it", "fine i guess.", "Mostly"]
    participant = [(turns[1].start, turns[1].end)]
    assert texts(text, sentence_spans(text, participant)) == ["fine i guess.", "Mostly"]


def test_line_breaks_end_a_sentence_and_offsets_are_code_points():
    text = "Café 😀 was nice\nThen we left. OK"
    spans = sentence_spans(text)
    assert texts(text, spans) == ["Café 😀 was nice", "Then we left.", "OK"]
    assert spans[0] == (0, 15)  # the emoji is one code point (two in UTF-16)


def test_empty_and_blank_text_have_no_sentences():
    assert sentence_spans("") == []
    assert sentence_spans("   \n  ") == []
    assert sentence_spans("Hello.", []) == []
