"""Reviewing code suggestions in the app, without a browser: the Suggestions page (queue, keys, bulk
accept, quality with false hits, candidates becoming patterns, the classifier, settings), the Code
page's suggestions for the reader, and what a reviewer may see of them.

The study is tests/factories.py's suggestion study: two synthetic consultations, four codes with
patterns, and a consensus layer finished on both. The reviewer is amira. The queue's keys arrive, as
from the keys component's callback, in ``st.session_state["suggest_key"]``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from consult_coder.access import Viewer
from consult_coder.codebook import list_codes
from consult_coder.errors import UserError
from consult_coder.model import Code, Coder, Coding, Event, Progress, SuggestionRejection, Transcript
from consult_coder.sample import load_demo
from consult_coder.storage import Project, get_setting, open_project
from consult_coder.suggestions import review, store
from consult_coder.ui.render import inert, shown
from tests.factories import build_suggestion_study, in_session, sentence_span

# The app's real page list, opened on the given page as if chosen in the menu.
SCRIPT = """
import streamlit as st
from consult_coder.ui.navigation import PAGES, page

specs = sorted(PAGES, key=lambda spec: spec[0] != {first!r})
st.navigation([page(*spec) for spec in specs]).run()
"""


@pytest.fixture
def study(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Project, dict[str, int]]]:
    db = str(tmp_path / "project.sqlite")
    monkeypatch.setenv("CONSULT_CODER_DB", db)
    project = open_project(db)
    ids = build_suggestion_study(project)
    yield project, ids
    project.close()


def app(first: str = "suggestions", coder: str | None = "amira") -> AppTest:
    at = AppTest.from_string(SCRIPT.format(first=first), default_timeout=120)
    if coder:
        at.session_state["coder"] = coder
    return at.run()


def card(at: AppTest) -> list[str]:
    """What the review card says: its captions and its text, as markdown."""
    return [e.value for e in at.get("caption") + at.get("markdown")]


def said(at: AppTest, kind: str) -> list[str]:
    """The text of every element of a kind (success, error, caption …) as a reader sees it."""
    return [shown(e.value) for e in at.get(kind)]


def codings(project: Project) -> list[tuple[str, str, str, str]]:
    """(coder, code, origin, coded text) of every coding, in text order."""
    with project.session() as s:
        rows = s.scalars(select(Coding).order_by(Coding.transcript_id, Coding.start, Coding.code_id))
        return [(c.coder.name, c.code_id, c.origin, s.get(Transcript, c.transcript_id).text[c.start:c.end])
                for c in rows]


def mine(project: Project) -> list[tuple[str, str, str]]:
    return [(code, origin, text) for who, code, origin, text in codings(project) if who == "amira"]



def press(at: AppTest, key: str) -> AppTest:
    """A key pressed in the queue: the keys component names it and the suggestion on screen."""
    data = json.loads(next(e for e in at.get("bidi_component")).proto.json)
    at.session_state["suggest_key"] = {"key": key, "id": data["id"]}
    return at.run()


# ---------------------------------------------------------------- the review queue

def test_the_queue_shows_one_suggestion_in_its_turn_with_the_evidence_in_bold(study) -> None:
    at = app()
    assert not at.exception
    assert at.title[0].value == "Suggestions"
    assert at.selectbox(key="suggest_code").value == "empathy"  # the first code with open suggestions
    assert "Empathy — 2 open" in at.selectbox(key="suggest_code").options
    said = card(at)
    assert "Suggestion 1 of 2 open · from pattern" in said
    assert "P11 consultation · P11 · youth · young person" in said
    assert (r":violet-background[She really **heard me**\.] It won\'t go further than this room\, she said\. "
            r"We made a plan for the mornings\.") in said
    assert r"Suggested: **Empathy** — because: “heard me”" in said
    assert at.get("progress")[0].proto.text == "0 of 2 suggestions of this code decided"


def test_on_the_sample_study_every_code_has_suggestions_to_review(tmp_path: Path, monkeypatch) -> None:
    db = str(tmp_path / "sample.sqlite")
    monkeypatch.setenv("CONSULT_CODER_DB", db)
    project = open_project(db)
    try:
        in_session(project, load_demo)
        with project.session() as s:
            codes = [c.name for c in list_codes(s)]
    finally:
        project.close()
    at = app(coder="coder_a")
    assert not at.exception
    queues = at.selectbox(key="suggest_code").options
    assert [q.rsplit(" — ", 1)[0] for q in queues] == codes and len(codes) == 12
    assert all(int(q.rsplit(" — ", 1)[1].removesuffix(" open")) > 0 for q in queues), queues


def test_accept_codes_the_sentence_as_the_reviewer_with_origin_suggested(study) -> None:
    project, _ = study
    at = app()
    at.button(key="suggest_accept").click().run()
    assert not at.exception
    assert mine(project) == [("empathy", "suggested", "She really heard me.")]
    assert said(at, "success")[0].startswith("Accepted: the sentence is coded Empathy")
    assert "Suggestion 1 of 1 open · from pattern" in card(at)  # the next one takes its place
    assert at.get("progress")[0].proto.text == "1 of 2 suggestions of this code decided"


def test_keys_accept_reject_and_move_through_the_queue(study) -> None:
    project, ids = study
    at = app()
    at.selectbox(key="suggest_code").set_value("therapy_environment").run()
    assert "Suggestion 1 of 3 open · from pattern" in card(at)
    at = press(at, "next")
    assert "Suggestion 2 of 3 open · from pattern" in card(at)
    at = press(at, "previous")
    at = press(at, "previous")  # nothing before the first
    assert "Suggestion 1 of 3 open · from pattern" in card(at)
    at = press(at, "reject")  # "It won't go further than this room": a false hit
    at = press(at, "accept")  # "The room was tiny …"
    assert not at.exception
    tiny = "The room was tiny and next to the kitchen."
    assert mine(project) == [("therapy_environment", "suggested", tiny)]
    with project.session() as s:
        [rejected] = s.scalars(select(SuggestionRejection)).all()
        assert (rejected.transcript_id, rejected.code_id, s.get(Coder, rejected.coder_id).name) == (
            ids["P11"], "therapy_environment", "amira")
    assert "Suggestion 1 of 1 open · from pattern" in card(at)
    assert r":violet-background[I liked the quiet **room**\.]" in " ".join(card(at))


def test_a_key_for_a_suggestion_no_longer_on_screen_decides_nothing(study) -> None:
    project, _ = study
    at = app()
    at.session_state["suggest_key"] = {"key": "accept", "id": 999_999}
    at.run()
    assert not at.exception and mine(project) == []


def test_a_decision_key_naming_the_card_before_a_move_decides_nothing(study) -> None:
    # N then A within one redraw: the keys can still name the card the reviewer moved away from.
    project, _ = study
    at = app()
    at.selectbox(key="suggest_code").set_value("therapy_environment").run()
    first = json.loads(next(e for e in at.get("bidi_component")).proto.json)["id"]
    at = press(at, "next")
    at.session_state["suggest_key"] = {"key": "accept", "id": first}
    at.run()
    assert not at.exception and mine(project) == []
    assert any("press it again for the suggestion shown" in x for x in said(at, "info"))
    assert "Suggestion 2 of 3 open · from pattern" in card(at)
    at = press(at, "accept")  # the card now shown, named by the keys
    assert [code for code, _, _ in mine(project)] == ["therapy_environment"]


def test_buttons_move_and_the_last_suggestion_ends_the_queue(study) -> None:
    at = app()
    assert at.button(key="suggest_prev").disabled
    at.button(key="suggest_next").click().run()
    assert "Suggestion 2 of 2 open · from pattern" in card(at) and at.button(key="suggest_next").disabled
    at.button(key="suggest_reject").click().run()
    at.button(key="suggest_reject").click().run()
    assert "Nothing left to review for Empathy." in said(at, "success")
    assert at.selectbox(key="suggest_code").options[0] == "Empathy — 0 open"


def test_a_rejected_suggestion_stays_rejected_for_that_reviewer_only(study) -> None:
    project, _ = study
    at = app()
    at.button(key="suggest_reject").click().run()
    at = app()  # a new session: the rejection is stored, not remembered by the page
    assert "Suggestion 1 of 1 open · from pattern" in card(at)
    with project.session() as s:
        assert [v.sentence for v in review.pending_for(s, Viewer("ben"), code_id="empathy")] == [
            "She really heard me.", "She heard me out though."]


def test_open_in_context_goes_to_the_code_page_at_the_sentence(study) -> None:
    project, ids = study
    at = app()
    at.button(key="suggest_open").click().run()
    assert not at.exception
    data = json.loads(at.get("bidi_component")[0].proto.json)
    assert data["transcript_id"] == ids["P11"]
    assert data["jump"]["offset"] == sentence_span(project, ids["P11"], "She really heard me.")[0]


def test_bulk_accept_codes_exactly_what_the_preview_listed(study) -> None:
    project, _ = study
    at = app()
    at.selectbox(key="suggest_code").set_value("confidentiality").run()
    assert not [b for b in at.button if b.key == "suggest_bulk_accept"]  # preview first
    at.button(key="suggest_bulk_preview").click().run()
    texts = [m.value for m in at.markdown]
    assert "**2** sentences would be coded **Confidentiality**:" in texts
    assert r"- It won\'t go further than this room\, she said\. — *P11 consultation*" in texts
    assert r"- I didn\'t want my mum hearing about it\. — *P11 consultation*" in texts
    at.button(key="suggest_bulk_accept").click().run()
    assert not at.exception
    assert "Coded 2 sentence(s) Confidentiality." in said(at, "success")
    assert mine(project) == [
        ("confidentiality", "suggested", "It won't go further than this room, she said."),
        ("confidentiality", "suggested", "I didn't want my mum hearing about it.")]
    assert "Nothing left to review for Confidentiality." in said(at, "success")


# ---------------------------------------------------------------- quality and false hits

def quality_rows(at: AppTest) -> dict[str, list[str]]:
    """The quality table as shown: code name -> the figures in its row."""
    cells = [m.value.replace("\\", "") for m in at.markdown]
    names = ("Empathy", "Confidentiality", "Goal setting", "Therapy environment", "all codes (micro)")
    out = {}
    for name in names:
        i = next(k for k, v in enumerate(cells) if v.endswith(name) or v == f"**{name}**")
        out[name] = [c.strip("*") for c in cells[i + 1:i + 7]]
    return out


def test_the_quality_table_shows_each_codes_figures_with_their_units(study) -> None:
    at = app()
    at.segmented_control(key="suggest_section").set_value("Quality").run()
    assert not at.exception
    assert at.selectbox(key="suggest_reference").value == "consensus"  # amira has finished nothing
    assert at.selectbox(key="suggest_reference").options == ["the consensus"]
    rows = quality_rows(at)
    #                           suggested, coded, right, precision, recall, F1
    assert rows["Empathy"] == ["2", "2", "2", "1.00", "1.00", "1.00"]
    assert rows["Confidentiality"] == ["2", "3", "2", "1.00", "0.67", "0.80"]
    assert rows["Goal setting"] == ["1", "5", "1", "1.00", "0.20", "0.33"]
    assert rows["Therapy environment"] == ["3", "1", "1", "0.33", "1.00", "0.50"]
    assert rows["all codes (micro)"] == ["8", "11", "6", "0.75", "0.55", "0.63"]
    [units] = [c.value for c in at.caption if c.value.startswith("Against")]
    assert units.startswith("Against the consensus: 2 finished transcript(s), 12 sentences of participant "
                            "speech.")
    weak = [m.value for m in at.markdown if m.value.startswith(":material/warning:")]
    assert weak == [":material/warning: Therapy environment"]


def test_a_weak_codes_false_hits_are_one_click_away_and_open_in_context(study) -> None:
    project, ids = study
    at = app()
    at.segmented_control(key="suggest_section").set_value("Quality").run()
    assert [b.label for b in at.button if b.key.startswith("suggest_false_")] == ["2 false hits"]
    at.button(key="suggest_false_therapy_environment").click().run()
    assert at.subheader[0].value == "False hits of Therapy environment"
    passages = [m.value for m in at.markdown if "violet-background" in m.value]
    assert passages == [
        r"She really heard me\. :violet-background[It won\'t go further than this **room**\, she said\.] "
        r"We made a plan for the mornings\.",
        r"Nobody at school would hear about it\. :violet-background[I liked the quiet **room**\.] "
        r"We wrote down goals for each month\."]
    at.button(key="suggest_false_open_1").click().run()
    data = json.loads(at.get("bidi_component")[0].proto.json)
    assert (data["transcript_id"], data["jump"]["offset"]) == (
        ids["P12"], sentence_span(project, ids["P12"], "I liked the quiet room.")[0])


def test_a_weak_codes_patterns_are_fixed_next_to_its_false_hits(study) -> None:
    project, _ = study
    at = app()
    at.segmented_control(key="suggest_section").set_value("Quality").run()
    at.button(key="suggest_false_therapy_environment").click().run()
    [editor] = [t for t in at.text_area if t.key.startswith("suggest_patterns_therapy_environment")]
    assert editor.value == '[\n  [{"LOWER": "room"}]\n]'
    editor.input('[\n  [{"LOWER": "room"}, {"LOWER": "was"}]\n]')
    at.button[[b.label for b in at.button].index("Save patterns")].click().run()
    assert not at.exception and not at.error
    assert "Saved the patterns of Therapy environment; its suggestions are matched again." in [
        shown(m.value) for m in at.success]
    with project.session() as s:
        assert s.get(Code, "therapy_environment").patterns == [[{"LOWER": "room"}, {"LOWER": "was"}]]
        [event] = s.scalars(select(Event).where(Event.action == "code.update")).all()
        assert (event.entity_id, event.actor) == ("therapy_environment", "amira")
    assert quality_rows(at)["Therapy environment"] == ["1", "1", "1", "1.00", "1.00", "1.00"]
    assert not [b for b in at.button if b.key.startswith("suggest_false_")]  # no false hit is left


@pytest.mark.parametrize(("typed", "reason"), [
    ('[[{"LOWER": "room"}], [{"LEMA": "hear"}]]',
     "code 'Therapy environment' field 'patterns': pattern #2: token 1, LEMA: not a token attribute "
     "spaCy knows"),
    ('[[{"LOWER": "room"}', "code 'Therapy environment' field 'patterns': not a JSON list of patterns "
                           "(Expecting ',' delimiter at character 20)"),
])
def test_an_invalid_pattern_is_refused_in_one_line_and_changes_nothing(study, typed: str,
                                                                       reason: str) -> None:
    project, _ = study
    at = app()
    at.segmented_control(key="suggest_section").set_value("Quality").run()
    at.button(key="suggest_false_therapy_environment").click().run()
    [editor] = [t for t in at.text_area if t.key.startswith("suggest_patterns_therapy_environment")]
    editor.input(typed)
    at.button[[b.label for b in at.button].index("Save patterns")].click().run()
    assert not at.exception
    assert [shown(e.value) for e in at.error] == [reason]
    [editor] = [t for t in at.text_area if t.key.startswith("suggest_patterns_therapy_environment")]
    assert editor.value == typed  # what was typed stays, to be corrected
    with project.session() as s:
        assert s.get(Code, "therapy_environment").patterns == [[{"LOWER": "room"}]]
        assert not s.scalars(select(Event).where(Event.action == "code.update")).all()


def test_a_passage_cut_to_its_window_says_so(study) -> None:
    from consult_coder.ui.pages.suggestions import passage_markdown

    project, ids = study
    start, end = sentence_span(project, ids["P11"], "The room was tiny and next to the kitchen.")
    with project.session() as s:
        cut = review.in_context(s, ids["P11"], start, end, [(start + 4, start + 8)], window=12)
        whole = review.in_context(s, ids["P11"], start, end, [(start + 4, start + 8)])
    assert passage_markdown(cut) == (r"… about it\. :violet-background[The **room** was tiny and next to the "
                                     r"kitchen\.] Each week …")
    assert passage_markdown(whole).startswith(r"I didn\'t want my mum") and "…" not in passage_markdown(whole)


def test_a_suggestion_made_by_its_neighbour_says_where_its_evidence_is(study) -> None:
    from consult_coder.ui.pages.suggestions import _evidence_words

    project, ids = study
    start, end = sentence_span(project, ids["P11"], "We made a plan for the mornings.")
    room = sentence_span(project, ids["P11"], "room")
    plan = sentence_span(project, ids["P11"], "plan")
    with project.session() as s:
        near = review.in_context(s, ids["P11"], start, end, [room])
        both = review.in_context(s, ids["P11"], start, end, [room, plan])
    assert _evidence_words(near) == "“room” in a sentence next to it"
    assert _evidence_words(both) == "“plan” and “room” in a sentence next to it"


def test_the_keyword_baseline_is_one_choice_away(study) -> None:
    at = app()
    at.segmented_control(key="suggest_section").set_value("Quality").run()
    at.radio(key="suggest_source").set_value("keywords").run()
    assert not at.exception
    assert quality_rows(at)["Goal setting"][:3] == ["2", "5", "2"]  # "goal", "goals"
    assert not [b for b in at.button if b.key.startswith("suggest_false_")]


def test_without_finished_transcripts_the_page_says_how_quality_is_measured(study) -> None:
    project, _ = study
    with project.session() as s:
        for row in s.scalars(select(Coding)):
            s.delete(row)
        for row in s.scalars(select(Progress)):
            s.delete(row)
    at = app()
    at.segmented_control(key="suggest_section").set_value("Quality").run()
    assert "Quality is measured on finished transcripts only" in at.info[0].value


HOSTILE = "Room <b>feel</b> *loud* :red[x]"  # a code name a page must show as it was typed


def unescaped_markup(at: AppTest) -> list[str]:
    """Every text on the page where the hostile name's markup is left to be read as markup."""
    texts = [e.value for kind in ("markdown", "caption", "success", "error", "subheader")
             for e in at.get(kind)] + [e.label for e in at.get("expander")] + [b.label for b in at.button]
    return [t for t in texts if any(markup in t for markup in ("<b>", "*loud*", ":red["))]


