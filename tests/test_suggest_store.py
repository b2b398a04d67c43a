"""Stored suggestions: made per sentence from the codebook's patterns, reviewed by each coder on their own.

Synthetic words written for these tests.
"""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select, update

from consult_coder import coding
from consult_coder.errors import UserError
from consult_coder.model import Code, Coding, Event, Participant, Suggestion, SuggestionScan, Transcript
from consult_coder.storage import Project, set_setting
from consult_coder.suggestions import store
from consult_coder.text import content_hash
from tests.factories import EVERYONE, in_session, stored_turns

TURNS = [
    ("Interviewer", "interviewer", "Did you feel heard? Tell me about the room."),
    ("P07", "participant", "She really heard me. It won't go further than this room, she said. "
                           "The room was tiny and next to the kitchen"),
    ("Interviewer", "interviewer", "And your mum?"),
    ("P07", "participant", "I didn't want my mum hearing about it. She heard me out though."),
]
# With context a code needs two pieces of evidence in an answer (rules.MIN_EVIDENCE): the same talk,
# each point made twice over.
TURNS_IN_CONTEXT = [
    TURNS[0],
    ("P07", "participant", "She really heard me, she heard me every time. It won't go further than this "
                           "room, she said, not further than this room. The room was tiny, honestly the "
                           "room was tiny, next to the kitchen"),
    *TURNS[2:],
]
CONFIDENTIAL = "It won't go further than this room, she said, not further than this room."
PATTERNS = {
    "empathy": [[{"LEMMA": "hear"}, {"LOWER": "me"}]],
    "confidentiality": ["further than this room", [{"LOWER": "want"}, {"LOWER": "my"}, {"OP": "?"},
                                                   {"LEMMA": "hear"}]],
    "therapy_environment": [[{"LOWER": "room"}, {"LEMMA": "be"}, {"LOWER": "tiny"}]],
    "stigma": [],
}


def build(project: Project, title: str = "P07 consultation", turns=None, context: int = 0) -> int:
    text, rows = stored_turns(turns or (TURNS_IN_CONTEXT if context else TURNS))
    with project.session() as s:
        set_setting(s, store.CONTEXT_SETTING, str(context))  # the matching sentence only, unless asked
        set_setting(s, store.WEIGH_SETTING, "0")  # the rules alone: the weigher has tests of its own
        if s.get(Participant, "P07") is None:
            s.add(Participant(id="P07", group="youth"))
        for order, (cid, pats) in enumerate(PATTERNS.items()):
            if s.get(Code, cid) is None:
                s.add(Code(id=cid, name=cid.replace("_", " ").title(), sort_order=order, patterns=pats))
        tr = Transcript(participant_id="P07", title=title, text=text, content_hash=content_hash(title + text),
                        source_name=f"{title}.txt", source_format="txt", turns=rows)
        s.add(tr)
        s.flush()
        return tr.id


def shown(project: Project, coder: str, **kw) -> list[tuple[str, str, list[str]]]:
    """(code, sentence, evidence words) for what ``coder`` is offered."""
    with project.session() as s:
        views = store.pending(s, coder, **kw, viewer=EVERYONE)
        text = {v.transcript_id: s.get(Transcript, v.transcript_id).text for v in views}
        return [(v.code_id, v.sentence, [text[v.transcript_id][a:b] for a, b in v.evidence]) for v in views]


def test_one_suggestion_per_sentence_and_code_in_participant_speech_with_its_evidence(project):
    build(project)
    with project.session() as s:
        report = store.refresh(s)
    assert report.transcripts_matched == 1
    assert shown(project, "amira") == [
        ("empathy", "She really heard me.", ["heard me"]),
        ("confidentiality", "It won't go further than this room, she said.", ["further than this room"]),
        ("therapy_environment", "The room was tiny and next to the kitchen", ["room was tiny"]),
        ("confidentiality", "I didn't want my mum hearing about it.", ["want my mum hearing"]),
        ("empathy", "She heard me out though.", ["heard me"]),
    ]  # "Did you feel heard?" is the interviewer's: not suggested


def test_a_match_also_suggests_its_code_for_the_next_sentence_in_the_same_turn(project):
    build(project, context=1)
    with project.session() as s:
        store.refresh(s)
    offered = shown(project, "amira")
    environment = [(sentence, words) for code, sentence, words in offered if code == "therapy_environment"]
    empathy = [(sentence, words) for code, sentence, words in offered if code == "empathy"]
    confidentiality = [sentence for code, sentence, _ in offered if code == "confidentiality"]
    assert environment == [("The room was tiny, honestly the room was tiny, next to the kitchen",
                            ["room was tiny", "room was tiny"])]  # last in its turn
    assert empathy == [("She really heard me, she heard me every time.", ["heard me", "heard me"])]
    assert confidentiality == [CONFIDENTIAL]
    # The sentence after empathy's has words of its own for confidentiality (a new point), and the one after
    # confidentiality's for the environment: neither code carries over. In the last answer each code has
    # one piece of evidence only: nothing is suggested there.


