"""Report sections in words: exemplar quotes per theme and group, and the codebook appendix."""

from __future__ import annotations

import re

import pandas as pd
from docx.document import Document

from consult_coder.export.context import QUOTES_PER_GROUP, ReportContext
from consult_coder.export.docx_layout import ensure_orientation
from consult_coder.export.formatting import attribution, group_plural
from consult_coder.export.registry import section
from consult_coder.text import overlaps

_SPACE = re.compile(r"\s+")
CODEBOOK_FIELDS = (("definition", "Definition"), ("when_to_use", "When to use"),
                   ("when_not_to_use", "When not to use"), ("example", "Example"))


def distinct_quotes(ctx: ReportContext, ranked: pd.DataFrame, limit: int = QUOTES_PER_GROUP) -> list[dict]:
    """The best ``limit`` quotes in ``ranked`` order, skipping any that overlaps one already taken:
    two coders' slightly different spans of one passage would otherwise print it twice."""
    where = ctx.study.codings.set_index("coding_id")[["transcript_id", "spans"]]
    taken: list[tuple[int, tuple[int, int]]] = []
    chosen: list[dict] = []
    for r in ranked.to_dict("records"):
        tid, spans = where.loc[r["coding_id"]]
        if any(t == tid and overlaps(a, b) for t, a in taken for b in spans):
            continue
        chosen.append(r)
        taken.extend((tid, s) for s in spans)
        if len(chosen) == limit:
            break
    return chosen


def quote_line(quote: str, who: str) -> str:
    """“…” — P07, young person, 18-20 (the quote on one line, as coded)."""
    return f"“{_SPACE.sub(' ', quote).strip()}” — {who}"


@section("exemplars")
def exemplars(doc: Document, ctx: ReportContext) -> None:
    ensure_orientation(doc, landscape=False)
    doc.add_heading("Exemplar quotes", level=1)
    doc.add_paragraph(f"Up to {QUOTES_PER_GROUP} quotes per theme and group. Quotes the team pinned come "
                      "first, then the longest.")
    quotes = ctx.exemplars
    age = dict(zip(ctx.study.participants["participant_id"], ctx.study.participants["age_band"], strict=True))
    for code_id, name in zip(ctx.study.codes["code_id"], ctx.study.codes["code"], strict=True):
        doc.add_heading(name, level=2)
        of_code = quotes[quotes["code_id"] == code_id]
        if of_code.empty:
            doc.add_paragraph("No coded segments in this layer.").runs[0].italic = True
            continue
        for group in ctx.groups:
            rows = distinct_quotes(ctx, of_code[of_code["group"] == group])
            if not rows:
                continue
            label = doc.add_paragraph()
            label.add_run(group_plural(group)).bold = True
            label.paragraph_format.keep_with_next = True
            for r in rows:
                pid = r["participant_id"]
                who = attribution(pid, r["group"], r["role"], age.get(pid, ""))
                doc.add_paragraph(quote_line(r["quote"], who), style="Quote")


@section("codebook")
def codebook(doc: Document, ctx: ReportContext) -> None:
    new_page = ensure_orientation(doc, landscape=False)
    version = f", version {ctx.codebook_version}" if ctx.codebook_version else ""
    heading = doc.add_heading(f"Appendix. Codebook{version}", level=1)
    heading.paragraph_format.page_break_before = not new_page and len(doc.paragraphs) > 1
    names = dict(zip(ctx.study.codes["code_id"], ctx.study.codes["code"], strict=True))
    for code in ctx.codebook.to_dict("records"):
        doc.add_heading(names.get(code["code_id"], code["name"]), level=2)
        if code["parent"]:
            doc.add_paragraph().add_run(f"Sub-theme of {code['parent']}.").italic = True
        for key, label in CODEBOOK_FIELDS:
            if str(code[key]).strip():
                par = doc.add_paragraph()
                par.add_run(f"{label}: ").bold = True
                par.add_run(str(code[key]).strip())