def test_a_codes_name_is_shown_as_text_wherever_it_appears(study) -> None:
    project, _ = study
    with project.session() as s:
        s.get(Code, "therapy_environment").name = HOSTILE
    at = app()
    at.selectbox(key="suggest_code").set_value("therapy_environment").run()
    assert f"Suggested: **{inert(HOSTILE)}** — because: “room”" in [m.value for m in at.markdown]
    assert f"Accept all open suggestions of {inert(HOSTILE)}" in [e.label for e in at.expander]
    at.button(key="suggest_accept").click().run()
    assert [shown(m.value) for m in at.success] == [
        f"Accepted: the sentence is coded {HOSTILE} (undo it on the Code page)."]
    assert not unescaped_markup(at)
    at.segmented_control(key="suggest_section").set_value("Quality").run()
    at.button(key="suggest_false_therapy_environment").click().run()
    assert [shown(h.value) for h in at.subheader] == [f"False hits of {HOSTILE}"]
    assert f":material/warning: {inert(HOSTILE)}" in [m.value for m in at.markdown]
    assert not unescaped_markup(at)
    at.segmented_control(key="suggest_section").set_value("Learn").run()
    at.selectbox(key="suggest_learn_code").set_value("therapy_environment").run()
    assert f"{HOSTILE} has 1 pattern(s) now." in [shown(c.value) for c in at.caption]
    assert not unescaped_markup(at)


