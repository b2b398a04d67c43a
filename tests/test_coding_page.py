"""The "Code" page without a browser: what the reader is sent, and how its actions are applied.

The reader's actions arrive in ``st.session_state["coding_action"]`` (its callback puts them there),
so a test sets that key and reruns, exactly as a click in the browser would.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event
from streamlit.testing.v1 import AppTest

from consult_coder import coding, memos
from consult_coder.access import Viewer
from consult_coder.model import Participant, Transcript, Turn
from consult_coder.storage import Project, open_project
from consult_coder.text import content_hash
from consult_coder.ui.render import shown
from tests.factories import EVERYONE, build_coding_study, in_session


def _page() -> None:
    from consult_coder.ui.pages.coding import render

    render()


def _page_with_sidebar() -> None:
    """As the app draws it: the sidebar (where the coder is chosen, by picker or ?coder=) first."""
    from consult_coder.ui.pages.coding import render
    from consult_coder.ui.sidebar import render_sidebar

    render_sidebar()
    render()


@pytest.fixture
def study(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Project, int]]:
    db = str(tmp_path / "project.sqlite")
    monkeypatch.setenv("CONSULT_CODER_DB", db)
    project = open_project(db)
    tid = build_coding_study(project)
    yield project, tid
    project.close()


def page(coder: str | None = "amira") -> AppTest:
    at = AppTest.from_function(_page, default_timeout=60)
    if coder:
        at.session_state["coder"] = coder
    return at.run()


def reader_data(at: AppTest) -> dict[str, Any]:
    [reader] = at.get("bidi_component")
    return json.loads(reader.proto.json)


def act(at: AppTest, **action: Any) -> AppTest:
    at.session_state["coding_action"] = action
    return at.run()


def span(project: Project, tid: int, phrase: str) -> tuple[int, int]:
    with project.session() as s:
        text = s.get(Transcript, tid).text
    return text.index(phrase), text.index(phrase) + len(phrase)


def codings(project: Project, tid: int) -> list[tuple[int, int, str, str]]:
    with project.session() as s:
        return [(c.start, c.end, c.code_id, c.coder) for c in coding.codings_for(s, tid, Viewer.everyone())]


def test_without_a_coder_the_page_asks_to_choose_one_in_the_sidebar(study) -> None:
    at = page(coder=None)
    assert not at.exception
    assert "pick your name under **Coder** in the sidebar" in at.info[0].value
    assert at.get("bidi_component") == []


def test_the_reader_gets_the_transcript_turns_and_codebook(study) -> None:
    project, tid = study
    data = reader_data(page())
    with project.session() as s:
        text = s.get(Transcript, tid).text
    assert data["text"] == text
    assert [(t["speaker"], t["kind"], t["label"]) for t in data["turns"]][:2] == [
        ("Interviewer", "interviewer", ""), ("P07", "participant", "youth · young person")]
    assert [c["id"] for c in data["codes"] if not c["archived"]] == [
        "empathy", "non_judgement", "goal_setting", "confidentiality", "trust_bond"]
    assert data["codes"][0]["definition"] == "Synthetic definition of empathy."


def test_blind_coding_sends_only_the_coders_own_codings(study) -> None:
    project, tid = study
    in_session(project, coding.add_coding, tid, *span(project, tid, "She listens"), ["empathy"], "amira")
    in_session(project, coding.add_coding, tid, *span(project, tid, "never judges me"), ["non_judgement"],
               "ben")

    at = page()
    assert not at.toggle(key="coding_show_others").value  # blind by default
    assert [(c["coder"], c["own"]) for c in reader_data(at)["codings"]] == [("amira", True)]
    assert "ben" not in reader_data(at)["codings"].__repr__()

    at.toggle(key="coding_show_others").set_value(True).run()
    assert sorted((c["coder"], c["own"]) for c in reader_data(at)["codings"]) == [
        ("amira", True), ("ben", False)]


def test_an_action_from_the_reader_is_saved_and_shown_at_once(study) -> None:
    project, tid = study
    a = span(project, tid, "She listens and she never judges me.")
    at = page()
    rev = reader_data(at)["rev"]
    at = act(at, type="add", start=a[0], end=a[1], codes=["empathy", "trust_bond"], transcript=tid)

    assert not at.exception and not at.error
    assert codings(project, tid) == [(*a, "empathy", "amira"), (*a, "trust_bond", "amira")]
    data = reader_data(at)
    assert [(c["start"], c["end"], c["code_id"]) for c in data["codings"]] == [
        (*a, "empathy"), (*a, "trust_bond")]
    assert data["notice"] == "Applied Empathy, Trust and bond"
    assert data["rev"] == rev + 1 and data["can_undo"] is True

    [cid, _] = [c["id"] for c in data["codings"]]
    at = act(at, type="memo", id=cid, memo="Feels listened to", transcript=tid)
    at = act(at, type="resize", id=cid, start=a[0], end=a[0] + 5, snap="word", transcript=tid)
    assert reader_data(at)["notice"] == f"Passage now {a[0]}–{a[0] + len('She listens')}"
    at = act(at, type="remove", id=cid, transcript=tid)
    assert codings(project, tid) == [(*a, "trust_bond", "amira")]
    at = act(at, type="undo", transcript=tid)
    assert reader_data(at)["notice"].startswith("Undid removing Empathy")
    with project.session() as s:
        [restored] = [c for c in coding.codings_for(s, tid, Viewer.everyone()) if c.id == cid]
    assert restored.memo == "Feels listened to" and restored.end == a[0] + len("She listens")


@pytest.mark.parametrize(("action", "message"), [
    ({"type": "add", "start": 5, "end": 99_999, "codes": ["empathy"]}, "outside transcript"),
    ({"type": "add", "start": 5, "end": 20, "codes": ["old_code"]}, "archived"),
    ({"type": "resize", "id": 12345, "start": 1, "end": 4}, "no coding 12345"),
    ({"type": "explode"}, "Unknown reader action"),
])
def test_a_bad_action_shows_one_line_and_changes_nothing(study, action: dict, message: str) -> None:
    project, tid = study
    at = act(page(), **action, transcript=tid)
    assert not at.exception
    [error] = at.error
    assert message in error.value and "\n" not in error.value
    assert codings(project, tid) == []


def test_another_coders_coding_cannot_be_removed_from_the_page(study) -> None:
    project, tid = study
    [cid] = in_session(project, coding.add_coding, tid, *span(project, tid, "She listens"), ["empathy"],
                       "ben")
    at = act(page(), type="remove", id=cid, transcript=tid)
    assert "belongs to coder 'ben'" in shown(at.error[0].value)
    assert codings(project, tid) == [(*span(project, tid, "She listens"), "empathy", "ben")]


def test_filter_to_one_code(study) -> None:
    project, tid = study
    in_session(project, coding.add_coding, tid, *span(project, tid, "She listens"), ["empathy"], "amira")
    in_session(project, coding.add_coding, tid, *span(project, tid, "We set small goals"),
               ["goal_setting"], "amira")
    at = page()
    at.selectbox(key="coding_only").set_value("goal_setting").run()
    assert [c["code_id"] for c in reader_data(at)["codings"]] == ["goal_setting"]


def _second_transcript(project: Project) -> int:
    text = "Interviewer: Tell me about your caseload.\n\nC03: Mostly young people with low mood."
    with project.session() as s:
        s.add(Participant(id="C03", group="clinician", role="lay health counsellor"))
        tr = Transcript(participant_id="C03", title="C03 consultation", text=text,
                        content_hash=content_hash(text), source_name="C03.txt", source_format="txt",
                        turns=[Turn(index=0, speaker="Interviewer", speaker_kind="interviewer", start=13,
                                    end=41),
                               Turn(index=1, speaker="C03", speaker_kind="participant", start=48,
                                    end=len(text))])
        s.add(tr)
        s.flush()
        return tr.id


def test_choose_transcripts_by_group_and_step_through_them(study) -> None:
    project, tid = study
    other = _second_transcript(project)
    at = page()
    first = reader_data(at)["transcript_id"]
    at.button(key="coding_next").click().run()
    second = reader_data(at)["transcript_id"]
    assert {first, second} == {tid, other}
    at.button(key="coding_prev").click().run()
    assert reader_data(at)["transcript_id"] == first

    at.selectbox(key="coding_group").set_value("clinician").run()
    assert reader_data(at)["transcript_id"] == other
    labels = at.selectbox(key="coding_role").options
    assert labels == ["All", "lay health counsellor", "young person"]


def test_progress_is_listed_and_a_transcript_can_be_marked_done(study) -> None:
    project, tid = study
    at = page()
    [picker] = [s for s in at.selectbox if s.label == "Transcript"]
    assert picker.options == ["P07 consultation — P07 · youth · young person — not started"]

    at = act(at, type="add", start=0 + span(project, tid, "She")[0], end=span(project, tid, "She listens")[1],
             codes=["empathy"], transcript=tid)
    [picker] = [s for s in at.selectbox if s.label == "Transcript"]
    assert picker.options[0].endswith("in progress")
    # The label changed with the progress; the open transcript stays open (the browser test covers the
    # widget round trip, which AppTest does not replay).
    assert reader_data(at)["transcript_id"] == tid and not at.error

    [done] = [b for b in at.button if b.label == "Mark transcript done"]
    at = done.click().run()
    with project.session() as s:
        assert coding.progress_by_transcript(s, "amira") == {tid: "done"}
    [picker] = [s for s in at.selectbox if s.label == "Transcript"]
    assert picker.options[0].endswith("done")
    assert any(b.label == "Reopen transcript" for b in at.button)


def test_a_link_can_name_an_existing_coder(study) -> None:
    project, _ = study
    with project.session() as s:
        coding.get_or_create_coder(s, "amira")
    at = AppTest.from_function(_page_with_sidebar, default_timeout=60)
    at.query_params["coder"] = "amira"
    at.run()
    assert at.session_state["coder"] == "amira"
    assert reader_data(at)["coder"] == "amira"

    stranger = AppTest.from_function(_page_with_sidebar, default_timeout=60)
    stranger.query_params["coder"] = "nobody"
    stranger.run()
    assert "coder" not in stranger.session_state
    assert stranger.get("bidi_component") == []


# ---------------------------------------------------------------- opening a passage from another page

def jump(at: AppTest, transcript_id: int, offset: int) -> AppTest:
    """What the Coded segments page's "Open in context" leaves behind before switching page."""
    at.session_state["open_transcript_id"] = transcript_id
    at.session_state["jump_to"] = offset
    return at.run()


