"""A small synthetic study for the export tests, and what the analysis makes of it.

Three young people and two clinicians, one consultation each; nine codes; two coders (alice, bob)
and their consensus. All words are synthetic, written for these tests.
"""

from __future__ import annotations

from consult_coder.analysis import theme_frequency
from consult_coder.model import Code, Coder, Coding, Participant, Transcript, Turn
from consult_coder.storage import Project
from consult_coder.text import content_hash

PARTICIPANTS = [
    ("P01", "youth", "young person", "14-17", {"site": "north"}),
    ("P02", "youth", "young person", "18-20", {"site": "south"}),
    ("P03", "youth", "young person", "21-24", {"site": "north"}),
    ("P21", "clinician", "lay health counsellor", "", {"site": "south"}),
    ("P22", "clinician", "clinical psychologist", "", {"site": "north"}),
]
SAID = {
    "P01": "It helped that what I said stayed private, nobody at school would ever hear it. "
           "She understood how tired I was without me explaining it twice.",
    "P02": "Knowing it stays between us made me open up.",
    "P03": "We wrote down one small goal each week, like going for a walk.",
    "P21": "I tell them on day one that what they share stays with me. "
           "I also explain that I am not available at night, which keeps things clear.",
    "P22": "Clear limits about contact outside sessions protect the relationship.",
}
ASKED = "Can you tell me what made the sessions feel safe?"
CODES = [
    ("confidentiality", "Confidentiality", "What is said stays private.", "Privacy promised or felt.",
     "General trust without privacy.", "It stays between us."),
    ("goal_setting", "Goal setting", "Agreeing aims together.", "Shared goals.", "Goals set by others.", ""),
    ("empathy", "Empathy", "Feeling understood.", "", "", ""),
    ("boundaries", "Boundaries", "Limits of the relationship.", "", "", ""),
    ("non_judgement", "Non-judgement", "Not being judged.", "", "", ""),
    ("communication", "Communication", "How things are talked about.", "", "", ""),
    ("therapy_environment", "Therapy environment", "The room and setting.", "", "", ""),
    ("regular_meetings", "Regular meetings", "Meeting often enough.", "", "", ""),
    ("trust_bond", "Trust and bond", "The bond that grows.", "", "", ""),
]
# (coder, participant, code, phrase coded, pinned)
CODINGS = [
    ("consensus", "P01", "confidentiality", "what I said stayed private, nobody at school would ever hear it",
     False),
    ("consensus", "P01", "empathy", "She understood how tired I was", False),
    ("consensus", "P02", "confidentiality", "Knowing it stays between us", True),
    ("consensus", "P03", "goal_setting", "one small goal each week", False),
    ("consensus", "P21", "confidentiality", "what they share stays with me", False),
    ("consensus", "P21", "boundaries", "I am not available at night", False),
    ("consensus", "P22", "boundaries", "Clear limits about contact outside sessions", False),
    ("consensus", "P01", "trust_bond", ASKED, False),  # the interviewer's words: not counted by default
    ("alice", "P01", "confidentiality", "stayed private", False),
    ("alice", "P02", "trust_bond", "made me open up", False),
    ("bob", "P01", "empathy", "She understood how tired I was", False),
    ("bob", "P01", "confidentiality", "It helped that what I said stayed private", False),  # overlaps alice's
]


def build_export_study(project: Project) -> None:
    with project.session() as s:
        for i, (cid, name, definition, use, not_use, example) in enumerate(CODES):
            s.add(Code(id=cid, name=name, definition=definition, when_to_use=use, when_not_to_use=not_use,
                       example=example, sort_order=i))
        coders = {n: Coder(name=n) for n in ("alice", "bob", "consensus")}
        s.add_all(coders.values())
        texts: dict[str, Transcript] = {}
        for pid, group, role, age, attrs in PARTICIPANTS:
            s.add(Participant(id=pid, group=group, role=role, age_band=age, attributes=attrs))
            head_i, head_p = "Interviewer: ", f"{pid}: "
            text = f"{head_i}{ASKED}\n\n{head_p}{SAID[pid]}"
            t = Transcript(participant_id=pid, title=f"{pid} consultation", text=text,
                           content_hash=content_hash(text), source_name=f"{pid}.txt", source_format="txt")
            p_start = len(head_i) + len(ASKED) + 2
            t.turns = [Turn(index=0, speaker="Interviewer", speaker_kind="interviewer",
                            start=len(head_i), end=len(head_i) + len(ASKED)),
                       Turn(index=1, speaker=pid, speaker_kind="participant",
                            start=p_start + len(head_p), end=len(text))]
            s.add(t)
            texts[pid] = t
        s.flush()
        for coder, pid, code, phrase, pinned in CODINGS:
            t = texts[pid]
            start = t.text.index(phrase)
            s.add(Coding(transcript_id=t.id, start=start, end=start + len(phrase), code_id=code,
                         coder_id=coders[coder].id, pinned=pinned))


def test_the_study_has_three_young_people_and_two_clinicians_and_counts_participant_speech(sqlite_project):
    build_export_study(sqlite_project)
    with sqlite_project.session() as s:
        freq = theme_frequency(s, "consensus").set_index(["code_id", "group"])
    n_of_total = ["participants_n", "participants_total"]
    assert freq.loc[("confidentiality", "youth"), n_of_total].tolist() == [2, 3]
    assert freq.loc[("confidentiality", "clinician"), n_of_total].tolist() == [1, 2]
    # The consensus coded the interviewer's question with trust_bond; by default it does not count.
    assert freq.loc[("trust_bond", "youth"), "participants_n"] == 0