# ---------------------------------------------------------------- learning from coding

def test_a_mined_candidate_becomes_a_pattern_in_one_click_and_is_suggested_next(study) -> None:
    project, _ = study
    at = app()
    at.segmented_control(key="suggest_section").set_value("Learn").run()
    at.selectbox(key="suggest_learn_code").set_value("goal_setting").run()
    assert "Goal setting has 1 pattern(s) now." in [c.value for c in at.caption]
    at.button(key="suggest_mine").click().run()
    assert not at.exception
    words = [m.value for m in at.markdown if m.value.startswith("**")]
    assert words[0] == "**plan**"
    at.button(key="suggest_add_plan").click().run()
    assert not at.exception
    with project.session() as s:
        assert s.get(Code, "goal_setting").patterns == [[{"LOWER": "goal"}], [{"LEMMA": "plan"}]]
        [event] = s.scalars(select(Event).where(Event.action == "code.update")).all()
        assert (event.entity_id, event.actor) == ("goal_setting", "amira")
        assert event.payload["after"]["patterns"][-1] == [{"LEMMA": "plan"}]
    added = "“plan” is now a pattern of Goal setting; its suggestions are matched again."
    assert added in said(at, "success")
    assert ":material/check: added" in [c.value for c in at.caption]
    at.segmented_control(key="suggest_section").set_value("Review").run()  # refreshed on the way
    at.selectbox(key="suggest_code").set_value("goal_setting").run()
    assert "Goal setting — 4 open" in at.selectbox(key="suggest_code").options
    with project.session() as s:
        assert [v.sentence for v in review.pending_for(s, Viewer("amira"), code_id="goal_setting")] == [
            "We made a plan for the mornings.", "Each week we set one small goal.",
            "Having a plan for exams helped.", "The plan was written in my words."]


