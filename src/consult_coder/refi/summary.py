"""What an import did, in words a researcher reads at the end of an import."""

from __future__ import annotations

from dataclasses import dataclass, field


def _n(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"


def skipped_sources_note(count: int, codings: int, names: list[str], why: str) -> str:
    """One line naming the text sources an import had to leave out, and how many codings they held."""
    listed = ", ".join(repr(n) for n in names) + (" …" if count > len(names) else "")
    return (f"{_n(count, 'text source')} skipped, with {_n(codings, 'coding')}: their text files are "
            f"{why}: {listed}")


@dataclass
class ImportSummary:
    source: str
    codes_added: int = 0
    codes_updated: int = 0
    coders_added: int = 0
    participants_added: int = 0
    participants_updated: int = 0
    transcripts_added: int = 0
    transcripts_known: int = 0  # already in the project (same text): codings added to them
    codings_added: int = 0
    codings_known: int = 0  # already there, skipped
    memos_written: int = 0
    notes: list[str] = field(default_factory=list)  # what was skipped and why, one line each

    def describe(self) -> str:
        parts = [
            f"{_n(self.codes_added, 'code')} added, {self.codes_updated} updated",
        ]
        if self.transcripts_added or self.transcripts_known:
            parts.append(f"{_n(self.transcripts_added, 'transcript')} added"
                         + (f" ({self.transcripts_known} already present)" if self.transcripts_known else ""))
        if self.participants_added or self.participants_updated:
            parts.append(f"{_n(self.participants_added, 'participant')} added, "
                         f"{self.participants_updated} updated")
        if self.codings_added or self.codings_known:
            parts.append(f"{_n(self.codings_added, 'coding')} added"
                         + (f" ({self.codings_known} already present)" if self.codings_known else ""))
        if self.coders_added:
            parts.append(f"{_n(self.coders_added, 'coder')} added")
        if self.memos_written:
            parts.append(f"{_n(self.memos_written, 'memo')} written")
        head = f"{self.source}: " + "; ".join(parts)
        return "\n".join([head, *(f"  note: {line}" for line in self.notes)])

    def __str__(self) -> str:
        return self.describe()
