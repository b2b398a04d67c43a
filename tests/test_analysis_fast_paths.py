"""The fast algorithms give exactly what their plain definitions give, on random data.

Co-occurrence is counted by sorting and binary search, word counts and speaker kinds by bisection,
and a folder import links participants with one lookup table per batch; each is checked here against
the simple definition it replaces (every pair compared, a regex over every slice, every turn scanned,
one regex search per participant).
"""

from __future__ import annotations

import random
import re
from itertools import combinations
from pathlib import PurePath

import pandas as pd
import pytest

from consult_coder.analysis import Study, cooccurrence_matrix
from consult_coder.analysis.offsets import TranscriptIndex, merge_spans
from consult_coder.importers.base import ParsedTranscript
from consult_coder.importers.folder import ParticipantLinker
from consult_coder.importers.participants import ParticipantRow, id_key
from consult_coder.text import overlaps, sentence_spans, word_count

WORDS = ["I", "felt", "safe", "don't", "well-being", "café", "it’s", "—", "ok.", "Really?", "no!", "x_y"]


def _text(rng: random.Random, n_words: int) -> str:
    parts = []
    for _ in range(n_words):
        parts.append(rng.choice(WORDS))
        parts.append(rng.choice([" ", " ", " ", "\n", ", ", " - ", "'"]))
    return "".join(parts)


def _random_study(rng: random.Random, n_transcripts: int, n_codes: int, n_segments: int) -> Study:
    codes = [f"c{i}" for i in range(n_codes)]
    texts = {t: _text(rng, rng.randint(5, 120)) for t in range(1, n_transcripts + 1)}
    speech = {}
    for t, text in texts.items():
        cuts = sorted(rng.sample(range(len(text) + 1), min(len(text) + 1, 6)))
        speech[t] = merge_spans((a, b) for a, b in zip(cuts[::2], cuts[1::2], strict=False) if a < b)
    rows = []
    for i in range(n_segments):
        t = rng.choice(list(texts))
        if not speech[t]:
            continue
        regions = speech[t]
        k = rng.randrange(len(regions))
        parts = []
        for s, e in regions[k:k + rng.choice([1, 1, 1, 2, 3])]:  # sometimes clipped into several parts
            a = rng.randint(s, e - 1)
            parts.append((a, rng.randint(a + 1, e)))
        rows.append({"coding_id": i, "transcript_id": t, "code_id": rng.choice(codes), "spans": parts})
    return Study(
        layer="union", include_interviewer=False,
        codes=pd.DataFrame({"code_id": codes, "code": [f"Code {c}" for c in codes], "colour": "#888888",
                            "parent_id": None}),
        participants=pd.DataFrame(columns=["participant_id"]),
        codings=pd.DataFrame(rows, columns=["coding_id", "transcript_id", "code_id", "spans"]),
        texts=texts, speech=speech,
    )


def _pairwise(study: Study, mode: str) -> list[list[int]]:
    """The definition: every pair of segments compared, every sentence checked against every part."""
    codes = list(study.codes["code_id"])
    n = {c: i for i, c in enumerate(codes)}
    m = [[0] * len(codes) for _ in codes]
    segments = list(study.codings[["transcript_id", "code_id", "spans"]].itertuples(index=False))
    if mode == "overlap":
        for _, c, _ in segments:
            m[n[c]][n[c]] += 1
        for (ta, ca, sa), (tb, cb, sb) in combinations(segments, 2):
            if ta == tb and ca != cb and any(overlaps(x, y) for x in sa for y in sb):
                m[n[ca]][n[cb]] += 1
                m[n[cb]][n[ca]] += 1
        return m
    for t in {s.transcript_id for s in segments}:
        for region in study.speech[t]:
            for sentence in sentence_spans(study.texts[t], *region):
                present = sorted({n[c] for tt, c, spans in segments
                                  if tt == t and any(overlaps(sentence, s) for s in spans)})
                for i in present:
                    m[i][i] += 1
                for i, j in combinations(present, 2):
                    m[i][j] += 1
                    m[j][i] += 1
    return m


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("mode", ["overlap", "sentence"])
def test_cooccurrence_equals_the_pairwise_definition_on_random_studies(seed, mode):
    rng = random.Random(seed)
    study = _random_study(rng, n_transcripts=rng.randint(1, 6), n_codes=rng.randint(1, 5),
                          n_segments=rng.randint(0, 80))
    assert cooccurrence_matrix(study, mode).to_numpy().tolist() == _pairwise(study, mode)