def test_the_classifier_is_trained_on_a_button_and_shows_its_cross_validated_figures(study) -> None:
    at = app()
    at.segmented_control(key="suggest_section").set_value("Learn").run()
    assert "Not trained on these codings yet." in [c.value for c in at.caption]
    at.button(key="suggest_train").click().run()
    assert not at.exception
    assert "Trained on the consensus; its cross-validated figures are below." in said(at, "success")
    units = [c.value for c in at.caption if c.value.startswith("Against the consensus")]
    assert units and "2 finished transcript(s), 12 sentences" in units[0]
    assert any(m.value == "Goal setting" for m in at.markdown)  # the one code coded on 5+ sentences


def test_a_refused_training_is_one_line(study) -> None:
    project, _ = study
    with project.session() as s:
        for row in s.scalars(select(Coding).where(Coding.code_id == "goal_setting")):
            s.delete(row)
    at = app()
    at.segmented_control(key="suggest_section").set_value("Learn").run()
    at.button(key="suggest_train").click().run()
    assert not at.exception
    assert shown(at.error[0].value) == "Coder 'consensus' has no code on 5+ sentences yet: nothing to learn"


# ---------------------------------------------------------------- settings

def test_settings_are_saved_audited_and_refresh_the_suggestions(study) -> None:
    project, _ = study
    at = app()
    with project.session() as s:
        before = [v.sentence for v in review.pending_for(s, Viewer("amira"), code_id="empathy")]
    assert before == ["She really heard me.", "She heard me out though."]  # context 0: each on its own words
    at.segmented_control(key="suggest_section").set_value("Settings").run()
    assert at.number_input[0].value == 0
    at.number_input[0].set_value(1)
    assert at.toggle(key="suggest_weigh").value is True  # on unless turned off
    at.toggle(key="suggest_weigh").set_value(False)  # the passage rules alone, which this test is about
    at.toggle(key="suggest_all_speakers").set_value(True)
    at.button[0].click().run()  # the form's Save
    assert not at.exception
    with project.session() as s:
        assert get_setting(s, store.CONTEXT_SETTING) == "1"
        assert get_setting(s, store.WEIGH_SETTING) == "0"
        assert get_setting(s, store.ALL_SPEAKERS_SETTING) == "1"
        changed = s.scalars(select(Event).where(Event.action == "setting.update")).all()
        assert [e.entity_id for e in changed] == ["suggest_context", "suggest_weigh", "suggest_all_speakers"]
        views = review.pending_for(s, Viewer("amira"), code_id="empathy")
    # Context 1 reads passages: a code needs two pieces of evidence in an answer, or a question about it,
    # and each answer here has one word for empathy, so the refreshed suggestions hold none.
    assert views == []


