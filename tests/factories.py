"""What the tests build, written once: stored-form text, small synthetic studies, and paths.

Stored form is the layout every importer produces: ``Speaker: spoken text`` per turn, turns split by a
blank line, each Turn's offsets on the spoken text only. Every word here is synthetic, written for these
tests. Test modules import from here (never from one another); fixtures are in ``tests/conftest.py``.
"""

from __future__ import annotations

import io
import socket
import zipfile
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from itertools import count
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from consult_coder.access import Viewer
from consult_coder.importers.base import RawTurn, build_transcript
from consult_coder.memos import PROJECT_TARGET
from consult_coder.model import Code, Coder, Coding, Memo, Participant, Progress, Transcript, Turn
from consult_coder.storage import Project, set_setting
from consult_coder.text import content_hash

REPO = Path(__file__).resolve().parent.parent
SAMPLE_DIR = REPO / "transcripts_sample"
CODEBOOK = REPO / "codebooks" / "working_alliance.yaml"

T = TypeVar("T")
EVERYONE = Viewer.everyone()  # a lead who sees every coder's work: what tests read through unless blind


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def in_session(project: Project, action: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run one core function as a page or command does: in its own unit of work, committed at the end
    (or rolled back whole if it raises)."""
    with project.session() as s:
        return action(s, *args, **kwargs)


def stored_turns(turns: Sequence[tuple[str, str, str]]) -> tuple[str, list[Turn]]:
    """``(speaker, kind, spoken)`` triples -> the stored text and its (unsaved) Turn rows."""
    text, rows = "", []
    for index, (speaker, kind, spoken) in enumerate(turns):
        if text:
            text += "\n\n"
        text += f"{speaker}: "
        rows.append(Turn(index=index, speaker=speaker, speaker_kind=kind, start=len(text),
                         end=len(text) + len(spoken)))
        text += spoken
    return text, rows


# --- the coding study: P07's consultation, five codes and an archived one --------------------------------

# Synthetic words, written for these tests. The emoji (outside the BMP) come before coded passages,
# so a UTF-16 count would put every offset after them one too far.
CODING_TURNS = [
    ("Interviewer", "interviewer", "How have the sessions been going for you? 🙂"),
    ("P07", "participant", "Honestly 🌧️ better than I expected. She listens and she never judges me. "
                           "We set small goals together, like getting to college twice a week."),
    ("Interviewer", "interviewer", "What makes it feel safe to talk?"),
    ("P07", "participant", "Knowing it stays in the room. That matters a lot to me."),
]
CODING_CODES = [
    ("empathy", "Empathy", "#e6194b"),
    ("non_judgement", "Non-judgement", "#3cb44b"),
    ("goal_setting", "Goal setting", "#4363d8"),
    ("confidentiality", "Confidentiality", "#f58231"),
    ("trust_bond", "Trust and bond", "#911eb4"),
]


def build_coding_study(project: Project, title: str = "P07 consultation") -> int:
    """One participant, one transcript with turns, five codes and one archived code."""
    text, turns = stored_turns(CODING_TURNS)
    with project.session() as s:
        if s.get(Participant, "P07") is None:
            s.add(Participant(id="P07", group="youth", role="young person", age_band="18-20"))
        for order, (cid, name, colour) in enumerate(CODING_CODES):
            if s.get(Code, cid) is None:
                s.add(Code(id=cid, name=name, colour=colour, sort_order=order,
                           definition=f"Synthetic definition of {name.lower()}."))
        if s.get(Code, "old_code") is None:
            s.add(Code(id="old_code", name="Old code", archived=True, sort_order=99))
        tr = Transcript(participant_id="P07", title=title, text=text, content_hash=content_hash(title + text),
                        source_name=f"{title}.txt", source_format="txt", turns=turns)
        s.add(tr)
        s.flush()
        return tr.id


# --- the analysis study ------------------------------------------------------------------------------
# A small synthetic study the analysis tests share.
#
# Five young people (P01–P05) and three clinicians (P21–P23) with one transcript each, laid out the way
# the importers store text (``Speaker: spoken text``, turns separated by a blank line, turn offsets over
# the spoken text only). P06 has no transcript; one transcript has no participant. Codes: trust_bond,
# confidentiality, goal_setting, empathy (never coded), old_theme (archived, never coded).
#
# Participant words (counted by hand): P01 19, P02 12, P03 11, P04 8, P05 10 (youth 60);
# P21 14, P22 13, P23 13 (clinicians 40).
#
# Coder alice: trust — P01 "I trusted her from the start." (6 words), P02 whole first answer (11),
# P03 first answer (5), P05 *interviewer* question (excluded), P23 from the interviewer's question into
# the answer "Trust takes time to grow." (mixed; 5 words counted). Confidentiality — P01 "She kept what
# I said private." (6), P02 "I felt safe and trusted him." (6, overlaps her trust segment), P21 both
# answers (7 + 7), P22 first answer (7), P23 "privacy comes first" (3, same sentence as her goal
# segment, no overlap). Goals — P01 second answer (7) and P01 *interviewer* question (excluded), P04
# first answer (7), P23 "We set goals together" (4).
#
# Coder bob: the identical trust segment on P01 (one segment in the union), confidentiality on
# "what I said private" inside alice's P01 segment, trust on P05's first answer (6), goals on P22's
# second answer (6), confidentiality on P21's *interviewer* question (excluded).
#
# Coder consensus: trust on P01 "I trusted her from the start.", confidentiality on P21's first answer.

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
ANALYSIS_CODES = [("trust_bond", "Trust and bond"), ("confidentiality", "Confidentiality"),
         ("goal_setting", "Goal setting"), ("empathy", "Empathy")]

# (coder, participant, code, first words of the coded text, last words of it)
ANALYSIS_CODINGS = [
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


def _analysis_transcript(s: Session, pid: str | None, turns: list[tuple[str, str]]) -> Transcript:
    text, rows = stored_turns([(speaker, "interviewer" if speaker == "Interviewer" else "participant", said)
                               for speaker, said in turns])
    tr = Transcript(participant_id=pid, title=f"Interview {pid}", text=text, content_hash=content_hash(text),
                    source_name=f"{pid}.txt", source_format="txt", turns=rows)
    s.add(tr)
    s.flush()
    return tr


def build_analysis_study(project: Project) -> dict[tuple[str, str, str, str], int]:
    """Create the analysis study described above; returns coding ids keyed by (coder, participant,
    code, first words)."""
    ids: dict[tuple[str, str, str, str], int] = {}
    minutes = count()
    with project.session() as s:
        for i, (code_id, name) in enumerate(ANALYSIS_CODES):
            s.add(Code(id=code_id, name=name, sort_order=i))
        s.add(Code(id="old_theme", name="Old theme", sort_order=9, archived=True))
        coders = {n: Coder(name=n) for n in ("alice", "bob", "consensus")}
        s.add_all(coders.values())
        transcripts = {}
        for pid, (age_band, site, turns) in YOUTH.items():
            s.add(Participant(id=pid, group="youth", role="young person", age_band=age_band,
                              attributes={"site": site}))
            s.flush()
            transcripts[pid] = _analysis_transcript(s, pid, turns)
        for pid, (role, site, turns) in CLINICIANS.items():
            s.add(Participant(id=pid, group="clinician", role=role, age_band="",
                              attributes={"site": site} if site else {}))
            s.flush()
            transcripts[pid] = _analysis_transcript(s, pid, turns)
        s.add(Participant(id="P06", group="youth", role="young person", age_band="14-17"))
        orphan = _analysis_transcript(s, None, [("Interviewer", "Hello?"),
                                                ("Someone", "I trust nobody here.")])
        s.flush()
        s.add(Coding(transcript_id=orphan.id, start=orphan.text.index("I trust"), end=len(orphan.text),
                     code_id="trust_bond", coder_id=coders["alice"].id))
        for coder, pid, code_id, first, last in ANALYSIS_CODINGS:
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


# --- the export study: three young people, two clinicians, nine codes, alice, bob and their consensus

EXPORT_PARTICIPANTS = [
    ("P01", "youth", "young person", "14-17", {"site": "north"}),
    ("P02", "youth", "young person", "18-20", {"site": "south"}),
    ("P03", "youth", "young person", "21-24", {"site": "north"}),
    ("P21", "clinician", "lay health counsellor", "", {"site": "south"}),
    ("P22", "clinician", "clinical psychologist", "", {"site": "north"}),
]
EXPORT_SAID = {
    "P01": "It helped that what I said stayed private, nobody at school would ever hear it. "
           "She understood how tired I was without me explaining it twice.",
    "P02": "Knowing it stays between us made me open up.",
    "P03": "We wrote down one small goal each week, like going for a walk.",
    "P21": "I tell them on day one that what they share stays with me. "
           "I also explain that I am not available at night, which keeps things clear.",
    "P22": "Clear limits about contact outside sessions protect the relationship.",
}
EXPORT_ASKED = "Can you tell me what made the sessions feel safe?"
EXPORT_CODES = [
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
EXPORT_CODINGS = [
    ("consensus", "P01", "confidentiality", "what I said stayed private, nobody at school would ever hear it",
     False),
    ("consensus", "P01", "empathy", "She understood how tired I was", False),
    ("consensus", "P02", "confidentiality", "Knowing it stays between us", True),
    ("consensus", "P03", "goal_setting", "one small goal each week", False),
    ("consensus", "P21", "confidentiality", "what they share stays with me", False),
    ("consensus", "P21", "boundaries", "I am not available at night", False),
    ("consensus", "P22", "boundaries", "Clear limits about contact outside sessions", False),
    # The interviewer's words: not counted by default.
    ("consensus", "P01", "trust_bond", EXPORT_ASKED, False),
    ("alice", "P01", "confidentiality", "stayed private", False),
    ("alice", "P02", "trust_bond", "made me open up", False),
    ("bob", "P01", "empathy", "She understood how tired I was", False),
    ("bob", "P01", "confidentiality", "It helped that what I said stayed private", False),  # overlaps alice's
]


def build_export_study(project: Project) -> None:
    with project.session() as s:
        for i, (cid, name, definition, use, not_use, example) in enumerate(EXPORT_CODES):
            s.add(Code(id=cid, name=name, definition=definition, when_to_use=use, when_not_to_use=not_use,
                       example=example, sort_order=i))
        coders = {n: Coder(name=n) for n in ("alice", "bob", "consensus")}
        s.add_all(coders.values())
        texts: dict[str, Transcript] = {}
        for pid, group, role, age, attrs in EXPORT_PARTICIPANTS:
            s.add(Participant(id=pid, group=group, role=role, age_band=age, attributes=attrs))
            head_i, head_p = "Interviewer: ", f"{pid}: "
            text = f"{head_i}{EXPORT_ASKED}\n\n{head_p}{EXPORT_SAID[pid]}"
            t = Transcript(participant_id=pid, title=f"{pid} consultation", text=text,
                           content_hash=content_hash(text), source_name=f"{pid}.txt", source_format="txt")
            p_start = len(head_i) + len(EXPORT_ASKED) + 2
            t.turns = [Turn(index=0, speaker="Interviewer", speaker_kind="interviewer",
                            start=len(head_i), end=len(head_i) + len(EXPORT_ASKED)),
                       Turn(index=1, speaker=pid, speaker_kind="participant",
                            start=p_start + len(head_p), end=len(text))]
            s.add(t)
            texts[pid] = t
        s.flush()
        for coder, pid, code, phrase, pinned in EXPORT_CODINGS:
            t = texts[pid]
            start = t.text.index(phrase)
            s.add(Coding(transcript_id=t.id, start=start, end=start + len(phrase), code_id=code,
                         coder_id=coders[coder].id, pinned=pinned))


# --- the REFI-QDA study: what a project export must carry --------------------------------------------

def _refi_transcript(s: Session, pid: str, turns: list[tuple[str, str]], front: str = "") -> Transcript:
    parsed = build_transcript(f"{pid}_consultation.txt", "txt", [RawTurn(sp, [said]) for sp, said in turns],
                              front)
    t = Transcript(participant_id=pid, title=parsed.title, text=parsed.text, content_hash=parsed.content_hash,
                   source_name=parsed.source_name, source_format="txt", front_matter=parsed.front_matter)
    s.add(t)
    s.flush()
    for i, turn in enumerate(parsed.turns):
        s.add(Turn(transcript_id=t.id, index=i, speaker=turn.speaker, speaker_kind=turn.speaker_kind,
                   start=turn.start, end=turn.end))
    return t


def _refi_code(s: Session, t: Transcript, phrase: str, code: str, coder: Coder, memo: str = "") -> Coding:
    start = t.text.index(phrase)
    c = Coding(transcript_id=t.id, start=start, end=start + len(phrase), code_id=code, coder_id=coder.id,
               memo=memo)
    s.add(c)
    return c


def build_refi_study(project: Project) -> None:
    """Two participants with attributes, nested codes (one archived), three coders with overlapping
    codings, memos on a transcript, a code and the project, and the project's name."""
    with project.session() as s:
        set_setting(s, "project_name", "Alliance pilot (synthetic)")
        s.add_all([
            Participant(id="P07", group="youth", role="young person", age_band="16-17",
                        attributes={"gender": "female", "site": "North clinic"}),
            Participant(id="C02", group="clinician", role="lay health counsellor", age_band="",
                        attributes={"years_experience": "4"}),
        ])
        s.add_all([
            Code(id="alliance", name="Working alliance", definition="How the two work together.",
                 colour="#336699", sort_order=1),
            Code(id="empathy", name="Empathy", parent_id="alliance", colour="#e07a5f", sort_order=2,
                 definition="The clinician shows they understand what the young person feels.",
                 when_to_use="A feeling is named or reflected back.",
                 when_not_to_use="Advice giving;\nreassurance without reflection.",
                 example="\"That sounds really frightening.\""),
            Code(id="goal_setting", name="Goal setting", parent_id="alliance", colour="#81b29a", sort_order=3,
                 definition="Agreeing what to work on."),
            Code(id="old_trust", name="Trust (old)", definition="Retired code.", colour="#aaaaaa",
                 sort_order=4, archived=True),
        ])
        alice, bob, consensus = Coder(name="alice"), Coder(name="bob"), Coder(name="consensus")
        s.add_all([alice, bob, consensus])
        s.flush()
        t1 = _refi_transcript(s, "P07", [
            ("Interviewer", "How have the last two weeks been?"),
            ("P07", "Honestly hard. I felt scared before school, like my chest was tight 😟."),
            ("Interviewer", "That sounds really frightening. What would you like to change first?"),
            ("P07", "Maybe getting to school on time, even twice a week. Café mornings help."),
        ], front="Consultation 3, synthetic sample")
        t2 = _refi_transcript(s, "C02", [
            ("Interviewer", "What helps young people trust you?"),
            ("C02", "Meeting regularly, and saying plainly what stays confidential."),
        ])
        _refi_code(s, t1, "That sounds really frightening.", "empathy", alice,
                   memo="Clear reflection of fear.")
        _refi_code(s, t1, "That sounds really frightening.", "empathy", bob)
        _refi_code(s, t1, "getting to school on time, even twice a week", "goal_setting", alice)
        _refi_code(s, t1, "getting to school on time, even twice a week", "goal_setting", consensus,
              memo="Agreed: concrete goal.")
        _refi_code(s, t1, "I felt scared before school, like my chest was tight 😟.", "empathy", bob)
        _refi_code(s, t2, "Meeting regularly", "old_trust", alice)
        s.flush()
        s.add_all([
            Memo(target_kind="transcript", target_id=str(t1.id), coder_id=alice.id,
                 text="Rapport builds after the second question."),
            Memo(target_kind="transcript", target_id=str(t2.id), coder_id=None, text="Shared note: short."),
            Memo(target_kind="code", target_id="empathy", coder_id=bob.id,
                 text="Overlaps with validation; discuss."),
            Memo(target_kind="project", target_id=PROJECT_TARGET, coder_id=None,
                 text="Coding frame agreed on 3 March."),
        ])


# --- REFI-QDA fixtures (tests/fixtures/refi: see its README) -------------------------------------

REFI_FIXTURES = REPO / "tests" / "fixtures" / "refi"


def zipped(entries: dict[str, bytes | str]) -> bytes:
    """A zip archive in memory; a name ending in "/" is a folder entry."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(zipfile.ZipInfo(name), data, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def qdpx_of(fixture: str, sources_dir: str | None = None, with_texts: bool = True) -> bytes:
    """A .qdpx of a fixture folder: its .qde at the top and its texts in ``sources_dir`` (by default
    the folder the fixture has); without texts, only an empty ``Sources/`` folder entry."""
    folder = REFI_FIXTURES / fixture
    qde = next(folder.glob("*.qde"))
    texts = next(p for p in folder.iterdir() if p.is_dir())
    sources_dir = sources_dir or texts.name
    entries: dict[str, bytes | str] = {qde.name: qde.read_bytes()}
    if with_texts:
        entries.update({f"{sources_dir}/{p.name}": p.read_bytes() for p in sorted(texts.iterdir())})
    else:
        entries[f"{sources_dir}/"] = b""
    return zipped(entries)


# --- agreement fixtures ---------------------------------------------------------------------------

AGREEMENT_T1 = [("Interviewer", "interviewer", "How was it?"),
                ("P1", "participant", "It was good. I felt heard. The room was cold.")]
AGREEMENT_T2 = [("Interviewer", "interviewer", "And then?"), ("P2", "participant", "We met weekly."),
                ("Interviewer", "interviewer", "Good?"), ("P2", "participant", "Yes. It helped.")]
# (coder, transcript, code, phrase): hand counts in tests/test_agreement_units.py
AGREEMENT_CODINGS = [
    ("coder_a", "T1", "empathy", "I felt heard."),
    ("coder_a", "T1", "environment", "The room was cold."),
    ("coder_b", "T1", "empathy", "It was good. I felt heard."),
    ("coder_b", "T1", "empathy", "How was it?"),  # interviewer speech: not counted by default
    ("coder_a", "T2", "environment", "We met weekly."),
    ("coder_b", "T2", "environment", "We met weekly."),
    ("coder_b", "T2", "empathy", "It helped."),
]


def agreement_study(session: Session, done: dict[str, tuple[str, ...]] | None = None) -> dict[str, int]:
    """Two small transcripts, two codes, coders coder_a and coder_b (and coder_c, who coded nothing).

    ``done`` maps a transcript ("T1", "T2") to the coders who marked it done; by default both coders
    marked T1 done and only coder_a marked T2 done (coder_b's T2 is still in progress).
    Returns the transcript ids by name.
    """
    done = {"T1": ("coder_a", "coder_b"), "T2": ("coder_a",)} if done is None else done
    session.add_all([Code(id="empathy", name="Empathy", sort_order=0),
                     Code(id="environment", name="Environment", sort_order=1)])
    coders = {n: Coder(name=n) for n in ("coder_a", "coder_b", "coder_c")}
    session.add_all(coders.values())
    ids: dict[str, int] = {}
    texts: dict[str, str] = {}
    for name, pid, turns in (("T1", "P1", AGREEMENT_T1), ("T2", "P2", AGREEMENT_T2)):
        session.add(Participant(id=pid, group="youth", role="young person", age_band="16-17"))
        text, rows = stored_turns(turns)
        t = Transcript(participant_id=pid, title=name, text=text, content_hash=content_hash(text),
                       source_name=f"{name}.txt", source_format="txt")
        t.turns = rows
        session.add(t)
        session.flush()
        ids[name], texts[name] = t.id, text
    for coder, name, code, phrase in AGREEMENT_CODINGS:
        start = texts[name].index(phrase)
        session.add(Coding(transcript_id=ids[name], start=start, end=start + len(phrase), code_id=code,
                           coder_id=coders[coder].id))
    for name in ("T1", "T2"):
        for coder in ("coder_a", "coder_b"):
            status = "done" if coder in done.get(name, ()) else "in_progress"
            session.add(Progress(transcript_id=ids[name], coder_id=coders[coder].id, status=status))
    session.flush()
    return ids


# --- the adjudication study: alice and bob disagree in every way a queue knows ----------------------------

ADJUDICATION_T1 = [("Interviewer", "interviewer", "How are things at home?"),
                   ("P31", "participant", "My mum listens now. She asks before she reads my messages. "
                                          "We agreed I would text her when I am out late. It feels fairer.")]
ADJUDICATION_T2 = [("Interviewer", "interviewer", "What would you like to change?"),
                   ("P32", "participant", "I want to sleep before midnight on school nights. "
                                          "She never rushes me when I explain.")]
ADJUDICATION_CODES = [("empathy", "Empathy"), ("confidentiality", "Confidentiality"),
                      ("goal_setting", "Goal setting")]
# (coder, transcript, code, phrase, memo)
ADJUDICATION_CODINGS = [
    # T1 empathy: a boundary difference (bob's passage runs one sentence further)
    ("alice", "T1", "empathy", "My mum listens now.", "Listening is empathy here."),
    ("bob", "T1", "empathy", "My mum listens now. She asks before she reads my messages.",
     "Asking first too."),
    # T1 confidentiality: only bob; T1 goals: only alice
    ("bob", "T1", "confidentiality", "She asks before she reads my messages.", ""),
    ("alice", "T1", "goal_setting", "We agreed I would text her when I am out late.", ""),
    # T1: both coded the interviewer's question (not counted by default) and agree on "It feels fairer."
    ("bob", "T1", "empathy", "How are things at home?", ""),
    ("alice", "T1", "confidentiality", "It feels fairer.", ""),
    ("bob", "T1", "confidentiality", "It feels fairer.", ""),
    # T2 goals: boundaries overlap in part; T2 empathy: the same passage (an agreement)
    ("alice", "T2", "goal_setting", "I want to sleep before midnight", ""),
    ("bob", "T2", "goal_setting", "sleep before midnight on school nights.", ""),
    ("alice", "T2", "empathy", "She never rushes me when I explain.", ""),
    ("bob", "T2", "empathy", "She never rushes me when I explain.", ""),
]


def build_adjudication_study(project: Project) -> dict[str, int]:
    """Two transcripts both coders marked done, three codes, alice and bob (and a consensus coder with
    nothing yet). Returns the transcript ids by name ("T1", "T2")."""
    ids: dict[str, int] = {}
    with project.session() as s:
        for order, (cid, name) in enumerate(ADJUDICATION_CODES):
            s.add(Code(id=cid, name=name, sort_order=order))
        coders = {n: Coder(name=n) for n in ("alice", "bob")}
        s.add_all(coders.values())
        texts: dict[str, str] = {}
        for name, pid, turns in (("T1", "P31", ADJUDICATION_T1), ("T2", "P32", ADJUDICATION_T2)):
            s.add(Participant(id=pid, group="youth", role="young person", age_band="16-17"))
            text, rows = stored_turns(turns)
            t = Transcript(participant_id=pid, title=f"{pid} consultation", text=text,
                           content_hash=content_hash(text), source_name=f"{pid}.txt", source_format="txt",
                           turns=rows)
            s.add(t)
            s.flush()
            ids[name], texts[name] = t.id, text
        for coder, name, code, phrase, memo in ADJUDICATION_CODINGS:
            start = texts[name].index(phrase)
            s.add(Coding(transcript_id=ids[name], start=start, end=start + len(phrase), code_id=code,
                         coder_id=coders[coder].id, memo=memo))
        for name in ids:
            for coder in coders.values():
                s.add(Progress(transcript_id=ids[name], coder_id=coder.id, status="done"))
    return ids


# --- the suggestion study: two consultations, codes with patterns, a finished consensus layer ------------
# Synthetic words, written for these tests. With context 0, the patterns suggest: empathy on "She really
# heard me." and "She heard me out though."; confidentiality on "It won't go further than this room, she
# said." and "I didn't want my mum hearing about it."; goal_setting on "Each week we set one small
# goal."; therapy_environment (the word "room") on both "room" sentences of P11 and on "I liked the quiet
# room." — two of those three are false hits against the consensus.

SUGGEST_TRANSCRIPTS = {
    "P11": [("Interviewer", "interviewer", "How did the sessions feel?"),
            ("P11", "participant", "She really heard me. It won't go further than this room, she said. "
                                   "We made a plan for the mornings."),
            ("Interviewer", "interviewer", "And at home?"),
            ("P11", "participant", "I didn't want my mum hearing about it. The room was tiny and next to "
                                   "the kitchen. Each week we set one small goal.")],
    "P12": [("Interviewer", "interviewer", "What helped most?"),
            ("P12", "participant", "Having a plan for exams helped. She heard me out though. The plan was "
                                   "written in my words."),
            ("Interviewer", "interviewer", "Anything else?"),
            ("P12", "participant", "Nobody at school would hear about it. I liked the quiet room. We wrote "
                                   "down goals for each month.")],
}
SUGGEST_CODES = [
    ("empathy", "Empathy", "#e6194b", [[{"LEMMA": "hear"}, {"LOWER": "me"}]]),
    ("confidentiality", "Confidentiality", "#f58231",
     ["further than this room", [{"LOWER": "want"}, {"LOWER": "my"}, {"OP": "?"}, {"LEMMA": "hear"}]]),
    ("goal_setting", "Goal setting", "#4363d8", [[{"LOWER": "goal"}]]),
    ("therapy_environment", "Therapy environment", "#3cb44b", [[{"LOWER": "room"}]]),
]
# The consensus layer, done on both transcripts: (participant, code, sentence).
SUGGEST_CONSENSUS = [
    ("P11", "empathy", "She really heard me."),
    ("P12", "empathy", "She heard me out though."),
    ("P11", "confidentiality", "It won't go further than this room, she said."),
    ("P11", "confidentiality", "I didn't want my mum hearing about it."),
    ("P12", "confidentiality", "Nobody at school would hear about it."),
    ("P11", "goal_setting", "We made a plan for the mornings."),
    ("P11", "goal_setting", "Each week we set one small goal."),
    ("P12", "goal_setting", "Having a plan for exams helped."),
    ("P12", "goal_setting", "The plan was written in my words."),
    ("P12", "goal_setting", "We wrote down goals for each month."),
    ("P11", "therapy_environment", "The room was tiny and next to the kitchen."),
]


def build_suggestion_study(project: Project) -> dict[str, int]:
    """The suggestion study above, suggestions not yet refreshed; returns transcript ids by participant.
    Coders: ``consensus`` (done on both) and ``amira`` (no codings yet)."""
    from consult_coder.suggestions.store import CONTEXT_SETTING

    ids: dict[str, int] = {}
    with project.session() as s:
        set_setting(s, CONTEXT_SETTING, "0")
        for order, (cid, name, colour, patterns) in enumerate(SUGGEST_CODES):
            s.add(Code(id=cid, name=name, colour=colour, sort_order=order, patterns=patterns,
                       definition=f"Synthetic definition of {name.lower()}."))
        consensus, amira = Coder(name="consensus"), Coder(name="amira")
        s.add_all([consensus, amira])
        for pid, turns in SUGGEST_TRANSCRIPTS.items():
            s.add(Participant(id=pid, group="youth", role="young person", age_band="16-17"))
            text, rows = stored_turns(turns)
            tr = Transcript(participant_id=pid, title=f"{pid} consultation", text=text,
                            content_hash=content_hash(text), source_name=f"{pid}.txt", source_format="txt",
                            turns=rows)
            s.add(tr)
            s.flush()
            ids[pid] = tr.id
            s.add(Progress(transcript_id=tr.id, coder_id=consensus.id, status="done"))
        texts = {pid: s.get(Transcript, tid).text for pid, tid in ids.items()}
        for pid, code, sentence in SUGGEST_CONSENSUS:
            start = texts[pid].index(sentence)
            s.add(Coding(transcript_id=ids[pid], start=start, end=start + len(sentence), code_id=code,
                         coder_id=consensus.id))
    return ids


def sentence_span(project: Project, transcript_id: int, sentence: str) -> tuple[int, int]:
    """Where ``sentence`` lies in a stored transcript (code points)."""
    with project.session() as s:
        start = s.get(Transcript, transcript_id).text.index(sentence)
    return start, start + len(sentence)


# --- the team study: the export study shared by a lead and two blind coders, with accounts ------------

TEAM_PASSWORDS = {"lena": "lena-lead-password", "alice": "alice-coder-password", "bob": "bob-coder-password"}
# Only bob wrote or coded these (synthetic words): none may reach alice while coding is blind.
BOB_ONLY_QUOTE = "protect the relationship"
BOB_MEMOS = {
    "coding": "Bob coding memo: zinnia marker",
    "transcript": "Bob transcript memo: quokka marker",
    "code": "Bob code memo: marmalade marker",
    "project": "Bob project memo: tundra marker",
}
SHARED_CODE_MEMO = "Team memo: read the definition aloud first"


def build_team_study(project: Project) -> dict[str, int]:
    """The export study with accounts (lena leads; alice and bob code, blind), bob's own coding of
    BOB_ONLY_QUOTE with a memo, and bob's memos on a transcript, a code and the project. Returns the ids
    of bob's coding and of P01's and P22's transcripts."""
    from consult_coder import accounts, coding, memos

    build_export_study(project)
    with project.session() as s:
        for login, role in (("lena", "lead"), ("alice", "coder"), ("bob", "coder")):
            actor = "setup" if login == "lena" else "lena"
            accounts.add_user(s, login, role, actor, password=TEAM_PASSWORDS[login])
        tids = {t.participant_id: t.id for t in s.query(Transcript)}
        p22 = s.get(Transcript, tids["P22"])
        start = p22.text.index(BOB_ONLY_QUOTE)
        [bob_coding] = coding.add_coding(s, p22.id, start, start + len(BOB_ONLY_QUOTE), ["boundaries"], "bob",
                                         memo=BOB_MEMOS["coding"])
        memos.set_memo(s, "transcript", tids["P01"], "bob", BOB_MEMOS["transcript"])
        memos.set_memo(s, "code", "confidentiality", "bob", BOB_MEMOS["code"])
        memos.set_memo(s, "project", "project", "bob", BOB_MEMOS["project"])
        memos.set_memo(s, "code", "confidentiality", None, SHARED_CODE_MEMO, actor="lena")
    return {"bob_coding": bob_coding, "P01": tids["P01"], "P22": tids["P22"]}


def document_text(data: bytes, kind: str) -> str:
    """Everything a person could read in an exported file (docx, xlsx, csv, qdpx/qdc), as one string."""
    if kind in ("docx", "theme-table"):
        import docx

        doc = docx.Document(io.BytesIO(data))
        cells = [c.text for t in doc.tables for r in t.rows for c in r.cells]
        return "\n".join([p.text for p in doc.paragraphs] + cells)
    if kind in ("xlsx", "agreement-xlsx"):
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(data), read_only=True)
        return "\n".join(str(v) for ws in book.worksheets for row in ws.iter_rows(values_only=True)
                         for v in row if v is not None)
    if kind in ("qdpx",):
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return "\n".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
    return data.decode("utf-8-sig", "replace")