def test_segments_clipped_into_several_parts_count_once_per_pair():
    text = "Interviewer: so? P01: one two three. Interviewer: and? P01: four five six."
    study = _random_study(random.Random(0), 1, 2, 0)
    a, b = (text.index("one"), text.index("three.") + 6), (text.index("four"), len(text))
    study = Study(
        "union", False, study.codes, study.participants,
        pd.DataFrame([{"coding_id": 1, "transcript_id": 1, "code_id": "c0", "spans": [a, b]},
                      {"coding_id": 2, "transcript_id": 1, "code_id": "c1", "spans": [a, b]}]),
        {1: text}, {1: [a, b]})
    assert cooccurrence_matrix(study, "overlap").to_numpy().tolist() == [[1, 1], [1, 1]]


@pytest.mark.parametrize("seed", range(20))
def test_words_turns_and_speech_by_bisection_equal_their_definitions(seed):
    rng = random.Random(seed)
    text = _text(rng, rng.randint(0, 60))
    cuts = sorted(rng.choices(range(len(text) + 1), k=rng.randint(0, 10)))
    spans = list(zip(cuts, cuts[1:], strict=False))
    if seed % 2:  # turns as a hand-edited project might hold them: overlapping, ends out of order
        spans = sorted((a, rng.randint(a, len(text))) for a, _ in spans)
    turns = [(rng.choice(["participant", "interviewer"]), span) for span in spans]
    for interviewer in (False, True):
        index = TranscriptIndex(text, turns, interviewer)
        counted = [t for k, t in turns if (interviewer or k == "participant") and t[0] < t[1]]
        assert index.speech == (merge_spans(counted) if turns else ([(0, len(text))] if text else []))
        for _ in range(30):
            s = rng.randint(0, len(text))
            e = rng.randint(s, len(text))
            assert index.words([(s, e)]) == word_count(text[s:e])
            assert index.clip((s, e)) == [(max(s, a), min(e, b)) for a, b in index.speech
                                          if overlaps((s, e), (a, b))]
            if s < e:
                kinds = {k for k, t in turns if overlaps((s, e), t)}
                expected = ("participant" if not turns else "outside" if not kinds
                            else kinds.pop() if len(kinds) == 1 else "mixed")
                assert index.speaker_kind((s, e)) == expected


def _link_by_regex(name: str, rows: list[ParticipantRow], known: list[str]) -> str | None:
    """The definition: one case-insensitive regex search per participant, in order."""
    spelled = {id_key(pid): pid for pid in known} | {id_key(r.id): r.id for r in rows}
    for pid in spelled.values():
        if re.search(rf"(?<![A-Za-z0-9]){re.escape(pid)}(?![0-9])", PurePath(name).stem, re.IGNORECASE):
            return pid
    return None


def test_the_batch_linker_finds_the_same_participant_as_one_regex_per_participant():
    rng = random.Random(3)
    ids = [f"{rng.choice(['P', 'YP', 'C', 'site-', 'x'])}{rng.randint(0, 120):0{rng.choice([1, 2, 3])}d}"
           for _ in range(150)] + ["Anna B", "p7", "P07b"]
    rows = [ParticipantRow(pid, "youth", "", "") for pid in dict.fromkeys(ids[:100])]
    known = ids[100:]
    linker = ParticipantLinker(rows, known)
    pieces = ids + ["_", "-", " ", "consultation", "2024", "a", "9", "."]
    for _ in range(3000):
        stem = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 5)))
        assert linker.id_in_name(stem) == _link_by_regex(stem + ".txt", rows, known), stem
    parsed = ParsedTranscript("t", "yp012_interview.docx", "docx", "", "", [])
    assert linker(parsed) == _link_by_regex(parsed.source_name, rows, known)