def test_a_context_out_of_range_is_refused_in_one_line(sqlite_project) -> None:
    with pytest.raises(UserError, match="from 0 to 5"):
        in_session(sqlite_project, store.set_context, 9, "amira")


# ---------------------------------------------------------------- the Code page's suggestions

def reader_data(at: AppTest) -> dict[str, Any]:
    [reader] = at.get("bidi_component")
    return json.loads(reader.proto.json)


def test_the_reader_gets_the_open_suggestions_with_their_evidence(study) -> None:
    project, ids = study
    at = app(first="coding")
    data = reader_data(at)
    assert data["transcript_id"] == ids["P11"] and data["show_suggestions"]
    text = data["text"]
    shown = [(s["code_id"], text[s["start"]:s["end"]], [text[a:b] for a, b in s["evidence"]], s["sources"])
             for s in data["suggestions"]]
    assert shown == [
        ("empathy", "She really heard me.", ["heard me"], ["pattern"]),
        ("confidentiality", "It won't go further than this room, she said.", ["further than this room"],
         ["pattern"]),
        ("therapy_environment", "It won't go further than this room, she said.", ["room"], ["pattern"]),
        ("confidentiality", "I didn't want my mum hearing about it.", ["want my mum hearing"], ["pattern"]),
        ("therapy_environment", "The room was tiny and next to the kitchen.", ["room"], ["pattern"]),
        ("goal_setting", "Each week we set one small goal.", ["goal"], ["pattern"]),
    ]
    at.toggle(key="coding_show_suggestions").set_value(False).run()
    assert reader_data(at)["suggestions"] == [] and not reader_data(at)["show_suggestions"]


