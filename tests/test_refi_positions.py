"""Positions other tools write point at the same characters after the text is normalised for storage."""

from __future__ import annotations

import pytest

from consult_coder.refi.positions import (
    PositionMap,
    Unit,
    normalise_mapped,
    position_unit,
    source_length,
    unit_offsets,
)
from consult_coder.text import normalise


def span(raw: str, start: int, end: int, crlf_as_one: bool = False) -> str:
    positions = PositionMap(raw, Unit.CRLF_AS_ONE if crlf_as_one else Unit.CODE_POINT)
    return positions.text[positions[start] : positions[end]]


def test_plain_text_maps_to_itself() -> None:
    raw = "Interviewer: How was the week?\n\nP07: Better, I think."
    text, offsets = normalise_mapped(raw)
    assert text == raw
    assert offsets is None  # every position lands on itself: nothing to map
    assert [PositionMap(raw)[p] for p in range(len(raw) + 1)] == list(range(len(raw) + 1))


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
    assert source_length(raw, Unit.CRLF_AS_ONE) == len(collapsed)
    # A selection across the line break keeps the (single) newline.
    s = collapsed.index("line\nSecond")
    assert span(raw, s, s + len("line\nSecond"), crlf_as_one=True) == "line\nSecond"


def test_decomposed_accents_are_composed_and_later_positions_shift() -> None:
    raw = "Cafe\u0301 talk: the young person felt re\u0301ally heard."
    text, offsets = normalise_mapped(raw)
    assert offsets is not None
    assert text == normalise(raw) and "Café" in text and len(text) == len(raw) - 2
    start = raw.index("felt")
    assert text[offsets[start] : offsets[start + len("felt")]] == "felt"
    word = raw.index("re\u0301ally")
    assert text[offsets[word] : offsets[word + len("re\u0301ally")]] == "réally"


def test_trailing_spaces_and_bom_are_dropped_without_drift() -> None:
    raw = "\ufeffHello there.   \nP07: fine  \nBye"
    text, _ = normalise_mapped(raw)
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
    for unit in Unit:
        positions = PositionMap(raw, unit)
        assert positions.text == normalise(raw)
        offsets = [positions[p] for p in range(source_length(raw, unit) + 1)]
        assert offsets == sorted(offsets) and offsets[0] == 0 and offsets[-1] == len(positions.text)


# --- the unit each producer counts in ---------------------------------------------------------------

@pytest.mark.parametrize(("origin", "unit"), [
    ("NVivo 14 (14.23.2.46)", Unit.UTF16), ("NVivo12", Unit.UTF16), ("QualCoder 3.6", Unit.UTF16),
    ("ATLAS.ti 8.4.0 573 , macOS", Unit.CRLF_AS_ONE), ("MAXQDA 24 (Release 24.7.0)", Unit.CODE_POINT),
    ("qc 1.3", Unit.CODE_POINT), ("Taguette 1.4.1", Unit.CODE_POINT),
    ("consult-coder 0.1.0", Unit.CODE_POINT),
    ("", Unit.CODE_POINT),
])
def test_each_producer_counts_in_its_own_unit(origin: str, unit: Unit) -> None:
    assert position_unit(origin) is unit


def utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def test_utf16_units_count_an_astral_character_twice() -> None:
    raw = "Not great \U0001F61F to be honest."
    offsets = unit_offsets(raw, Unit.UTF16)
    assert offsets is not None and len(offsets) == utf16(raw) + 1
    start = utf16(raw[: raw.index("to be")])  # where NVivo says "to be" starts
    assert raw[offsets[start] : offsets[start + 5]] == "to be"
    assert unit_offsets("no emoji: caf\u00e9 \u2603", Unit.UTF16) is None  # BMP only: units are code points


def test_utf16_positions_around_a_skin_tone_emoji_crlf_and_a_combining_accent() -> None:
    raw = "Yes \U0001F44D\U0001F3FD\r\nthe cafe\u0301 sessions \U0001F389 feel safe."
    positions = PositionMap(raw, Unit.UTF16)
    for phrase in ("\U0001F44D\U0001F3FD", "the cafe\u0301 sessions", "feel safe."):
        start = utf16(raw[: raw.index(phrase)])
        stored = positions.text[positions[start] : positions[start + utf16(phrase)]]
        assert stored == normalise(phrase)


def test_a_utf16_position_inside_a_surrogate_pair_falls_after_the_character() -> None:
    offsets = unit_offsets("a\U0001F600b", Unit.UTF16)
    assert offsets == [0, 1, 2, 2, 3]  # units a, high, low, b: the low half maps past the emoji
