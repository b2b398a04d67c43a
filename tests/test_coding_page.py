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
from streamlit.testing.v1 import AppTest

from consult_coder import coding
from consult_coder.model import Participant, Transcript, Turn
from consult_coder.storage import Project, open_project
from consult_coder.text import content_hash
from tests.test_coding import build_study


def _page() -> None:
    from consult_coder.ui.pages.coding import render

    render()


@pytest.fixture
def study(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Project, int]]:
    db = str(tmp_path / "project.sqlite")
    monkeypatch.setenv("CONSULT_CODER_DB", db)
    project = open_project(db)
    tid = build_study(project)
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
        return [(c["start"], c["end"], c["code_id"], c["coder"]) for c in coding.codings_for(s, tid)]


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
        ("Interviewer", "interviewer", ""), ("P07", "participant", "P07 · youth · young person")]
    assert [c["id"] for c in data["codes"] if not c["archived"]] == [
        "empathy", "non_judgement", "goal_setting", "confidentiality", "trust_bond"]
    assert data["codes"][0]["definition"] == "Synthetic definition of empathy."


def test_blind_coding_sends_only_the_coders_own_codings(study) -> None:
    project, tid = study
    coding.add_coding(project, tid, *span(project, tid, "She listens"), ["empathy"], "amira")
    coding.add_coding(project, tid, *span(project, tid, "never judges me"), ["non_judgement"], "ben")

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
        [restored] = [c for c in coding.codings_for(s, tid) if c["id"] == cid]
    assert restored["memo"] == "Feels listened to" and restored["end"] == a[0] + len("She listens")


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
    [cid] = coding.add_coding(project, tid, *span(project, tid, "She listens"), ["empathy"], "ben")
    at = act(page(), type="remove", id=cid, transcript=tid)
    assert "belongs to coder 'ben'" in at.error[0].value
    assert codings(project, tid) == [(*span(project, tid, "She listens"), "empathy", "ben")]


def test_filter_to_one_code(study) -> None:
    project, tid = study
    coding.add_coding(project, tid, *span(project, tid, "She listens"), ["empathy"], "amira")
    coding.add_coding(project, tid, *span(project, tid, "We set small goals"), ["goal_setting"], "amira")
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
    at = AppTest.from_function(_page, default_timeout=60)
    at.query_params["coder"] = "amira"
    at.run()
    assert at.session_state["coder"] == "amira"
    assert reader_data(at)["coder"] == "amira"

    stranger = AppTest.from_function(_page, default_timeout=60)
    stranger.query_params["coder"] = "nobody"
    stranger.run()
    assert "coder" not in stranger.session_state
    assert stranger.get("bidi_component") == []
