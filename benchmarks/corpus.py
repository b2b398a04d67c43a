"""Synthetic transcript files at scale, in the sample study's language and format mix.

Every generated consultation recombines turns of the 32 synthetic sample consultations
(transcripts_sample/): interviewer questions from any of them, answers from participants of the same
group (young people's answers for young people, clinicians' for clinicians). No new words are
invented and no real person's words are used. File ``k`` takes its format and layout from sample file
``k mod 32`` (plain or time-stamped .txt, UTF-8 or UTF-16; Word paragraphs with bold labels or a
Speaker | Text table; WebVTT voice tags or labels; SubRip), so 1,000 files keep the sample's mix of
txt/docx/vtt/srt. Ids are ``Y001``… for young people and ``C001``… for clinicians, listed in a
participants.csv without a ``file`` column (files are linked by the id in their name).

Generation is deterministic; a generated corpus is kept under ``benchmarks/.cache`` for later runs.
"""

from __future__ import annotations

import csv
import io
import random
import re
import shutil
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import docx

from consult_coder.importers import parse_file

VERSION = 1
ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "transcripts_sample"
CACHE = Path(__file__).resolve().parent / ".cache"
YOUTH_SHARE = 20 / 32  # as in the sample: 20 young people, 12 clinicians
_ID_LABEL = re.compile(r"^P\d+$")


@dataclass(frozen=True)
class Template:
    """What a generated file copies from one sample file: its format and layout, not its words."""

    suffix: str
    interviewer: str
    participant: str  # "{id}" where the sample labels the participant by id
    front_matter: bool
    stamps: bool  # txt: "[00:00:03] Speaker: …"; docx table: a time column
    encoding: str  # txt only: utf-8, utf-8-sig or utf-16
    table: bool  # docx: a Speaker | Text table instead of paragraphs
    voice: bool  # vtt: <v Speaker> tags instead of "Speaker: " labels


@dataclass
class Language:
    interviewer: list[str]
    answers: dict[str, list[str]]  # group -> participant turns
    templates: list[Template]
    attributes: dict[str, list[dict[str, str]]]  # group -> the sample's participant rows


@dataclass(frozen=True)
class Corpus:
    folder: Path
    files: list[Path]
    participants_csv: Path

    @property
    def words(self) -> int:
        return int((self.folder / "WORDS").read_text())


def _group_of() -> dict[str, dict[str, str]]:
    with (SAMPLE / "participants.csv").open(encoding="utf-8-sig") as f:
        return {row["participant_id"]: row for row in csv.DictReader(f)}


def language() -> Language:
    people = _group_of()
    interviewer: list[str] = []
    answers: dict[str, list[str]] = defaultdict(list)
    templates: list[Template] = []
    attributes: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in people.values():
        attributes[row["group"]].append(row)
    for path in sorted(SAMPLE.glob("P*_consultation.*")):
        raw = path.read_bytes()
        parsed = parse_file(path.name, raw)
        pid = path.name.split("_")[0]
        group = people[pid]["group"]
        labels = {"interviewer": "", "participant": ""}
        for turn in parsed.turns:
            said = parsed.spoken(turn)
            (interviewer if turn.speaker_kind == "interviewer" else answers[group]).append(said)
            labels[turn.speaker_kind] = labels[turn.speaker_kind] or turn.speaker
        participant = "{id}" if _ID_LABEL.match(labels["participant"]) else labels["participant"]
        table = False
        if path.suffix == ".docx":
            document = docx.Document(io.BytesIO(raw))
            table = bool(document.tables)
            stamps = table and len(document.tables[0].columns) > 2
        else:
            stamps = b"[00:" in raw
        encoding = "utf-16" if raw.startswith((b"\xff\xfe", b"\xfe\xff")) else \
            "utf-8-sig" if raw.startswith(b"\xef\xbb\xbf") else "utf-8"
        templates.append(Template(path.suffix, labels["interviewer"] or "Interviewer",
                                  participant or "Participant", bool(parsed.front_matter), stamps,
                                  encoding, table, b"<v " in raw))
    return Language(interviewer, dict(answers), templates, dict(attributes))


def participant_ids(n: int) -> list[tuple[str, str]]:
    """(id, group) for n participants, young people and clinicians interleaved as in the sample."""
    out, youth, clinicians = [], 0, 0
    for k in range(n):
        if youth < round((k + 1) * YOUTH_SHARE):
            youth += 1
            out.append((f"Y{youth:03d}", "youth"))
        else:
            clinicians += 1
            out.append((f"C{clinicians:03d}", "clinician"))
    return out


