"""The Import page: its limits, errors shown whole, the anonymity check before import (each finding in
context, one click to replace it), REFI-QDA import, and redacting a transcript already in the project."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from consult_coder import coding, limits
from consult_coder.audit import Action
from consult_coder.codings_io import load_codings_csv
from consult_coder.model import Code, Coding, Event, Participant, Transcript
from consult_coder.refi import export_qdc
from consult_coder.storage import open_project
from consult_coder.text import content_hash
from consult_coder.ui.render import shown
from tests.factories import build_export_study, in_session, stored_turns

SCRIPT = """
from consult_coder.ui.pages.importer import render
render()
"""

# Synthetic words, written for these tests: a name, a hospital and a phone number anonymisation missed.
TRANSCRIPT = (b"Interviewer: Thank you for coming in today. How have things been?\n"
              b"P07: Better. My friend Tendai comes with me to the clinic at Parirenyatwa Hospital on "
              b"Thursdays.\n"
              b"Interviewer: Who else helps?\n"
              b"P07: My aunt calls me on 0772 123 456 when I miss a session, and I feel listened to.\n")
NAME = "P07_consultation.txt"


@pytest.fixture
def location(tmp_path, monkeypatch) -> str:
    path = str(tmp_path / "project.sqlite")
    monkeypatch.setenv("CONSULT_CODER_DB", path)
    open_project(path).close()
    return path


def app(coder: str | None = "lead") -> AppTest:
    at = AppTest.from_string(SCRIPT, default_timeout=60)
    if coder:
        at.session_state["coder"] = coder
    return at.run()


def upload(at: AppTest, *files: tuple[str, bytes]) -> AppTest:
    at.file_uploader[0].set_value([(name, data, "application/octet-stream") for name, data in files])
    return at.run()


def button(at: AppTest, label: str):  # noqa: ANN201 - AppTest Button
    """The one button that shows ``label``."""
    [found] = [b for b in at.button if shown(b.label) == label]
    return found


def labels(at: AppTest) -> list[str]:
    return [shown(b.label) for b in at.button]


def stored_text(location: str) -> str:
    project = open_project(location)
    with project.session() as s:
        [text] = s.scalars(select(Transcript.text)).all()
    project.close()
    return text


# ---------------------------------------------------------------- limits and errors

def test_the_page_states_its_upload_limits(location):
    at = app()
    said = shown(at.caption[0].value)
    for limit in ("10 MB", "50 MB", "5 MB", f"{limits.MAX_TURNS:,} turns", f"{limits.MAX_UPLOAD_MB} MB"):
        assert limit in said
    # The uploaders refuse what no format would take before it is even sent.
    assert [u.proto.max_upload_size_mb for u in at.file_uploader] == [50, 5, limits.MAX_UPLOAD_MB]


def test_a_file_over_its_limit_gets_the_one_line_reason(location):
    at = upload(app(), ("big.txt", b"Interviewer: hello\n" * (11 * limits.MB // 19)))
    assert [shown(e.value) for e in at.error][1:] == [
        "big.txt: is 11 MB, larger than the 10 MB a .txt file may be; refusing to read it"]
    assert at.button(key="import-go").disabled


def test_error_text_is_shown_whole_however_long(location):
    name = "P40_" + "consultation_recorded_at_the_community_centre_after_the_group_session_" * 3 + ".docx"
    at = upload(app(), (name, b"not a word file"), (NAME, TRANSCRIPT))
    errors = [shown(e.value) for e in at.error]
    assert errors == ["1 file(s) cannot be imported; fix or remove them to import the batch:",
                      f"{name}: is not a readable Word .docx file (damaged, or another format renamed)"]
    assert at.button(key="import-go").disabled
    with open_project(location).session() as s:
        assert s.scalars(select(Transcript)).first() is None


# ---------------------------------------------------------------- the anonymity check before import

def test_each_finding_is_shown_in_context_before_import(location):
    at = upload(app(), (NAME, TRANSCRIPT))
    [details] = at.expander
    assert shown(details.label) == (f"{NAME} · 4 turns · 3 possible identifiers (1 NAME, 1 CLINIC, 1 PHONE): "
                                    "0 to replace, 0 kept as written, 3 to decide")
    contexts = [shown(m.value) for m in details.markdown]
    assert contexts == [
        "P07: Better. My friend <mark>Tendai</mark> comes with me to the clinic at Parirenyatwa Hospital "
        "on Thursdays.",
        "P07: Better. My friend Tendai comes with me to the clinic at <mark>Parirenyatwa Hospital</mark> "
        "on Thursdays.",
        "P07: My aunt calls me on <mark>0772 123 456</mark> when I miss a session, and I feel listened to."]
    # Never dropped silently: nothing imports while a finding is unanswered.
    assert "3 possible identifier(s) not answered yet" in shown(at.warning[0].value)
    assert at.button(key="import-go").disabled


def test_one_click_replaces_a_finding_and_the_import_stores_the_placeholder(location):
    at = upload(app(), (NAME, TRANSCRIPT))
    button(at, "[NAME]").click().run()
    assert "Replaced by [NAME] · undo" in labels(at)
    assert "P07 (participant): Better. My friend [NAME] comes with me to the clinic at Parirenyatwa " \
           "Hospital on Thursdays." in [t.value for t in at.text]  # the turns as they will be stored
    button(at, "Replace all PHONE (1)").click().run()
    button(at, "Keep").click().run()  # the hospital is the one left: kept as written
    assert shown(at.expander[0].label).endswith("2 to replace, 1 kept as written")
    assert not at.warning and not at.button(key="import-go").disabled

    at.button(key="import-go").click().run()
    assert not at.exception and not at.error
    assert shown(at.success[0].value) == (
        "Imported 1 transcript(s) with 4 turns; participants: 1 added, 0 updated. Replaced 2 identifier(s) "
        "with placeholders in 1 file(s) before import. Kept 1 possible identifier(s) as written.")
    assert not at.file_uploader[0].value  # the batch is done: the uploader starts empty
    text = stored_text(location)
    assert "My friend [NAME] comes with me to the clinic at Parirenyatwa Hospital" in text
    assert "calls me on [PHONE] when I miss" in text and "Tendai" not in text and "0772" not in text


def test_codings_of_a_later_import_land_on_their_words(location):
    at = upload(app(), (NAME, TRANSCRIPT))
    button(at, "Replace all 3").click().run()
    at.button(key="import-go").click().run()
    quotes = ["My friend [NAME] comes with me", "to the clinic at [CLINIC] on Thursdays",
              "when I miss a session, and I feel listened to"]
    codings_csv = "source,code,quote\n" + "".join(f'{NAME},support,"{q}"\n' for q in quotes)
    project = open_project(location)
    with project.session() as s:
        s.add(Code(id="support", name="Support"))
    assert in_session(project, load_codings_csv, codings_csv.encode(), source_name="amira.csv",
                      actor="amira") == 3
    with project.session() as s:
        [text] = s.scalars(select(Transcript.text)).all()
        coded = sorted(text[c.start:c.end] for c in s.scalars(select(Coding)))
    project.close()
    assert coded == sorted(quotes)


def test_all_in_a_file_with_one_click_and_each_answer_can_be_undone(location):
    at = upload(app(), (NAME, TRANSCRIPT))
    button(at, "Replace all 3").click().run()
    assert shown(at.expander[0].label).endswith("3 to replace, 0 kept as written")
    button(at, "Replaced by [CLINIC] · undo").click().run()
    assert shown(at.expander[0].label).endswith("2 to replace, 0 kept as written, 1 to decide")
    assert at.button(key="import-go").disabled


def test_unanswered_findings_are_kept_only_when_asked(location):
    at = upload(app(), (NAME, TRANSCRIPT))
    at.button(key="import-keep-all").click().run()
    assert shown(at.expander[0].label).endswith("0 to replace, 3 kept as written")
    at.button(key="import-go").click().run()
    assert shown(at.success[0].value).endswith("Kept 3 possible identifier(s) as written.")
    assert stored_text(location) == TRANSCRIPT.decode().replace("\n", "\n\n").strip()


def test_a_file_without_findings_imports_with_one_click(location):
    clean = b"Interviewer: How was it?\nP08: It helped to be listened to.\n"
    at = upload(app(), ("P08_consultation.txt", clean))
    assert shown(at.expander[0].label).endswith("no possible identifiers found")
    at.button(key="import-go").click().run()
    assert shown(at.success[0].value).startswith("Imported 1 transcript(s) with 2 turns")


# ---------------------------------------------------------------- REFI-QDA, now on this page

def test_a_refi_codebook_is_imported_on_the_import_page(tmp_path, location):
    source = open_project(str(tmp_path / "source.sqlite"))
    build_export_study(source)
    with source.session() as s:
        qdc = export_qdc(s)
    source.close()
    at = app()
    at.file_uploader(key="refi-upload").set_value(("working-alliance.qdc", qdc, "application/xml")).run()
    at.button(key="refi-import").click().run()
    assert not at.exception and not at.error
    assert shown(at.success[0].value).startswith("working-alliance.qdc: 9 codes added")
    project = open_project(location)
    with project.session() as s:
        assert "confidentiality" in set(s.scalars(select(Code.id)))
        assert {e.actor for e in s.scalars(select(Event))} == {"lead"}
    project.close()


def test_a_broken_refi_file_is_one_line_and_changes_nothing(location):
    at = app()
    broken = ("broken.qdc", b"<CodeBook><Codes>", "application/xml")
    at.file_uploader(key="refi-upload").set_value(broken).run()
    at.button(key="refi-import").click().run()
    assert [shown(e.value) for e in at.error] == ["broken.qdc: not well-formed XML (line 1, column 18)"]
    with open_project(location).session() as s:
        assert s.scalars(select(Code.id)).first() is None


# ---------------------------------------------------------------- a transcript already in the project

STORED = [("Interviewer", "interviewer", "Who helped you most?"),
          ("P09", "participant", "Sister Chipo at the clinic. She listened and never rushed me.")]


@pytest.fixture
def stored(location) -> tuple[int, int]:
    """A stored transcript with a name in it, and a coding that covers the name and the words after it."""
    text, turns = stored_turns(STORED)
    project = open_project(location)
    with project.session() as s:
        s.add(Participant(id="P09", group="youth", role="young person", age_band="16-17"))
        s.add(Code(id="trust", name="Trust"))
        tr = Transcript(participant_id="P09", title="P09 consultation", text=text,
                        content_hash=content_hash(text), source_name="P09.txt", source_format="txt",
                        turns=turns)
        s.add(tr)
        s.flush()
        tid = tr.id
    start = text.index("Chipo at the clinic")
    [cid] = in_session(project, coding.add_coding, tid, start, start + len("Chipo at the clinic"), ["trust"],
                       "amira")
    project.close()
    return tid, cid


def test_a_lead_redacts_a_stored_transcript_and_its_codings_move_with_the_text(location, stored):
    tid, cid = stored
    at = app()
    at.selectbox(key="stored-check").set_value(tid).run()
    assert "P09 consultation: 1 possible identifier (1 NAME): 0 to replace, 0 kept as written, 1 to decide" \
        in [shown(c.value) for c in at.caption]
    assert any("Sister <mark>Chipo</mark> at the clinic" in shown(m.value) for m in at.markdown)
    button(at, "[NAME]").click().run()
    go = next(b for b in at.button if shown(b.label) == "Replace 1 identifier(s) in this transcript")
    assert go.disabled  # not before saying the words cannot be brought back
    next(c for c in at.checkbox if c.key.endswith("-sure")).check().run()
    next(b for b in at.button if shown(b.label) == "Replace 1 identifier(s) in this transcript").click().run()
    assert not at.exception and not at.error
    assert shown(at.success[0].value) == (
        f"transcript {tid}: 1 identifier(s) replaced; 1 coding(s) overlapped an identifier and now cover "
        "its placeholder")
    assert any(shown(c.value).startswith(f"coding {cid} (trust, amira) overlapped a redacted NAME")
               for c in at.caption)
    project = open_project(location)
    with project.session() as s:
        text = s.get(Transcript, tid).text
        c = s.get(Coding, cid)
        assert text.endswith("Sister [NAME] at the clinic. She listened and never rushed me.")
        assert text[c.start:c.end] == "[NAME] at the clinic"
        redactions = s.scalars(select(Event).where(Event.action == Action.TRANSCRIPT_REDACT))
        assert [e.actor for e in redactions] == ["lead"]
    project.close()


def test_redacting_a_stored_transcript_waits_for_a_named_lead(location, stored):
    tid, _ = stored
    at = app(coder=None)
    at.selectbox(key="stored-check").set_value(tid).run()
    button(at, "[NAME]").click().run()
    next(c for c in at.checkbox if c.key.endswith("-sure")).check().run()
    assert next(b for b in at.button if shown(b.label).startswith("Replace 1 identifier")).disabled
    assert any("Choose who you are in the sidebar first" in c.value for c in at.caption)