def test_interviewer_speech_is_read_when_the_setting_says_so(sqlite_project):
    build(sqlite_project)
    with sqlite_project.session() as s:
        s.get(Code, "empathy").patterns = [[{"LOWER": "feel"}, {"LEMMA": "hear"}]]
        store.refresh(s)
    assert [c for c, _, _ in shown(sqlite_project, "amira")].count("empathy") == 0
    with sqlite_project.session() as s:
        set_setting(s, store.ALL_SPEAKERS_SETTING, "1")
        store.refresh(s)
    assert ("empathy", "Did you feel heard?", ["feel heard"]) in shown(sqlite_project, "amira")


def test_accept_codes_the_sentence_as_the_reviewer_and_undo_takes_it_back(project):
    tid = build(project)
    with project.session() as s:
        store.refresh(s)
        first = store.pending(s, "amira", viewer=EVERYONE)[0]
        coding_id = store.accept(s, first.id, "amira")
    with project.session() as s:
        row = s.get(Coding, coding_id)
        assert (row.coder.name, row.code_id, row.origin) == ("amira", "empathy", "suggested")
        assert s.get(Transcript, tid).text[row.start:row.end] == "She really heard me."
    assert ("empathy", "She really heard me.", ["heard me"]) not in shown(project, "amira")
    assert ("empathy", "She really heard me.", ["heard me"]) in shown(project, "ben")  # not ben's coding
    assert in_session(project, coding.undo, "amira", tid).startswith("Undid applying Empathy")
    assert ("empathy", "She really heard me.", ["heard me"]) in shown(project, "amira")


def test_a_rejection_is_remembered_per_coder_even_when_suggestions_are_rebuilt(project):
    build(project)
    with project.session() as s:
        store.refresh(s)
        env = store.pending(s, "amira", code_id="therapy_environment", viewer=EVERYONE)[0]
        store.reject(s, env.id, "amira")
        assert s.scalars(select(Event.action).order_by(Event.id.desc())).first() == "suggestion.reject"
    with project.session() as s:  # the code's patterns change: its suggestions are made again
        s.get(Code, "therapy_environment").patterns = [[{"LOWER": "tiny"}]]
        report = store.refresh(s)
    assert report.codes_refreshed == ["therapy_environment"]
    assert [c for c, _, _ in shown(project, "amira")].count("therapy_environment") == 0
    tiny = ("therapy_environment", "The room was tiny and next to the kitchen", ["tiny"])
    assert tiny in shown(project, "ben")


def refreshed_in_context(project: Project) -> None:
    """The passages of TURNS_IN_CONTEXT, with context 1, matched."""
    build(project, context=1)
    with project.session() as s:
        store.refresh(s)


def offered(project: Project) -> list[tuple[str, str]]:
    """(code, sentence) of what amira is offered."""
    return [(code, sentence) for code, sentence, _ in shown(project, "amira")]


def test_refreshing_one_edited_code_gives_what_a_full_match_gives(project):
    # With context, a match's code reaches the next sentence unless that one makes a point of its own
    # for another code: re-matching the edited code alone must still see the other codes' matches.
    refreshed_in_context(project)
    assert ("empathy", CONFIDENTIAL) not in offered(project)
    with project.session() as s:
        s.get(Code, "empathy").patterns = [[{"LEMMA": "hear"}, {"LOWER": "me"}], "heard me out"]
        assert store.refresh(s).codes_refreshed == ["empathy"]
    assert ("empathy", CONFIDENTIAL) not in offered(project)
    assert ("confidentiality", CONFIDENTIAL) in offered(project)


def stored(project: Project) -> list[tuple[int, str, int, int, list]]:
    with project.session() as s:
        return sorted((r.transcript_id, r.code_id, r.start, r.end, r.evidence)
                      for r in s.scalars(select(Suggestion).where(Suggestion.source == "pattern")))


def matched_from_scratch(project: Project) -> list[tuple[int, str, int, int, list]]:
    with project.session() as s:
        s.execute(delete(SuggestionScan))
        s.execute(delete(Suggestion))
        store.refresh(s)
    return stored(project)


def test_editing_one_code_moves_another_codes_suggestions_as_a_full_match_would(project):
    # Empathy reaches the sentence after its match only when that sentence makes no point of its own for
    # another code: when confidentiality stops matching there, empathy's reach must grow, although only
    # confidentiality was edited and matched again.
    refreshed_in_context(project)
    assert ("empathy", CONFIDENTIAL) not in offered(project)
    with project.session() as s:
        s.get(Code, "confidentiality").patterns = [[{"LOWER": "want"}, {"LOWER": "my"}, {"OP": "?"},
                                                    {"LEMMA": "hear"}]]
        report = store.refresh(s)
    assert report.codes_refreshed == ["confidentiality"]
    assert ("empathy", CONFIDENTIAL, ["heard me", "heard me"]) in shown(project, "amira")
    assert stored(project) == matched_from_scratch(project)


