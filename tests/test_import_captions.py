"""Caption files from meeting tools: Teams and Zoom WebVTT, and SubRip (.srt)."""

from __future__ import annotations

from pathlib import Path

import pytest

from consult_coder.errors import UserError
from consult_coder.importers import ParsedTranscript, parse_file

FIXTURES = Path(__file__).parent / "fixtures" / "import"


def turns(parsed: ParsedTranscript) -> list[tuple]:
    return [(t.speaker, t.speaker_kind, parsed.spoken(t), t.cue_start, t.cue_end) for t in parsed.turns]


def parsed_fixture(name: str) -> ParsedTranscript:
    parsed = parse_file(name, (FIXTURES / name).read_bytes())
    assert parsed.text == "\n\n".join(f"{t.speaker}: {parsed.spoken(t)}" for t in parsed.turns)
    return parsed


def test_teams_voice_tags_merge_one_speakers_cues() -> None:
    parsed = parsed_fixture("teams.vtt")

    assert turns(parsed) == [
        ("Facilitator (Research team)", "interviewer",
         "Hi, thanks for joining the call. Could you tell me about your first session?", 1.5, 7.8),
        ("P12", "participant", "It was at school & it felt weird.", 8.0, 11.25),  # <v> without </v>
        ("Facilitator (Research team)", "interviewer", "Weird how?", 11.5, 13.0),
    ]
    assert parsed.source_format == "vtt"
    assert parsed.participant_id == "P12"  # the one participant-style speaker label
    assert "NOTE" not in parsed.text and "-->" not in parsed.text


def test_zoom_name_prefixes() -> None:
    parsed = parsed_fixture("zoom.vtt")

    assert turns(parsed) == [
        ("Interviewer", "interviewer", "Can you hear me okay?", 2.0, 5.1),
        ("Respondent", "participant", "Yes, loud and clear. Sorry about the noise.", 5.4, 9.0),
        ("Interviewer", "interviewer", "No problem: let's start.", 9.5, 12.0),
    ]


def test_srt_with_crlf_and_wrapped_cue_lines() -> None:
    parsed = parsed_fixture("clinic.srt")

    assert turns(parsed) == [
        ("Moderator", "interviewer", "Welcome back.", 1.0, 3.5),
        ("P19", "participant", "Thanks. Um, where do I begin? Maybe with the waiting list.", 4.0, 9.0),
        ("Moderator", "interviewer", "Sure.", 9.5, 11.0),
    ]
    assert parsed.source_format == "srt"


def test_cues_without_a_name_continue_the_previous_speaker() -> None:
    vtt = (
        "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nInterviewer: Go on.\n\n"
        "00:00:02.000 --> 00:00:04.000\nP05: So the first time 😅\n\n"
        "00:00:04.000 --> 00:00:06.000\nI just sat there.\n\n"
        "00:00:06.000 --> 00:00:07.000\nInterviewer: Right.\n"
    )
    parsed = parse_file("P05.vtt", vtt.encode("utf-8"))

    assert turns(parsed) == [
        ("Interviewer", "interviewer", "Go on.", 1.0, 2.0),
        ("P05", "participant", "So the first time 😅 I just sat there.", 2.0, 6.0),
        ("Interviewer", "interviewer", "Right.", 6.0, 7.0),
    ]


@pytest.mark.parametrize(
    "name, data, message",
    [
        ("x.vtt", b"", "x.vtt: the file is empty"),
        ("x.vtt", b"This is not a caption file\nat all\n", "x.vtt: is not a valid WebVTT caption file"),
        ("x.srt", b"hello\nworld\nagain\n", "x.srt: is not a valid SubRip (.srt) caption file"),
        ("x.vtt", b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nno names anywhere\n",
         "x.vtt: no speaker names found"),
    ],
)
def test_unusable_caption_files(name: str, data: bytes, message: str) -> None:
    with pytest.raises(UserError) as err:
        parse_file(name, data)

    assert str(err.value).startswith(message)
