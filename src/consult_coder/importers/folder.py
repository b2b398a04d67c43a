"""Which files a folder import takes, and which participant each file belongs to.

A participant is linked by the participants CSV's ``file`` column, else by an id in the file name
(``P07_consultation.docx``), else by a participant-style speaker label (``P07: …``) when the
transcript has exactly one.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePath

from consult_coder.errors import UserError
from consult_coder.importers.base import ParsedTranscript
from consult_coder.importers.participants import ParticipantRow, id_key, normalise_participant_id
from consult_coder.limits import check_regular_file

SUPPORTED = (".txt", ".docx", ".vtt", ".srt")
PARTICIPANTS_FILE = "participants.csv"
_ID_IN_NAME = re.compile(r"(?<![A-Za-z0-9])[Pp][-_ ]?(\d{1,3})(?![0-9])")
_ID_LABEL = re.compile(r"^[A-Za-z]{1,3}\d{1,3}$")
_ASCII_ALNUM = frozenset(string.ascii_letters + string.digits)
_DIGITS = frozenset(string.digits)
_HINTS = {
    ".doc": "old Word .doc files cannot be read: save it as .docx",
    ".rtf": "RTF files cannot be read: save it as .docx or .txt",
    ".pdf": "PDF files cannot be read: export it as .docx or .txt",
}


@dataclass
class FileSelection:
    files: list[Path] = field(default_factory=list)
    participants_csv: Path | None = None
    ignored: list[tuple[str, str]] = field(default_factory=list)  # (name, why), shown as notes


def unsupported_reason(name: str) -> str:
    suffix = PurePath(name).suffix.lower()
    return _HINTS.get(suffix, f"{suffix or 'no extension'} is not a transcript format "
                              f"(use {', '.join(SUPPORTED)})")


def _hidden(path: Path) -> bool:
    # dot-files, and the "~$name.docx" lock files Word leaves next to open documents
    return path.name.startswith((".", "~$")) or path.name in ("Thumbs.db", "desktop.ini")


def select_files(paths: Iterable[Path | str]) -> FileSelection:
    """Expand folders (not recursively). A file named explicitly must be a transcript or the
    participants CSV; in a folder, other files are listed as ignored, and a participants.csv there is
    picked up."""
    sel = FileSelection()
    for given in paths:
        path = Path(given).expanduser()
        if path.is_dir():
            for child in sorted(path.iterdir(), key=lambda p: p.name.casefold()):
                if _hidden(child) or child.is_dir():
                    continue
                if not child.is_file():  # a pipe, a device, a socket or a broken link
                    sel.ignored.append((child.name, "not a regular file"))
                    continue
                if child.name.casefold() == PARTICIPANTS_FILE:
                    sel.participants_csv = sel.participants_csv or child
                elif child.suffix.lower() in SUPPORTED:
                    sel.files.append(child)
                else:
                    sel.ignored.append((child.name, unsupported_reason(child.name)))
        elif path.is_file():
            if path.suffix.lower() == ".csv":  # e.g. `import folder/*`: the CSV is the participants list
                if sel.participants_csv is not None and sel.participants_csv != path:
                    raise UserError(f"{path.name}: only one participants CSV can be imported at a time "
                                    f"(also given: {sel.participants_csv.name})")
                sel.participants_csv = path
            elif path.suffix.lower() in SUPPORTED:
                sel.files.append(path)
            else:
                raise UserError(f"{path.name}: {unsupported_reason(path.name)}")
        elif path.exists() or path.is_symlink():
            check_regular_file(path)  # a pipe or a device: says which, in one line
            raise UserError(f"{path}: not a file or folder that can be read")
        else:
            raise UserError(f"{path}: no such file or folder")
    return sel


def id_from_name(name: str) -> str | None:
    """``P07_consultation.docx`` → ``P07`` (case-insensitive; ``p7`` → ``P07``)."""
    m = _ID_IN_NAME.search(PurePath(name).stem)
    return f"P{int(m.group(1)):02d}" if m else None


class ParticipantLinker:
    """Links the transcripts of one batch to participants. Its lookups are built once, so a batch of
    n files against m participants costs O(n + m), not one search per participant per file."""

    def __init__(self, rows: list[ParticipantRow], known_ids: Iterable[str] = ()) -> None:
        self.by_file = {PurePath(r.file).name.casefold(): r.id for r in rows if r.file}
        # The CSV's spelling wins over the project's; the project's known ids are tried first.
        self.spelled = {id_key(pid): pid for pid in known_ids} | {id_key(r.id): r.id for r in rows}
        self.order = list(self.spelled.values())
        self.rank: dict[str, int] = {}
        for i, pid in enumerate(self.order):
            self.rank.setdefault(pid.lower(), i)
        self.lengths = sorted({len(pid) for pid in self.order if pid})

    def __call__(self, parsed: ParsedTranscript) -> str | None:
        """The participant id for a transcript, spelled as the CSV (or the project) spells it."""
        if parsed.source_name.casefold() in self.by_file:
            return self.by_file[parsed.source_name.casefold()]
        found = self.id_in_name(PurePath(parsed.source_name).stem)
        if found is not None:
            return found
        guess = id_from_name(parsed.source_name)
        if guess is None:
            labels = {normalise_participant_id(t.speaker) for t in parsed.turns
                      if t.speaker_kind == "participant" and _ID_LABEL.match(t.speaker)}
            guess = labels.pop() if len(labels) == 1 else None
        if guess is None:
            return None
        return self.spelled.get(id_key(guess), guess)

    def id_in_name(self, stem: str) -> str | None:
        """A known id such as "C03" or "YP12" written in a file name (case-insensitive), not glued to
        a letter or digit before it nor a digit after it; the first known id wins if several are.

        Looks up every such substring of the name in a dict: a name of L characters costs L × (the
        number of distinct id lengths) lookups, whatever the number of participants.
        """
        best: int | None = None
        for i in range(len(stem)):
            if i and stem[i - 1] in _ASCII_ALNUM:
                continue
            for n in self.lengths:
                j = i + n
                if j > len(stem):
                    break
                if j < len(stem) and stem[j] in _DIGITS:
                    continue
                rank = self.rank.get(stem[i:j].lower())
                if rank is not None and (best is None or rank < best):
                    best = rank
        return None if best is None else self.order[best]


def link_participant(
    parsed: ParsedTranscript, rows: list[ParticipantRow], known_ids: Iterable[str] = ()
) -> str | None:
    """The participant id for one transcript (for a batch, build one :class:`ParticipantLinker`)."""
    return ParticipantLinker(rows, known_ids)(parsed)