def test_suggestions_follow_the_show_only_one_code_filter(study) -> None:
    at = app(first="coding")
    at.selectbox(key="coding_only").set_value("empathy").run()
    assert [s["code_id"] for s in reader_data(at)["suggestions"]] == ["empathy"]


def test_accepting_and_rejecting_on_the_passage(study) -> None:
    project, ids = study
    at = app(first="coding")
    suggestions = {(s["code_id"], s["start"]): s["id"] for s in reader_data(at)["suggestions"]}
    empathy = suggestions[("empathy", sentence_span(project, ids["P11"], "She really heard me.")[0])]
    room = "It won't go further than this room, she said."
    env = suggestions[("therapy_environment", sentence_span(project, ids["P11"], room)[0])]
    at.session_state["coding_action"] = {"type": "accept_suggestion", "id": empathy, "transcript": ids["P11"]}
    at.run()
    assert reader_data(at)["notice"] == "Applied Empathy to the sentence"
    at.session_state["coding_action"] = {"type": "reject_suggestion", "id": env, "transcript": ids["P11"]}
    at.run()
    data = reader_data(at)
    assert data["notice"] == "Therapy environment will not be suggested to you there again"
    assert mine(project) == [("empathy", "suggested", "She really heard me.")]
    assert [(c["code_id"], c["own"]) for c in data["codings"]] == [("empathy", True)]
    left = {(s["code_id"], s["start"]) for s in data["suggestions"]}
    assert ("empathy", sentence_span(project, ids["P11"], "She really heard me.")[0]) not in left
    assert ("therapy_environment", sentence_span(project, ids["P11"], "It won't go further than this room, "
                                                                      "she said.")[0]) not in left
    assert len(left) == 4
    at.session_state["coding_action"] = {"type": "undo", "transcript": ids["P11"]}
    at.run()  # an accepted suggestion is undone like any coding, and is suggested again
    assert mine(project) == [] and len(reader_data(at)["suggestions"]) == 5