def test_a_jump_opens_the_transcript_even_when_filters_hide_it(study) -> None:
    project, tid = study
    _second_transcript(project)
    at = page()
    at.selectbox(key="coding_group").set_value("clinician").run()
    at.selectbox(key="coding_only").set_value("goal_setting").run()
    assert reader_data(at)["transcript_id"] != tid

    start, end = span(project, tid, "We set small goals together")
    at = jump(at, tid, start)
    assert not at.exception
    data = reader_data(at)
    assert data["transcript_id"] == tid
    # Nothing coded starts there, so the sentence around the offset is the passage to flash.
    sentence = span(project, tid, "We set small goals together, like getting to college twice a week.")
    assert data["jump"]["offset"] == start
    assert (data["jump"]["start"], data["jump"]["end"]) == sentence
    assert at.selectbox(key="coding_group").value == "All"
    assert at.selectbox(key="coding_only").value is None

    # The keys are used once: the next run neither jumps again nor reopens the transcript.
    assert "open_transcript_id" not in at.session_state and "jump_to" not in at.session_state
    at.button(key="coding_prev").click().run()
    assert reader_data(at)["transcript_id"] != tid and reader_data(at)["jump"] is None


def test_a_jump_to_a_coded_passage_flashes_that_passage(study) -> None:
    project, tid = study
    a = span(project, tid, "She listens and she never judges me.")
    in_session(project, coding.add_coding, tid, *a, ["empathy"], "amira")
    in_session(project, coding.add_coding, tid, a[0], a[0] + len("She listens"), ["trust_bond"], "amira")
    at = jump(page(), tid, a[0])
    first = reader_data(at)["jump"]
    assert (first["start"], first["end"]) == a  # the longest coding starting there
    again = reader_data(jump(at, tid, a[0]))["jump"]
    assert again["seq"] > first["seq"]  # the same place asked for twice flashes twice


