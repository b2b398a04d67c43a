"""Plain-text transcripts: `Speaker: text` lines, timestamps, front matter, and every common encoding."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from consult_coder.errors import UserError
from consult_coder.importers import ParsedTranscript, parse_file

FIXTURES = Path(__file__).parent / "fixtures" / "import"


def turns(parsed: ParsedTranscript) -> list[tuple]:
    """What a researcher sees of each turn: who, which side, what they said, and when."""
    return [(t.speaker, t.speaker_kind, parsed.spoken(t), t.cue_start, t.cue_end) for t in parsed.turns]


def assert_offsets_exact(parsed: ParsedTranscript) -> None:
    """Each turn's span is exactly its spoken words, and the text is label + words, blank-line separated."""
    rendered = "\n\n".join(f"{t.speaker}: {parsed.spoken(t)}" for t in parsed.turns)
    assert parsed.text == rendered


P03_EXPECTED = [
    ("Interviewer", "interviewer", "Thanks for coming. Is it okay if I record?", 4.0, None),
    ("P03", "participant", "Yeah, that's fine.", 9.0, None),
    ("Interviewer", "interviewer", "What was it like the first time you met your counsellor?", 12.0, None),
    ("P03", "participant",
     "Honestly: it was hard. I didn't know what to say.\nShe waited, though. She didn't rush me.",
     20.0, None),
    ("Interviewer", "interviewer", "And later on?", 41.0, None),
    ("P03", "participant", "Later it got easier 🙂 — we set goals together.", 44.0, None),
]


def test_timestamped_transcript_with_front_matter() -> None:
    parsed = parse_file("P03_interview.txt", (FIXTURES / "P03_interview.txt").read_bytes())

    assert turns(parsed) == P03_EXPECTED
    assert parsed.front_matter == (
        "Consultation P03 – working alliance study (synthetic)\nRecorded on 2 April 2026\n"
        "Transcribed by: Example Transcription Service"
    )
    assert parsed.participant_id == "P03"
    assert parsed.source_format == "txt"
    assert "[00:00" not in parsed.text  # timestamps live on the turns, not in the coded text
    assert_offsets_exact(parsed)


def test_emoji_after_an_offset_does_not_shift_later_turns() -> None:
    text = "I: How did it feel? 😬😬\n\nR: Better 🙂 now.\n\nI: Good 👍\n"
    parsed = parse_file("emoji.txt", text.encode("utf-8"))

    assert [parsed.spoken(t) for t in parsed.turns] == ["How did it feel? 😬😬", "Better 🙂 now.", "Good 👍"]
    assert_offsets_exact(parsed)


def encoded(text: str, variant: str) -> bytes:
    crlf = text.replace("\n", "\r\n")
    return {
        "utf-8": text.encode("utf-8"),
        "utf-8 with BOM, CRLF": codecs.BOM_UTF8 + crlf.encode("utf-8"),
        "utf-16 LE with BOM": codecs.BOM_UTF16_LE + text.encode("utf-16-le"),
        "utf-16 BE with BOM, CRLF": codecs.BOM_UTF16_BE + crlf.encode("utf-16-be"),
        "windows-1252, CRLF": crlf.encode("cp1252"),
        "utf-16 LE without BOM": text.encode("utf-16-le"),
    }[variant]


LEGACY = (
    "Interview – clinic B\n\n"
    "Int: When did you start as a counsellor?\n\n"
    "R: In 2019. The café next door was where we’d debrief… it helped.\n"
    "Mostly we talked about naïve mistakes.\n\n"
    "Int: And now?\n\n"
    "R: Now I supervise. £5 coffee, though!\n"
)
LEGACY_EXPECTED = [
    ("Int", "interviewer", "When did you start as a counsellor?", None, None),
    ("R", "participant",
     "In 2019. The café next door was where we’d debrief… it helped.\nMostly we talked about naïve mistakes.",
     None, None),
    ("Int", "interviewer", "And now?", None, None),
    ("R", "participant", "Now I supervise. £5 coffee, though!", None, None),
]


@pytest.mark.parametrize(
    "variant",
    ["utf-8", "utf-8 with BOM, CRLF", "utf-16 LE with BOM", "utf-16 BE with BOM, CRLF", "windows-1252, CRLF",
     "utf-16 LE without BOM"],
)
def test_every_common_encoding_gives_the_same_stored_text(variant: str) -> None:
    parsed = parse_file("clinic_b.txt", encoded(LEGACY, variant))

    assert turns(parsed) == LEGACY_EXPECTED
    assert parsed.front_matter == "Interview – clinic B"
    assert "\r" not in parsed.text and "\ufeff" not in parsed.text
    assert_offsets_exact(parsed)


def test_other_legacy_encodings_are_detected_not_read_as_windows_1252() -> None:
    text = (
        "Интервьюер: Расскажите, пожалуйста, о первой встрече с психологом.\n"
        "P05: Сначала было страшно, но она объяснила, что всё конфиденциально.\n"
        "Интервьюер: Спасибо. А что помогло больше всего?\n"
    )
    parsed = parse_file("P05.txt", text.encode("cp1251"))

    assert parsed.text.startswith("Интервьюер: Расскажите, пожалуйста")
    assert [t.speaker for t in parsed.turns] == ["Интервьюер", "P05", "Интервьюер"]