def test_a_suggestion_from_another_transcript_is_refused_on_this_one(study) -> None:
    project, ids = study
    with project.session() as s:
        store.refresh(s)
        other = review.pending_for(s, Viewer("amira"), transcript_id=ids["P12"])[0]
    at = app(first="coding")
    at.session_state["coding_action"] = {"type": "accept_suggestion", "id": other.id}
    at.run()
    assert at.error[0].value.startswith("That suggestion is no longer open on this transcript")
    assert mine(project) == []


# ---------------------------------------------------------------- blind coding

def test_a_blind_coder_measures_only_against_their_own_codings(study) -> None:
    project, ids = study
    blind = Viewer("amira", role="coder", blind=True)
    with project.session() as s:
        assert review.references(s, blind) == []  # consensus is another coder's layer
        for reads in (lambda: review.quality_for(s, blind, "consensus"),
                      lambda: review.false_hits_for(s, blind, "consensus", "empathy"),
                      lambda: review.candidates_for(s, blind, "consensus", "empathy"),
                      lambda: review.train_for(s, blind, "consensus")):
            with pytest.raises(UserError, match="You are coding blind"):
                reads()
        assert review.references(s, Viewer("amira", role="coder", blind=False)) == ["consensus"]
        assert review.references(s, Viewer("amira", role="lead", blind=False)) == ["consensus"]
        assert review.references(s, Viewer("amira", role="lead", blind=True)) == []
    start, end = sentence_span(project, ids["P11"], "She really heard me.")
    from consult_coder import coding

    in_session(project, coding.add_coding, ids["P11"], start, end, ["empathy"], "amira")
    in_session(project, coding.set_progress, ids["P11"], "amira", "done")
    with project.session() as s:
        assert review.references(s, blind) == ["amira"]
        table = review.quality_for(s, blind, "amira")
        assert review.people_for_scale(s, blind, "amira") == []  # the consensus is not hers to see
        with pytest.raises(UserError, match="You are coding blind"):
            review.people_for_scale(s, blind, "consensus")
    assert (table.reference, table.transcripts) == ("amira", 1)