def test_a_jump_to_a_transcript_that_is_gone_warns_and_keeps_the_page_usable(study) -> None:
    _, tid = study
    at = jump(page(), tid + 999, 0)
    assert not at.exception
    assert "no longer in the project" in at.warning[0].value
    assert reader_data(at)["transcript_id"] == tid and reader_data(at)["jump"] is None


# ---------------------------------------------------------------- search in the open transcript

def test_search_marks_every_hit_in_the_open_transcript_only(study) -> None:
    project, tid = study
    other = _second_transcript(project)  # also says "me", but is not open
    at = jump(page(), tid, 0)
    assert reader_data(at)["hits"] == [] and reader_data(at)["query"] == ""
    at.text_input(key="coding_find").input("ME").run()
    data = reader_data(at)
    with project.session() as s:
        text = s.get(Transcript, tid).text
        assert "me" in s.get(Transcript, other).text.lower()
    assert data["transcript_id"] == tid and data["query"] == "ME"
    # Case does not matter; every occurrence, in text order, at code-point offsets (emoji come first).
    assert data["hits"] == [[i, i + 2] for i in range(len(text)) if text.lower().startswith("me", i)]
    assert [text[a - 7:b] for a, b in data["hits"]] == ["judges me", "lot to me"]

    at.text_input(key="coding_find").input("nowhere to be found").run()
    assert reader_data(at)["hits"] == [] and reader_data(at)["query"] == "nowhere to be found"


