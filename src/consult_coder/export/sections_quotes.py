"""Report sections in words: exemplar quotes per theme and group, and the codebook appendix.

A quote is the coded passage as the transcript has it, widened to whole words (a selection that
clipped a word never prints half of it), with an ellipsis wherever it starts or ends inside a
sentence, and the parts of a passage the interviewer interrupted joined by " … ".
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pandas as pd
from docx.document import Document
from docx.text.paragraph import Paragraph

from consult_coder.export.context import QUOTES_PER_GROUP, ReportContext
from consult_coder.export.docx_layout import NBSP, add_unbroken, ensure_orientation
from consult_coder.export.formatting import attribution, group_plural
from consult_coder.export.registry import section
from consult_coder.text import overlaps, snap_to_words

ELLIPSIS = "…"
_SPACE = re.compile(r"\s+")
_SENTENCE_END = re.compile(r"[.!?…][\"'’”)\]]*$")
_CLOSING_PUNCTUATION = re.compile(r"[.!?…]+[\"'’”)\]]*")
CODEBOOK_FIELDS = (("definition", "Definition"), ("when_to_use", "When to use"),
                   ("when_not_to_use", "When not to use"), ("example", "Example"))

Span = tuple[int, int]


def _region(speech: list[Span], span: Span) -> Span:
    """The stretch of counted speech (a turn, or turns run together) that holds ``span``."""
    return next(((s, e) for s, e in speech if s <= span[0] and span[1] <= e), span)


def quote_text(text: str, spans: list[Span], speech: list[Span]) -> str:
    """The words of ``spans`` (the counted parts of one coded passage) as they should be quoted."""
    parts = []
    for i, span in enumerate(spans):
        lo, hi = _region(speech, span)
        start, end = snap_to_words(text, *span)
        start, end = max(start, lo), min(end, hi)
        stop = _CLOSING_PUNCTUATION.match(text, end, hi)  # the full stop just after the selection
        if stop is not None:
            end = stop.end()
        words = _SPACE.sub(" ", text[start:end]).strip()
        if not words:
            continue
        before = text[lo:start].rstrip()
        if i == 0 and before and not _SENTENCE_END.search(before):
            words = f"{ELLIPSIS} {words}"
        after = text[end:hi].strip()
        if i == len(spans) - 1 and after and not _SENTENCE_END.search(words):
            words = f"{words} {ELLIPSIS}"
        parts.append(words)
    return f" {ELLIPSIS} ".join(parts)


def add_quote(doc: Document, quote: str, who: str) -> Paragraph:
    """The quote in Word's "Quote" style; its attribution never breaks after the dash or inside an
    age band."""
    par = doc.add_paragraph(f"“{_SPACE.sub(' ', quote).strip()}” —{NBSP}", style="Quote")
    add_unbroken(par, who)
    par.paragraph_format.keep_together = True
    return par


def distinct_quotes(ctx: ReportContext, ranked: pd.DataFrame, located: pd.DataFrame,
                    limit: int = QUOTES_PER_GROUP) -> list[dict]:
    """The best ``limit`` quotes in ``ranked`` order, skipping any that overlaps one already taken:
    two coders' slightly different spans of one passage would otherwise print it twice. ``located``
    gives each coding's transcript and counted spans, indexed by coding id. Reads only as far down
    ``ranked`` as it must."""
    taken: list[tuple[int, Span]] = []
    chosen: list[dict] = []
    for r in _records(ranked):
        tid, spans = located.at[r["coding_id"], "transcript_id"], located.at[r["coding_id"], "spans"]
        if any(t == tid and overlaps(a, b) for t, a in taken for b in spans):
            continue
        chosen.append({**r, "quote": quote_text(ctx.study.texts[tid], spans, ctx.study.speech[tid])})
        taken.extend((tid, s) for s in spans)
        if len(chosen) == limit:
            break
    return chosen


def _records(frame: pd.DataFrame) -> Iterator[dict]:
    columns = list(frame.columns)
    for values in frame.itertuples(index=False, name=None):
        yield dict(zip(columns, values, strict=True))


@section("exemplars")
def exemplars(doc: Document, ctx: ReportContext) -> None:
    ensure_orientation(doc, landscape=False)
    doc.add_heading("Exemplar quotes", level=1)
    doc.add_paragraph(f"Up to {QUOTES_PER_GROUP} quotes per theme and group. Quotes the team pinned come "
                      "first, then the longest. An ellipsis (…) marks where a quote starts or ends inside "
                      "a sentence, or skips the interviewer's words.")
    quotes = ctx.exemplars
    located = ctx.study.codings.set_index("coding_id")[["transcript_id", "spans"]]
    by_theme_group = dict(iter(quotes.groupby(["code_id", "group"], sort=False)))
    people = ctx.study.participants.set_index("participant_id")
    for code_id, name in zip(ctx.study.codes["code_id"], ctx.study.codes["code"], strict=True):
        doc.add_heading(name, level=2)
        if not any((code_id, g) in by_theme_group for g in ctx.groups):
            doc.add_paragraph("No coded segments in this layer.").runs[0].italic = True
            continue
        for group in ctx.groups:
            ranked = by_theme_group.get((code_id, group))
            rows = [] if ranked is None else distinct_quotes(ctx, ranked, located)
            if not rows:
                continue
            label = doc.add_paragraph()
            label.add_run(group_plural(group)).bold = True
            label.paragraph_format.keep_with_next = True
            for r in rows:
                pid = r["participant_id"]
                who = attribution(pid, r["group"], r["role"], str(people.at[pid, "age_band"]))
                add_quote(doc, r["quote"], who)


@section("codebook")
def codebook(doc: Document, ctx: ReportContext) -> None:
    """Each theme's entry kept on one page, so no page (the last least of all) holds a stray line."""
    new_page = ensure_orientation(doc, landscape=False)
    version = f", version {ctx.codebook_version}" if ctx.codebook_version else ""
    heading = doc.add_heading(f"Appendix. Codebook{version}", level=1)
    heading.paragraph_format.page_break_before = not new_page and len(doc.paragraphs) > 1
    names = dict(zip(ctx.study.codes["code_id"], ctx.study.codes["code"], strict=True))
    for code in ctx.codebook.to_dict("records"):
        entry = [doc.add_heading(names.get(code["code_id"], code["name"]), level=2)]
        if code["parent"]:
            entry.append(doc.add_paragraph())
            entry[-1].add_run(f"Sub-theme of {code['parent']}.").italic = True
        for key, label in CODEBOOK_FIELDS:
            if str(code[key]).strip():
                par = doc.add_paragraph()
                par.add_run(f"{label}: ").bold = True
                par.add_run(str(code[key]).strip())
                entry.append(par)
        for par in entry:
            par.paragraph_format.keep_together = True
            par.paragraph_format.keep_with_next = par is not entry[-1]