def test_a_second_coder_is_shown_for_scale_next_to_the_quality_table(study) -> None:
    # amira codes one sentence of P11 and finishes it: her codings, read as suggestions, against the
    # consensus on that one transcript, by the measure the table uses.
    project, ids = study
    from consult_coder import coding

    start, end = sentence_span(project, ids["P11"], "She really heard me.")
    in_session(project, coding.add_coding, ids["P11"], start, end, ["empathy"], "amira")
    in_session(project, coding.set_progress, ids["P11"], "amira", "done")
    at = app(coder="ben")
    at.segmented_control(key="suggest_section").set_value("Quality").run()
    assert not at.exception
    [scale] = [c for c in said(at, "caption") if "For scale" in c]
    with project.session() as s:
        [(name, table)] = review.people_for_scale(s, Viewer("ben", role="lead", blind=False), "consensus")
    m = table.micro
    assert (name, table.transcripts, m.precision) == ("amira", 1, 1.0) and m.recall < 1
    assert scale == (":material/group: For scale, the same measure applied to a person: amira's codings "
                     "against the consensus on the 1 transcript(s) both finished reach micro precision "
                     f"1.00, recall {m.recall:.2f}, F1 {m.f1:.2f}.")


def test_what_a_reviewer_is_offered_never_depends_on_another_coders_codings(study) -> None:
    project, ids = study
    with project.session() as s:
        store.refresh(s)
        before = [(v.code_id, v.sentence) for v in review.pending_for(s, Viewer("amira"))]
        queues = [(q.code_id, q.open, q.decided) for q in review.review_queues(s, Viewer("amira"))]
    assert queues == [("empathy", 2, 0), ("confidentiality", 2, 0), ("goal_setting", 1, 0),
                      ("therapy_environment", 3, 0)]  # the consensus coded most of them: not counted
    start, end = sentence_span(project, ids["P12"], "I liked the quiet room.")
    from consult_coder import coding

    in_session(project, coding.add_coding, ids["P12"], start, end, ["therapy_environment"], "ben")
    with project.session() as s:
        assert [(v.code_id, v.sentence) for v in review.pending_for(s, Viewer("amira"))] == before
        assert review.pending_for(s, Viewer(None)) == []