def test_a_search_that_is_too_long_says_so_in_one_line(study) -> None:
    at = page()
    at.text_input(key="coding_find").input("x" * 600).run()
    assert not at.exception
    assert "longer than 500 characters" in at.error[0].value
    assert reader_data(at)["hits"] == []


# ---------------------------------------------------------------- memos

def test_the_transcript_memo_is_saved_when_changed_and_is_the_coders_own(study) -> None:
    project, tid = study
    at = page()
    box = at.text_area(key=f"coding_memo_amira_{tid}")
    assert box.value == ""
    box.input("Talks about college; follow up on sleep.").run()
    assert not at.exception
    with project.session() as s:
        assert memos.get_memo(s, "transcript", tid, "amira",
                              viewer=EVERYONE) == "Talks about college; follow up on sleep."
        assert memos.get_memo(s, "transcript", tid, "ben", viewer=EVERYONE) == ""
    assert any("Memo saved" in c.value for c in at.caption)

    again = page()  # a new session reads it back
    assert again.text_area(key=f"coding_memo_amira_{tid}").value == "Talks about college; follow up on sleep."
    assert page(coder="ben").text_area(key=f"coding_memo_ben_{tid}").value == ""

    again.text_area(key=f"coding_memo_amira_{tid}").input("   ").run()  # emptied: the memo goes
    with project.session() as s:
        assert memos.list_memos(s, "transcript", tid, viewer=EVERYONE) == []


def test_code_memos_show_under_the_definitions_in_the_sidebar(study) -> None:
    project, _ = study
    in_session(project, memos.set_memo, "code", "empathy", "amira", "Includes *validation* of feelings.")
    in_session(project, memos.set_memo, "code", "empathy", None, "Agreed at the team meeting.", actor="lead")
    in_session(project, memos.set_memo, "code", "goal_setting", "ben", "Ben's private thought.")
    at = page()
    notes = [c.value for c in at.sidebar.caption if "memo:" in c.value]
    assert notes == [r":material/sticky_note_2: Team memo: Agreed at the team meeting\.",
                     r":material/sticky_note_2: Your memo: Includes \*validation\* of feelings\."]


# ---------------------------------------------------------------- each run loads only what it shows

def test_a_run_reads_only_the_open_transcripts_text_and_codings(study) -> None:
    """With several transcripts and codings everywhere, no query reads another transcript's text or
    codings, and none reads every coding."""
    project, tid = study
    other = _second_transcript(project)
    in_session(project, coding.add_coding, tid, *span(project, tid, "She listens"), ["empathy"], "amira")
    in_session(project, coding.add_coding, other, 48, 55, ["empathy"], "amira")
    at = jump(page(), tid, 0)
    at.toggle(key="coding_show_others").set_value(True).run()
    seen: list[tuple[str, Any]] = []

    def record(conn, cursor, statement, params, context, executemany) -> None:  # noqa: ANN001
        seen.append((" ".join(statement.split()), params))

    event.listen(Engine, "before_cursor_execute", record)
    try:
        at.text_input(key="coding_find").input("the").run()
    finally:
        event.remove(Engine, "before_cursor_execute", record)
    assert reader_data(at)["transcript_id"] == tid and not at.exception
    texts = [(sql, params) for sql, params in seen if "transcripts.text" in sql]
    assert texts, "the open transcript's text is read"
    for sql, params in texts:
        assert "WHERE transcripts.id = " in sql and tuple(params)[-1] == tid, sql
    from_codings = [(sql, params) for sql, params in seen if "FROM codings" in sql]
    assert from_codings
    for sql, params in from_codings:
        assert "codings.transcript_id = " in sql and tid in tuple(params), sql
