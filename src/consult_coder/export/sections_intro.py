"""Report sections: title, study summary, participants by group and role."""

from __future__ import annotations

from docx.document import Document

from consult_coder.analysis import NOT_RECORDED
from consult_coder.export.context import ReportContext
from consult_coder.export.docx_layout import add_table, caption
from consult_coder.export.formatting import group_plural, layer_phrase
from consult_coder.export.registry import section


def speech_label(ctx: ReportContext) -> str:
    if ctx.options.include_interviewer:
        return "interviewer and participant speech"
    return "participant speech only"


@section("title")
def title(doc: Document, ctx: ReportContext) -> None:
    doc.add_heading(ctx.options.title, level=0)
    par = doc.add_paragraph()
    par.add_run(f"Layer: {layer_phrase(ctx.options.layer)} · counted: {speech_label(ctx)} · "
                f"generated {ctx.generated_at:%d %B %Y} by consult-coder").italic = True


@section("summary")
def summary(doc: Document, ctx: ReportContext) -> None:
    people = ctx.study.participants
    counts = people.groupby("group", sort=False).size()
    who = " and ".join(f"{int(counts[g])} {group_plural(g).lower()}" for g in ctx.groups)
    codes = ctx.study.codes
    version = f" (version {ctx.codebook_version})" if ctx.codebook_version else ""
    doc.add_heading("Study summary", level=1)
    doc.add_paragraph(
        f"{len(people)} participants took part: {who}. Their {int(people['transcripts'].sum())} transcripts "
        f"hold {int(people['words'].sum()):,} words of {speech_label(ctx)}. The codebook{version} has "
        f"{len(codes)} themes. This report counts the {layer_phrase(ctx.options.layer)}: "
        f"{len(ctx.study.codings):,} coded segments."
    )
    doc.add_paragraph(
        "A participant mentions a theme when at least one segment of their transcript is coded with it. "
        "Group comparisons are exploratory; read the quotes before drawing conclusions."
    )


@section("participants")
def participants(doc: Document, ctx: ReportContext) -> None:
    people = ctx.study.participants
    rows = []
    for group in ctx.groups:
        members = people[people["group"] == group]
        label = group_plural(group)  # named on the group's first row only, as in print
        for role, who in members.groupby("role", sort=True):
            bands = who.loc[who["age_band"] != NOT_RECORDED, "age_band"].value_counts().sort_index()
            rows.append([label, role, str(len(who)), ", ".join(f"{band} ({n})" for band, n in bands.items())])
            label = ""
        rows.append(["", "All", str(len(members)), ""])
    caption(doc, "Table", ctx.number("Table"), "Participants by group and role")
    add_table(doc, ["Group", "Role", "N", "Age bands (n)"], rows, ["left", "left", "center", "left"])
