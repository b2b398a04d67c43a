"""Positions other tools write point at the same characters after the text is normalised for storage."""

from __future__ import annotations

import pytest

from consult_coder.refi.positions import normalise_mapped, source_length
from consult_coder.text import normalise


def span(raw: str, start: int, end: int, crlf_as_one: bool = False) -> str:
    text, offsets = normalise_mapped(raw, crlf_as_one)
    return text[offsets[start] : offsets[end]]


def test_plain_text_maps_to_itself() -> None:
    raw = "Interviewer: How was the week?\n\nP07: Better, I think."
    text, offsets = normalise_mapped(raw)
    assert text == raw
    assert offsets == list(range(len(raw) + 1))


def test_windows_line_endings_counted_as_two_characters() -> None:
    raw = "First line\r\nSecond line\r\nThird line"
    start = raw.index("Second")
    assert span(raw, start, start + len("Second line")) == "Second line"
    assert span(raw, raw.index("Third"), len(raw)) == "Third line"


def test_atlas_counts_crlf_as_one_character() -> None:
    raw = "First line\r\nSecond line\r\nThird line"
    collapsed = raw.replace("\r\n", "\n")  # how ATLAS.ti counts
    start = collapsed.index("Third")
    assert span(raw, start, start + 5, crlf_as_one=True) == "Third"
    assert source_length(raw, crlf_as_one=True) == len(collapsed)
    # A selection across the line break keeps the (single) newline.
    s = collapsed.index("line\nSecond")
    assert span(raw, s, s + len("line\nSecond"), crlf_as_one=True) == "line\nSecond"


def test_decomposed_accents_are_composed_and_later_positions_shift() -> None:
    raw = "Cafe\u0301 talk: the young person felt re\u0301ally heard."
    text, offsets = normalise_mapped(raw)
    assert text == normalise(raw) and "Café" in text and len(text) == len(raw) - 2
    start = raw.index("felt")
    assert text[offsets[start] : offsets[start + len("felt")]] == "felt"
    word = raw.index("re\u0301ally")
    assert text[offsets[word] : offsets[word + len("re\u0301ally")]] == "réally"


def test_trailing_spaces_and_bom_are_dropped_without_drift() -> None:
    raw = "\ufeffHello there.   \nP07: fine  \nBye"
    text, offsets = normalise_mapped(raw)
    assert text == "Hello there.\nP07: fine\nBye"
    assert span(raw, raw.index("Hello"), raw.index("there.") + 6) == "Hello there."
    # A selection ending in the dropped trailing spaces ends at the line end.
    assert span(raw, raw.index("P07"), raw.index("fine") + 6) == "P07: fine"
    assert span(raw, raw.index("Bye"), len(raw)) == "Bye"


def test_characters_beyond_the_basic_plane_count_once() -> None:
    raw = "I felt \U0001F600 then calm\r\nok"
    start = raw.index("then")
    assert span(raw, start, start + 4) == "then"


@pytest.mark.parametrize("raw", [
    "", "\r\n", "a\rb\u2028c", "  \n \t\n", "\ufeff\ufeffx", "e\u0301\u0327 \r\n", "\u1100\u1161\u11a8 x",
])
def test_mapping_always_matches_normalise_and_never_goes_backwards(raw: str) -> None:
    for crlf in (False, True):
        text, offsets = normalise_mapped(raw, crlf)
        assert text == normalise(raw)
        assert len(offsets) == source_length(raw, crlf) + 1
        assert offsets == sorted(offsets) and offsets[0] == 0 and offsets[-1] == len(text)
