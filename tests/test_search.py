"""Search finds text at exact code-point offsets; coded segments list quotes with who said and coded them."""

from __future__ import annotations

import pytest

from consult_coder.access import Viewer
from consult_coder.errors import UserError
from consult_coder.model import Code, Coder, Coding, Participant, Transcript, Turn
from consult_coder.search import coded_segments, search
from tests.factories import EVERYONE

# Synthetic text with non-BMP characters (emoji) before the words we look for.
YOUTH = ("Interviewer: What helped? 🙂\n"
         "P01: Honestly 😊 the trust. I could trust her, and trusting is hard for me.\n"
         "Interviewer: Thank you.")
CLIN = ("Interviewer: How do you build trust?\n"
        "C01: TRUST takes regular meetings. Café chats help too 👍.")


def _turns(text: str) -> list[Turn]:
    turns, pos = [], 0
    for i, line in enumerate(text.split("\n")):
        speaker, _, said = line.partition(": ")
        start = pos + len(speaker) + 2
        kind = "interviewer" if speaker == "Interviewer" else "participant"
        turns.append(Turn(index=i, speaker=speaker, speaker_kind=kind, start=start, end=start + len(said)))
        pos += len(line) + 1
    return turns


@pytest.fixture
def study(project):
    with project.session() as s:
        s.add_all([Participant(id="P01", group="youth", role="young person", age_band="14-17"),
                   Participant(id="C01", group="clinician", role="lay health counsellor")])
        y = Transcript(title="P01 consultation", text=YOUTH, content_hash="y", source_name="p01.txt",
                       source_format="txt", participant_id="P01", turns=_turns(YOUTH))
        c = Transcript(title="C01 consultation", text=CLIN, content_hash="c", source_name="c01.txt",
                       source_format="txt", participant_id="C01", turns=_turns(CLIN))
        s.add_all([y, c, Coder(name="amira"), Coder(name="ben"),
                   Code(id="trust_bond", name="Trust bond"), Code(id="regular_meetings", name="Meetings")])
        s.flush()
        return {"y": y.id, "c": c.id, "amira": s.query(Coder).filter_by(name="amira").one().id,
                "ben": s.query(Coder).filter_by(name="ben").one().id}


def test_search_finds_every_hit_at_code_point_offsets(project, study):
    with project.session() as s:
        hits = search(s, "trust")
    assert [(h.transcript_id, h.match) for h in hits] == [
        (study["c"], "trust"), (study["c"], "TRUST"),
        (study["y"], "trust"), (study["y"], "trust"), (study["y"], "trust")]
    for h in hits:
        text = YOUTH if h.transcript_id == study["y"] else CLIN
        assert text[h.start:h.end] == h.match
    first_youth = hits[2]
    assert first_youth.start == YOUTH.index("trust.")  # emoji before it count as one code point each
    assert (first_youth.participant_id, first_youth.group, first_youth.speaker) == ("P01", "youth", "P01")
    assert hits[0].speaker == "Interviewer" and hits[1].speaker == "C01"
    assert hits[1].role == "lay health counsellor"
    assert "😊 the " in first_youth.before and first_youth.snippet.count("trust") >= 1


def test_search_options_narrow_the_hits(project, study):
    with project.session() as s:
        assert [h.match for h in search(s, "trust", case_sensitive=True)] == ["trust", "trust", "trust",
                                                                               "trust"]
        whole = search(s, "trust", whole_word=True)
        assert "trusting" not in [YOUTH[h.start:h.end + 3] for h in whole]
        assert len(whole) == 4
        within = search(s, "trust", study["y"])
        assert {h.transcript_id for h in within} == {study["y"]} and len(within) == 3
        assert search(s, "   ") == []
        with pytest.raises(UserError, match="no transcript with id 999"):
            search(s, "trust", 999)


def test_search_matches_unicode_and_limits(project, study):
    with project.session() as s:
        # A decomposed "é" typed by a user still finds the stored (NFC) "Café".
        cafe = search(s, "cafe\u0301")
        assert [CLIN[h.start:h.end] for h in cafe] == ["Café"]
        thumbs = search(s, "👍")
        assert CLIN[thumbs[0].start:thumbs[0].end] == "👍" and thumbs[0].end == thumbs[0].start + 1
        assert len(search(s, "trust", limit=2)) == 2
        # Regex characters are plain text, not patterns.
        assert search(s, "help.") == []
        assert [h.match for h in search(s, "helped?")] == ["helped?"]


def test_coded_segments_join_quote_participant_and_coder(project, study):
    y, c, amira, ben = study["y"], study["c"], study["amira"], study["ben"]
    q1 = YOUTH.index("I could trust her")
    q2 = CLIN.index("TRUST takes")
    with project.session() as s:
        s.add_all([
            Coding(transcript_id=y, start=q1, end=q1 + len("I could trust her"), code_id="trust_bond",
                   coder_id=amira, memo="strong bond"),
            Coding(transcript_id=y, start=YOUTH.index("Honestly"), end=YOUTH.index(" the trust") + 10,
                   code_id="trust_bond", coder_id=ben),
            Coding(transcript_id=c, start=q2, end=q2 + len("TRUST takes regular meetings"),
                   code_id="trust_bond", coder_id=ben),
            Coding(transcript_id=c, start=q2, end=q2 + 5, code_id="regular_meetings", coder_id=amira),
        ])
    lead, blind_amira = Viewer.everyone(), Viewer("amira", role="coder", blind=True)
    with project.session() as s:
        rows = coded_segments(s, "trust_bond", viewer=lead)
        by_amira = coded_segments(s, "trust_bond", viewer=lead, coder="amira")
        clinicians = coded_segments(s, "trust_bond", viewer=lead, group="clinician")
        amira_sees = coded_segments(s, "trust_bond", viewer=blind_amira)
    assert [(r.participant_id, r.coder, r.quote) for r in rows] == [
        ("C01", "ben", "TRUST takes regular meetings"),
        ("P01", "ben", "Honestly 😊 the trust"),
        ("P01", "amira", "I could trust her"),
    ]
    assert rows[1].quote == YOUTH[rows[1].start:rows[1].end]  # SQL substring agrees with Python offsets
    assert (rows[0].group, rows[0].role, rows[0].speaker) == ("clinician", "lay health counsellor", "C01")
    assert (rows[2].memo, rows[2].transcript_title, rows[2].transcript_id) == ("strong bond",
                                                                                "P01 consultation", y)
    assert [r.quote for r in by_amira] == ["I could trust her"]
    assert [r.participant_id for r in clinicians] == ["C01"]
    assert [r.coder for r in amira_sees] == ["amira"]  # coding blind: her own segments only


def test_coded_segments_is_one_query(project, study):
    from sqlalchemy import event

    with project.session() as s:
        for i in range(5):
            s.add(Coding(transcript_id=study["y"], start=i, end=i + 3, code_id="trust_bond",
                         coder_id=study["amira"]))
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(project.engine, "before_cursor_execute", listener)
    try:
        with project.session() as s:
            assert len(coded_segments(s, "trust_bond", viewer=EVERYONE)) == 5
    finally:
        event.remove(project.engine, "before_cursor_execute", listener)
    assert len([st for st in statements if st.lstrip().upper().startswith("SELECT")]) == 1
