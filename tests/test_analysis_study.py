"""A small synthetic study the analysis tests share, and what a layer holds.

Five young people (P01–P05) and three clinicians (P21–P23) with one transcript each, laid out the way
the importers store text (``Speaker: spoken text``, turns separated by a blank line, turn offsets over
the spoken text only). P06 has no transcript; one transcript has no participant. Codes: trust_bond,
confidentiality, goal_setting, empathy (never coded), old_theme (archived, never coded).

Participant words (counted by hand): P01 19, P02 12, P03 11, P04 8, P05 10 (youth 60);
P21 14, P22 13, P23 13 (clinicians 40).

Coder alice: trust — P01 "I trusted her from the start." (6 words), P02 whole first answer (11),
P03 first answer (5), P05 *interviewer* question (excluded), P23 from the interviewer's question into
the answer "Trust takes time to grow." (mixed; 5 words counted). Confidentiality — P01 "She kept what
I said private." (6), P02 "I felt safe and trusted him." (6, overlaps her trust segment), P21 both
answers (7 + 7), P22 first answer (7), P23 "privacy comes first" (3, same sentence as her goal
segment, no overlap). Goals — P01 second answer (7) and P01 *interviewer* question (excluded), P04
first answer (7), P23 "We set goals together" (4).

Coder bob: the identical trust segment on P01 (one segment in the union), confidentiality on
"what I said private" inside alice's P01 segment, trust on P05's first answer (6), goals on P22's
second answer (6), confidentiality on P21's *interviewer* question (excluded).

Coder consensus: trust on P01 "I trusted her from the start.", confidentiality on P21's first answer.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from itertools import count
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from consult_coder.analysis import layer_codings, layer_options, load_study
from consult_coder.errors import UserError
from consult_coder.model import Code, Coder, Coding, Participant, Transcript
from consult_coder.storage import Project, open_project
from consult_coder.text import content_hash, word_count
from tests.factories import stored_turns

YOUTH = {
    "P01": ("14-17", "A", [
        ("Interviewer", "How did the first session feel?"),
        ("P01", "I trusted her from the start. She kept what I said private."),
        ("Interviewer", "What did you want to work on?"),
        ("P01", "Sleeping better and going back to school."),
    ]),
    "P02": ("14-17", "B", [
        ("Interviewer", "Tell me about your counsellor."),
        ("P02", "He listened without judging me. I felt safe and trusted him."),
        ("Interviewer", "Anything else?"),
        ("P02", "No."),
    ]),
    "P03": ("14-17", "A", [
        ("Interviewer", "How was it?"),
        ("P03", "I could tell her anything."),
        ("Interviewer", "And the room?"),
        ("P03", "The room was quiet and warm."),
    ]),
    "P04": ("18-24", "B", [
        ("Interviewer", "What mattered most?"),
        ("P04", "Having a plan for my exams helped."),
        ("Interviewer", "Thank you."),
        ("P04", "Thanks."),
    ]),
    "P05": ("18-24", "A", [
        ("Interviewer", "Did you feel you could trust your counsellor?"),
        ("P05", "Yes, mostly, after a few weeks."),
        ("Interviewer", "Why?"),
        ("P05", "She remembered small things."),
    ]),
}
CLINICIANS = {
    "P21": ("lay health counsellor", "A", [
        ("Interviewer", "How do you build trust?"),
        ("P21", "I explain confidentiality in the first session."),
        ("Interviewer", "Anything more?"),
        ("P21", "I repeat it when family members ask."),
    ]),
    "P22": ("lay health counsellor", "B", [
        ("Interviewer", "What do young people worry about?"),
        ("P22", "They worry that parents will find out."),
        ("Interviewer", "And goals?"),
        ("P22", "We agree on small weekly goals."),
    ]),
    "P23": ("psychiatrist", None, [
        ("Interviewer", "What is your first step?"),
        ("P23", "We set goals together and privacy comes first."),
        ("Interviewer", "Does trust matter?"),
        ("P23", "Trust takes time to grow."),
    ]),
}
CODES = [("trust_bond", "Trust and bond"), ("confidentiality", "Confidentiality"),
         ("goal_setting", "Goal setting"), ("empathy", "Empathy")]

# (coder, participant, code, first words of the coded text, last words of it)
CODINGS = [
    ("alice", "P01", "trust_bond", "I trusted her from the start.", None),
    ("alice", "P01", "confidentiality", "She kept what I said private.", None),
    ("alice", "P01", "goal_setting", "Sleeping better and going back to school.", None),
    ("alice", "P01", "goal_setting", "What did you want to work on?", None),
    ("alice", "P02", "trust_bond", "He listened without judging me.", "I felt safe and trusted him."),
    ("alice", "P02", "confidentiality", "I felt safe and trusted him.", None),
    ("alice", "P03", "trust_bond", "I could tell her anything.", None),
    ("alice", "P04", "goal_setting", "Having a plan for my exams helped.", None),
    ("alice", "P05", "trust_bond", "Did you feel you could trust your counsellor?", None),
    ("alice", "P21", "confidentiality", "I explain confidentiality in the first session.", None),
    ("alice", "P21", "confidentiality", "I repeat it when family members ask.", None),
    ("alice", "P22", "confidentiality", "They worry that parents will find out.", None),
    ("alice", "P23", "goal_setting", "We set goals together", None),
    ("alice", "P23", "confidentiality", "privacy comes first", None),
    ("alice", "P23", "trust_bond", "Does trust matter?", "Trust takes time to grow."),
    ("bob", "P01", "trust_bond", "I trusted her from the start.", None),
    ("bob", "P01", "confidentiality", "what I said private", None),
    ("bob", "P05", "trust_bond", "Yes, mostly, after a few weeks.", None),
    ("bob", "P22", "goal_setting", "We agree on small weekly goals.", None),
    ("bob", "P21", "confidentiality", "How do you build trust?", None),
    ("consensus", "P01", "trust_bond", "I trusted her from the start.", None),
    ("consensus", "P21", "confidentiality", "I explain confidentiality in the first session.", None),
]
BASE_TIME = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def _add_transcript(s: Session, pid: str | None, turns: list[tuple[str, str]]) -> Transcript:
    text, rows = stored_turns([(speaker, "interviewer" if speaker == "Interviewer" else "participant", said)
                               for speaker, said in turns])
    tr = Transcript(participant_id=pid, title=f"Interview {pid}", text=text, content_hash=content_hash(text),
                    source_name=f"{pid}.txt", source_format="txt", turns=rows)
    s.add(tr)
    s.flush()
    return tr


def build_study(project: Project) -> dict[tuple[str, str, str, str], int]:
    """Create the study; returns coding ids keyed by (coder, participant, code, first words)."""
    ids: dict[tuple[str, str, str, str], int] = {}
    minutes = count()
    with project.session() as s:
        for i, (code_id, name) in enumerate(CODES):
            s.add(Code(id=code_id, name=name, sort_order=i))
        s.add(Code(id="old_theme", name="Old theme", sort_order=9, archived=True))
        coders = {n: Coder(name=n) for n in ("alice", "bob", "consensus")}
        s.add_all(coders.values())
        transcripts = {}
        for pid, (age_band, site, turns) in YOUTH.items():
            s.add(Participant(id=pid, group="youth", role="young person", age_band=age_band,
                              attributes={"site": site}))
            s.flush()
            transcripts[pid] = _add_transcript(s, pid, turns)
        for pid, (role, site, turns) in CLINICIANS.items():
            s.add(Participant(id=pid, group="clinician", role=role, age_band="",
                              attributes={"site": site} if site else {}))
            s.flush()
            transcripts[pid] = _add_transcript(s, pid, turns)
        s.add(Participant(id="P06", group="youth", role="young person", age_band="14-17"))
        orphan = _add_transcript(s, None, [("Interviewer", "Hello?"), ("Someone", "I trust nobody here.")])
        s.flush()
        s.add(Coding(transcript_id=orphan.id, start=orphan.text.index("I trust"), end=len(orphan.text),
                     code_id="trust_bond", coder_id=coders["alice"].id))
        for coder, pid, code_id, first, last in CODINGS:
            tr = transcripts[pid]
            start = tr.text.index(first)
            end = tr.text.index(last) + len(last) if last else start + len(first)
            when = BASE_TIME + timedelta(minutes=next(minutes))
            row = Coding(transcript_id=tr.id, start=start, end=end, code_id=code_id,
                         coder_id=coders[coder].id, created_at=when, updated_at=when)
            s.add(row)
            s.flush()
            ids[(coder, pid, code_id, first)] = row.id
    return ids


@pytest.fixture
def study(tmp_path: Path) -> Iterator[Project]:
    proj = open_project(str(tmp_path / "study.sqlite"))
    build_study(proj)
    yield proj
    proj.close()


def test_the_hand_counts_in_the_docstring_match_the_texts():
    words = {pid: sum(word_count(t) for sp, t in turns if sp != "Interviewer")
             for pid, (_, _, turns) in {**YOUTH, **CLINICIANS}.items()}
    assert words == {"P01": 19, "P02": 12, "P03": 11, "P04": 8, "P05": 10, "P21": 14, "P22": 13, "P23": 13}


def test_layer_picker_offers_each_coder_then_consensus_and_union(study):
    with study.session() as s:
        assert layer_options(s) == ["alice", "bob", "consensus", "union"]


def test_interviewer_speech_is_left_out_unless_asked_for(study):
    with study.session() as s:
        default = layer_codings(s, "alice")
        everything = layer_codings(s, "alice", include_interviewer=True)
    quotes = set(default["quote"])
    assert "What did you want to work on?" not in quotes
    assert "Did you feel you could trust your counsellor?" not in quotes
    assert len(default) == 13 and len(everything) == 15
    assert set(everything["quote"]) - quotes == {"What did you want to work on?",
                                                  "Did you feel you could trust your counsellor?",
                                                  "Does trust matter? … Trust takes time to grow."}
    kinds = dict(zip(everything["quote"], everything["speaker_kind"], strict=True))
    assert kinds["What did you want to work on?"] == "interviewer"
    assert kinds["Does trust matter? … Trust takes time to grow."] == "mixed"
    assert kinds["I trusted her from the start."] == "participant"


def test_a_coding_reaching_into_interviewer_speech_counts_only_its_participant_part(study):
    with study.session() as s:
        rows = layer_codings(s, "alice")
    mixed = rows[(rows["participant_id"] == "P23") & (rows["code_id"] == "trust_bond")].iloc[0]
    assert mixed["speaker_kind"] == "mixed"
    assert mixed["quote"] == "Trust takes time to grow."
    assert mixed["words"] == 5


def test_rows_carry_the_participant_attributes(study):
    with study.session() as s:
        rows = layer_codings(s, "alice").set_index("quote")
    p04 = rows.loc["Having a plan for my exams helped."]
    assert (p04["participant_id"], p04["group"], p04["role"], p04["age_band"], p04["site"]) == (
        "P04", "youth", "young person", "18-24", "B")
    p23 = rows.loc["privacy comes first"]
    assert (p23["group"], p23["role"], p23["age_band"], p23["site"]) == (
        "clinician", "psychiatrist", "(not recorded)", "(not recorded)")
    assert list(rows.columns[:9]) == ["coding_id", "coder", "coders", "code_id", "code", "transcript_id",
                                      "participant_id", "group", "role"]


def test_union_counts_an_identical_segment_once_and_names_both_coders(study):
    with study.session() as s:
        union = layer_codings(s, "union")
    p01_trust = union[(union["participant_id"] == "P01") & (union["code_id"] == "trust_bond")]
    assert len(p01_trust) == 1
    assert p01_trust.iloc[0]["coders"] == "alice, bob"
    # 13 of alice's + 3 of bob's (his P01 trust is the same segment; his interviewer coding is excluded)
    assert len(union) == 16
    assert "consensus" not in set(union["coder"])


def test_consensus_layer_is_the_consensus_coders_codings(study):
    with study.session() as s:
        rows = layer_codings(s, "consensus")
    assert sorted(zip(rows["participant_id"], rows["code_id"], strict=True)) == [
        ("P01", "trust_bond"), ("P21", "confidentiality")]


def test_the_study_counts_only_participants_with_transcripts_and_live_codes(study):
    with study.session() as s:
        st = load_study(s, "alice")
    assert list(st.participants["participant_id"]) == ["P01", "P02", "P03", "P04", "P05", "P21", "P22", "P23"]
    assert list(st.participants["words"]) == [19, 12, 11, 8, 10, 14, 13, 13]
    assert list(st.codes["code_id"]) == ["trust_bond", "confidentiality", "goal_setting", "empathy"]
    assert "I trust nobody here." not in set(st.codings["quote"])


def test_an_unknown_layer_is_a_one_line_error(study, tmp_path):
    with study.session() as s, pytest.raises(UserError, match="No coder named 'carol'"):
        load_study(s, "carol")
    empty = open_project(str(tmp_path / "empty.sqlite"))
    with empty.session() as s, pytest.raises(UserError, match="No consensus codings yet"):
        load_study(s, "consensus")
    empty.close()