def test_archiving_a_code_runs_the_other_codes_rules_again(project):
    refreshed_in_context(project)
    with project.session() as s:
        s.get(Code, "confidentiality").archived = True
        assert store.refresh(s).codes_refreshed == []
    assert ("empathy", CONFIDENTIAL, ["heard me", "heard me"]) in shown(project, "amira")
    assert stored(project) == matched_from_scratch(project)


def test_scans_from_before_matches_were_kept_are_matched_again(project):
    # A project upgraded from a version whose scan rows kept no matches (migration 0007 adds the column
    # empty): the next refresh matches every transcript again, and the result equals a full match.
    refreshed_in_context(project)
    want = stored(project)
    with project.session() as s:
        s.execute(update(SuggestionScan).values(matches=None))
        report = store.refresh(s)
    assert (report.transcripts_matched, report.added, report.removed) == (1, 0, 0)
    assert stored(project) == want


def test_an_unchanged_suggestion_keeps_its_id_through_a_refresh(project):
    refreshed_in_context(project)
    with project.session() as s:
        before = {(r.code_id, r.start): r.id for r in s.scalars(select(Suggestion))}
        s.get(Code, "stigma").patterns = ["kitchen", "honestly"]
        report = store.refresh(s)
        after = {(r.code_id, r.start): r.id for r in s.scalars(select(Suggestion))}
    assert (report.added, report.removed) == (1, 0)
    assert {k: v for k, v in after.items() if k[0] != "stigma"} == before


def test_blind_coding_another_coders_codings_never_change_what_i_am_offered(project):
    tid = build(project)
    with project.session() as s:
        store.refresh(s)
    before = shown(project, "amira")
    text = "She really heard me."
    with project.session() as s:
        start = s.get(Transcript, tid).text.index(text)
    in_session(project, coding.add_coding, tid, start, start + len(text), ["empathy"], "ben")
    assert shown(project, "amira") == before
    assert ("empathy", text, ["heard me"]) not in shown(project, "ben")  # ben has coded it himself


def test_bulk_accept_codes_exactly_the_preview(project):
    tid = build(project)
    with project.session() as s:
        store.refresh(s)
        preview = store.bulk_preview(s, "empathy", "amira", viewer=EVERYONE)
        assert [v.sentence for v in preview] == ["She really heard me.", "She heard me out though."]
        store.reject(s, preview[1].id, "amira")  # changed between preview and accept: skipped
        ids = store.bulk_accept(s, "empathy", "amira", [v.id for v in preview])
    with project.session() as s:
        rows = s.scalars(select(Coding).where(Coding.transcript_id == tid)).all()
        assert [(r.code_id, r.origin) for r in rows] == [("empathy", "suggested")]
        assert ids == [rows[0].id]


def test_refresh_is_incremental_new_transcripts_and_edited_codes_only(project):
    build(project)
    ticks = []
    with project.session() as s:
        store.refresh(s)
        assert store.refresh(s).summary() == "Suggestions are up to date."
    build(project, "P07 second consultation")
    with project.session() as s:
        report = store.refresh(s, progress=lambda done, total, name: ticks.append((done, total, name)))
    assert report.transcripts_matched == 1 and ticks == [(1, 1, "P07 second consultation")]
    with project.session() as s:
        s.get(Code, "stigma").patterns = ["kitchen"]
        report = store.refresh(s)
        assert (report.transcripts_matched, report.codes_refreshed) == (2, ["stigma"])
        assert s.scalars(select(Suggestion.id).where(Suggestion.code_id == "empathy")).all() != []
        s.get(Code, "stigma").archived = True
        store.refresh(s)
        assert s.scalars(select(Suggestion.id).where(Suggestion.code_id == "stigma")).all() == []


def test_a_trained_pipeline_is_checked_when_chosen_and_every_code_is_matched_again(sqlite_project, tmp_path):
    import spacy

    build(sqlite_project)
    nlp = spacy.blank("en")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    nlp.to_disk(tmp_path / "pipeline")
    with sqlite_project.session() as s:
        store.refresh(s)
        with pytest.raises(UserError, match="'en_core_web_xx' is not installed here"):
            store.choose_pipeline(s, "en_core_web_xx", "amira")
        store.choose_pipeline(s, str(tmp_path / "pipeline"), "amira")
        report = store.refresh(s)
    assert report.transcripts_matched == 1 and len(report.codes_refreshed) == 4
    assert ("empathy", "She really heard me.", ["heard me"]) in shown(sqlite_project, "amira")