def _turns(lang: Language, group: str, rng: random.Random, words: int) -> list[tuple[str, str]]:
    target = int(words * rng.uniform(0.85, 1.15))
    turns: list[tuple[str, str]] = []
    count = 0
    while count < target:
        question, answer = rng.choice(lang.interviewer), rng.choice(lang.answers[group])
        turns += [("interviewer", question), ("participant", answer)]
        count += len(question.split()) + len(answer.split())
    return turns


def _stamp(seconds: float, sep: str = ".") -> str:
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{int(h):02d}:{int(m):02d}:{s:06.3f}".replace(".", sep)


def _timed(turns: list[tuple[str, str]]) -> list[tuple[str, str, float, float]]:
    out, t = [], 2.0
    for kind, said in turns:
        length = max(1.0, len(said.split()) / 2.5)
        out.append((kind, said, t, t + length))
        t += length + 0.6
    return out


def render(template: Template, pid: str, group: str, turns: list[tuple[str, str]]) -> bytes:
    """One file's bytes in the template's format and layout."""
    label = {"interviewer": template.interviewer, "participant": template.participant.format(id=pid)}
    who = "young people" if group == "youth" else "clinicians"
    title = [f"Consultation {pid} – working alliance study ({who})",
             "Transcribed verbatim; identifying details removed."] if template.front_matter else []
    timed = _timed(turns)
    if template.suffix == ".txt":
        lines = [*title, ""] if title else []
        for kind, said, start, _ in timed:
            stamp = f"[{_stamp(start)[:8]}] " if template.stamps else ""
            lines += [f"{stamp}{label[kind]}: {said}", ""]
        return "\n".join(lines).encode(template.encoding)
    if template.suffix == ".docx":
        return _docx(template, title, label, timed)
    if template.suffix == ".vtt":
        cues = ["WEBVTT", ""]
        for i, (kind, said, start, end) in enumerate(timed, start=1):
            text = " ".join(said.split("\n"))
            body = f"<v {label[kind]}>{text}</v>" if template.voice else f"{label[kind]}: {text}"
            cues += [f"{pid.lower()}-{i}", f"{_stamp(start)} --> {_stamp(end)}", body, ""]
        return "\n".join(cues).encode("utf-8")
    cues = []
    for i, (kind, said, start, end) in enumerate(timed, start=1):
        text = " ".join(said.split("\n"))
        cues += [str(i), f"{_stamp(start, ',')} --> {_stamp(end, ',')}", f"{label[kind]}: {text}", ""]
    return "\n".join(cues).encode("utf-8")


def _docx(template: Template, title: list[str], label: dict[str, str],
          timed: list[tuple[str, str, float, float]]) -> bytes:
    document = docx.Document()
    for line in title:
        document.add_paragraph(line)
    if template.table:
        header = ["Time", "Speaker", "Text"] if template.stamps else ["Speaker", "Text"]
        table = document.add_table(rows=1, cols=len(header))
        for cell, name in zip(table.rows[0].cells, header, strict=True):
            cell.text = name
        for kind, said, start, _ in timed:
            values = [_stamp(start)[:8]] if template.stamps else []
            cells = table.add_row().cells
            for cell, value in zip(cells, [*values, label[kind], said], strict=True):
                cell.text = value
    else:
        for kind, said, _, _ in timed:
            paragraph = document.add_paragraph()
            paragraph.add_run(f"{label[kind]}:").bold = True
            paragraph.add_run(" " + said.replace("\n", " "))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _participants_csv(lang: Language, people: list[tuple[str, str]], rng: random.Random) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["participant_id", "group", "role", "age_band", "gender", "setting"])
    for pid, group in people:
        row = rng.choice(lang.attributes[group])
        writer.writerow([pid, group, row["role"], row["age_band"], row["gender"], row["setting"]])
    return out.getvalue()


def generate(name: str, n: int, words: int = 1_000, seed: int = 14, cache: Path = CACHE) -> Corpus:
    """The first ``n`` consultations of the generated programme (the same for any ``name``'s size),
    with their participants CSV; kept in ``cache`` for later runs."""
    folder = cache / f"corpus-v{VERSION}-{name}-{n}"
    if not (folder / "WORDS").is_file():
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        lang = language()
        rng = random.Random(seed)
        people = participant_ids(n)
        total = 0
        for k, (pid, group) in enumerate(people):
            template = lang.templates[k % len(lang.templates)]
            turns = _turns(lang, group, rng, words)
            total += sum(len(said.split()) for _, said in turns)
            (folder / f"{pid}_consultation{template.suffix}").write_bytes(render(template, pid, group, turns))
        (folder / "participants.csv").write_text(_participants_csv(lang, people, random.Random(seed)),
                                                 encoding="utf-8")
        (folder / "WORDS").write_text(str(total))
    files = sorted(p for p in folder.iterdir() if p.name.endswith((".txt", ".docx", ".vtt", ".srt")))
    return Corpus(folder, files, folder / "participants.csv")
