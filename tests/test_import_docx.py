"""Word transcripts as transcription services write them: bold speaker paragraphs or Speaker | Text tables."""

from __future__ import annotations

import io

import docx
import pytest

from consult_coder.errors import UserError
from consult_coder.importers import ParsedTranscript, parse_file


def turns(parsed: ParsedTranscript) -> list[tuple]:
    return [(t.speaker, t.speaker_kind, parsed.spoken(t), t.cue_start, t.cue_end) for t in parsed.turns]


def saved(document: docx.document.Document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def preamble(document: docx.document.Document) -> None:
    document.add_heading("Consultation P14 – working alliance study", level=1)
    document.add_paragraph("Recorded in a community clinic, March 2026.")
    document.add_paragraph("Transcribed by: a transcription service")


def test_bold_speaker_paragraphs_in_both_styles() -> None:
    document = docx.Document()
    preamble(document)
    p = document.add_paragraph()
    p.add_run("Interviewer:").bold = True  # bold "Speaker:" then the words
    p.add_run(" What made the room feel safe?")
    p = document.add_paragraph()
    p.add_run("P14").bold = True  # bold "Speaker", then ": words"
    p.add_run(": The door was shut. Nobody could hear.")
    document.add_paragraph("And she asked before writing anything down.")  # a second paragraph, same turn
    p = document.add_paragraph()
    p.add_run("Interviewer").bold = True  # bold "Speaker", a tab, the words: no colon at all
    p.add_run("\tAnything else?")
    p = document.add_paragraph()
    p.add_run("P14:").bold = True
    p.add_run(" No.")
    p = document.add_paragraph()
    p.add_run("Interviewer: ").bold = True
    p.add_run("Thank you 🙏")

    parsed = parse_file("P14_consultation.docx", saved(document))

    assert turns(parsed) == [
        ("Interviewer", "interviewer", "What made the room feel safe?", None, None),
        ("P14", "participant",
         "The door was shut. Nobody could hear.\nAnd she asked before writing anything down.", None, None),
        ("Interviewer", "interviewer", "Anything else?", None, None),
        ("P14", "participant", "No.", None, None),
        ("Interviewer", "interviewer", "Thank you 🙏", None, None),
    ]
    assert parsed.front_matter == (
        "Consultation P14 – working alliance study\nRecorded in a community clinic, March 2026.\n"
        "Transcribed by: a transcription service"
    )
    assert parsed.participant_id == "P14"
    assert parsed.source_format == "docx"
    assert parsed.text == "\n\n".join(f"{t.speaker}: {parsed.spoken(t)}" for t in parsed.turns)


def test_speaker_text_table_with_header_row() -> None:
    document = docx.Document()
    preamble(document)
    table = document.add_table(rows=0, cols=2)
    for speaker, text in [
        ("Speaker", "Text"),
        ("Moderator", "Could you describe your first appointment?"),
        ("Participant", "It was short.\nShe explained what confidential meant."),
        ("", "Then we made a plan."),  # an empty speaker cell continues the turn
        ("Moderator", "Thanks."),
    ]:
        cells = table.add_row().cells
        cells[0].text, cells[1].text = speaker, text

    parsed = parse_file("youth_table.docx", saved(document))

    assert turns(parsed) == [
        ("Moderator", "interviewer", "Could you describe your first appointment?", None, None),
        ("Participant", "participant",
         "It was short.\nShe explained what confidential meant.\nThen we made a plan.", None, None),
        ("Moderator", "interviewer", "Thanks.", None, None),
    ]
    assert parsed.front_matter.startswith("Consultation P14")


def test_table_without_header_and_with_a_timestamp_column() -> None:
    document = docx.Document()
    table = document.add_table(rows=0, cols=3)
    for stamp, speaker, text in [
        ("00:00:03", "Facilitator", "Shall we begin?"),
        ("00:00:06", "P22", "Yes. Though: I am nervous."),
        ("[00:01:10]", "Facilitator", "That is okay."),
    ]:
        cells = table.add_row().cells
        cells[0].text, cells[1].text, cells[2].text = stamp, speaker, text

    parsed = parse_file("P22.docx", saved(document))

    assert turns(parsed) == [
        ("Facilitator", "interviewer", "Shall we begin?", 3.0, None),
        ("P22", "participant", "Yes. Though: I am nervous.", 6.0, None),
        ("Facilitator", "interviewer", "That is okay.", 70.0, None),
    ]
    assert parsed.front_matter == ""


def test_plain_and_all_bold_paragraphs_with_timestamps_are_read_like_text() -> None:
    document = docx.Document()
    document.add_paragraph().add_run("[00:00:02] Q: Ready?").bold = True  # questions all in bold
    document.add_paragraph("[00:00:04] Respondent: Ready.")
    document.add_paragraph().add_run("[00:00:05] Q: Good.").bold = True

    parsed = parse_file("plain.docx", saved(document))

    assert turns(parsed) == [
        ("Q", "interviewer", "Ready?", 2.0, None),
        ("Respondent", "participant", "Ready.", 4.0, None),
        ("Q", "interviewer", "Good.", 5.0, None),
    ]


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "broken.docx: the file is empty"),
        (b"PK\x03\x04 this zip was cut short", "broken.docx: is not a readable Word .docx file"),
        (b"Interviewer: I am plain text renamed .docx", "broken.docx: is not a readable Word .docx file"),
    ],
)
def test_a_damaged_docx_is_one_clear_line(data: bytes, message: str) -> None:
    with pytest.raises(UserError) as err:
        parse_file("broken.docx", data)

    assert str(err.value).startswith(message)


def test_a_docx_without_turns_says_so() -> None:
    document = docx.Document()
    document.add_paragraph("Meeting notes, no transcript here.")

    with pytest.raises(UserError, match=r"^notes\.docx: no speaker turns found"):
        parse_file("notes.docx", saved(document))