def test_one_speaker_spelled_differently_is_one_speaker() -> None:
    parsed = parse_file("x.txt", b"Interviewer: Hi.\nP01: Hello.\nINTERVIEWER: Ready?\np01: Yes.\n")

    assert [t.speaker for t in parsed.turns] == ["Interviewer", "P01", "Interviewer", "P01"]


@pytest.mark.parametrize(
    "line, speaker, spoken, cue",
    [
        ("[00:01:23] Interviewer: Tell me more.", "Interviewer", "Tell me more.", 83.0),
        ("(00:01:23) Interviewer: Tell me more.", "Interviewer", "Tell me more.", 83.0),
        ("00:01:23 Interviewer: Tell me more.", "Interviewer", "Tell me more.", 83.0),
        ("Interviewer [00:01:23]: Tell me more.", "Interviewer", "Tell me more.", 83.0),
        ("Interviewer (01:23:04.5): Tell me more.", "Interviewer", "Tell me more.", 4984.5),
        ("Interviewer: [00:01:23] Tell me more.", "Interviewer", "Tell me more.", 83.0),
        ("Interviewer: 10:30 suits me.", "Interviewer", "10:30 suits me.", None),  # a time said aloud
        ("Interviewer:Tell me more.", "Interviewer", "Tell me more.", None),
        ("Facilitator (Research team): Tell me more.", "Facilitator (Research team)", "Tell me more.", None),
    ],
)
def test_timestamp_positions_and_labels(line: str, speaker: str, spoken: str, cue: float | None) -> None:
    parsed = parse_file("t.txt", f"{line}\nP07: Okay.\n".encode())

    assert turns(parsed)[0] == (speaker, "interviewer", spoken, cue, None)
    assert turns(parsed)[1][:3] == ("P07", "participant", "Okay.")


def test_label_on_its_own_line_with_the_words_below() -> None:
    text = "Interviewer  00:00:05\nHow are you?\n\nP02  00:00:08\nFine.\nReally fine.\n"
    parsed = parse_file("otter.txt", text.encode())

    assert turns(parsed) == [
        ("Interviewer", "interviewer", "How are you?", 5.0, None),
        ("P02", "participant", "Fine.\nReally fine.", 8.0, None),
    ]


def test_a_sentence_with_a_colon_is_not_a_new_speaker() -> None:
    text = (
        "Q: What helped?\n"
        "A: Two things.\n"
        "The main one: she listened.\n"
        "My mum said: go back next week.\n"
        "Q: Anything else?\n"
    )
    parsed = parse_file("qa.txt", text.encode())

    assert turns(parsed) == [
        ("Q", "interviewer", "What helped?", None, None),
        ("A", "participant", "Two things.\nThe main one: she listened.\nMy mum said: go back next week.",
         None, None),
        ("Q", "interviewer", "Anything else?", None, None),
    ]


def test_a_header_block_with_fields_is_front_matter_even_its_speaker_lines() -> None:
    text = (
        "Consultation transcript\nInterviewer: A. Example\nParticipant: P10\nDate: 3 May 2026\n\n"
        "Interviewer: Hello.\nParticipant: Hi.\nInterviewer: Shall we start?\nParticipant: Yes.\n"
    )
    parsed = parse_file("P10.txt", text.encode())

    assert parsed.front_matter == (
        "Consultation transcript\nInterviewer: A. Example\nParticipant: P10\nDate: 3 May 2026"
    )
    assert [parsed.spoken(t) for t in parsed.turns] == ["Hello.", "Hi.", "Shall we start?", "Yes."]


def test_metadata_lines_with_known_labels_stay_in_the_front_matter() -> None:
    text = (
        "Consultation transcript\nParticipant: P09 (youth)\n\n"
        "Interviewer: Hello.\n\nP09: Hi.\n\nInterviewer: Shall we start?\n\nP09: Yes.\n"
    )
    parsed = parse_file("P09.txt", text.encode())

    assert parsed.front_matter == "Consultation transcript\nParticipant: P09 (youth)"
    assert [t.speaker for t in parsed.turns] == ["Interviewer", "P09", "Interviewer", "P09"]


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "empty.txt: the file is empty"),
        (b"\r\n  \r\n", "empty.txt: the file is empty"),
        (b"Just some notes about the day.\nNothing anyone said.\n", "empty.txt: no speaker turns found"),
        (bytes(range(256)) * 8, "empty.txt: is not a text file"),
        (b"PK\x03\x04\x14\x00\x06\x00rest-of-a-zip", "empty.txt: is a zip/Word (.docx) file"),
        (codecs.BOM_UTF8 + b"\xff\xfe\xfa broken", "empty.txt: starts with a utf-8-sig byte-order mark"),
    ],
)
def test_unusable_files_give_one_line_naming_the_file(data: bytes, message: str) -> None:
    with pytest.raises(UserError) as err:
        parse_file("empty.txt", data)

    assert str(err.value).startswith(message)
    assert "\n" not in str(err.value)
