"""Report section: agreement between the coders, per code and per code × transcript.

Every coder with codings (the consensus layer aside) on the transcripts they all marked done — or, while
none is, every transcript two of them started, said plainly in the text. Sentences are the units of the
main table (code present/absent per sentence, as MAXQDA counts); a second table gives the character
level (NVivo's count). A one-coder project gets no section.
"""

from __future__ import annotations

from docx.document import Document

from consult_coder.agreement.bands import ALPHA_NOTE, KAPPA_NOTE, PARADOX_NOTE
from consult_coder.agreement.charts import agreement_heatmap
from consult_coder.agreement.defaults import project_agreement
from consult_coder.agreement.labels import coefficient, count, percent
from consult_coder.agreement.tables import AgreementResult
from consult_coder.charts import to_png
from consult_coder.export.context import ReportContext
from consult_coder.export.docx_layout import add_picture, add_table, caption, ensure_orientation, note
from consult_coder.export.registry import section
from consult_coder.export.sections_intro import speech_label

TRANSCRIPTS_PER_TABLE = 8  # code × transcript tables wider than this continue in a further table
LOW_PREVALENCE_MARK = "ᵃ"


def _names(coders: tuple[str, ...]) -> str:
    return ", ".join(coders[:-1]) + f" and {coders[-1]}"


def _by_code_rows(result: AgreementResult, alpha: str) -> tuple[list[list[str]], bool]:
    rows, flagged = [], False
    for r in result.by_code.to_dict("records"):
        low = any(w.startswith("low prevalence") for w in r["warnings"])
        flagged |= low
        kappa = coefficient(r["cohen_kappa"]) + (LOW_PREVALENCE_MARK if low else "")
        row = [r["code"], count(r["units"]), percent(r["percent_agreement"]), kappa,
               coefficient(r["brennan_prediger"])]
        rows.append([*row, coefficient(r[alpha])])
    return rows, flagged


@section("agreement")
def agreement(doc: Document, ctx: ReportContext) -> None:
    if ctx.session is None:
        return
    project = project_agreement(ctx.session, ctx.options.include_interviewer, units=("sentence", "character"),
                                viewer=ctx.options.viewer)
    if len(project.coders) < 2:
        return  # one coder: nothing to compare, nothing to say
    ensure_orientation(doc, landscape=False)
    doc.add_heading("Agreement between coders", level=1)
    if not project.results:
        doc.add_paragraph(f"{project.reason}, so no agreement can be reported yet.")
        return
    sentences, characters = project.results["sentence"], project.results["character"]
    coders = _names(sentences.coders)
    titles = ", ".join(str(t) for t in sentences.transcripts["title"])
    status = ("None of the transcripts is marked done by every coder yet: these figures count every "
              "transcript at least two coders have started and will change as coding goes on. "
              if project.unfinished else "")
    doc.add_paragraph(
        f"{coders} coded the same {len(sentences.transcripts)} transcripts independently ({titles}). "
        f"{status}A code is present in a sentence when a coder's coding overlaps it; a sentence ends at "
        f"end punctuation or a line break, and a speaker turn always ends one. Counted: "
        f"{speech_label(ctx)}. Percent agreement and Brennan–Prediger's kappa stand beside Cohen's kappa "
        "because codes that are rare in the text depress kappa (the kappa paradox).")

    header = ["Code", "Sentences", "Agreement", "Cohen's κ", "Brennan–Prediger κ", "Krippendorff's α"]
    rows, flagged = _by_code_rows(sentences, "krippendorff_alpha")
    caption(doc, "Table", ctx.number("Table"), f"Agreement between {coders} per code, sentences as units")
    add_table(doc, header, rows, ["left", *["center"] * 5])
    mark = f" {LOW_PREVALENCE_MARK} {PARADOX_NOTE}" if flagged else ""
    note(doc, f"Units: {count(sentences.by_code['units'].iloc[0])} sentences in "
              f"{len(sentences.transcripts)} transcripts; the pooled row counts every code × sentence. "
              f"Krippendorff's α is nominal, over all coders. {KAPPA_NOTE} {ALPHA_NOTE}{mark}")

    rows, flagged = _by_code_rows(characters, "unitized_alpha")
    caption(doc, "Table", ctx.number("Table"), f"Agreement between {coders} per code, characters as units")
    add_table(doc, ["Code", "Characters", *header[2:5], "Unitized α (αu)"], rows, ["left", *["center"] * 5])
    see = f"{LOW_PREVALENCE_MARK} Low prevalence: see the note to the previous table." if flagged else ""
    note(doc, "Every character of the counted speech is a unit, coded or not, as NVivo counts; long "
              "stretches nobody coded raise percent agreement. αu is Krippendorff's (2004) unitized alpha: "
              "agreement on where each code begins and ends, on the counted speech laid end to end. "
              f"{see}".strip())
    _by_transcript(doc, ctx, sentences, coders)


def _by_transcript(doc: Document, ctx: ReportContext, result: AgreementResult, coders: str) -> None:
    cells = result.by_transcript
    titles = list(dict.fromkeys(cells["transcript"]))
    value = {(r["code"], r["transcript"]): r["cohen_kappa"] for r in cells.to_dict("records")}
    codes = list(dict.fromkeys(cells["code"]))
    chunks = [titles[i:i + TRANSCRIPTS_PER_TABLE] for i in range(0, len(titles), TRANSCRIPTS_PER_TABLE)]
    for n, chunk in enumerate(chunks, start=1):
        ensure_orientation(doc, landscape=len(chunk) > 5)
        part = f" (part {n} of {len(chunks)})" if len(chunks) > 1 else ""
        caption(doc, "Table", ctx.number("Table"),
                f"Cohen's κ between {coders} per code and transcript, sentences as units{part}")
        rows = [[code, *(coefficient(value[(code, t)]) for t in chunk)] for code in codes]
        add_table(doc, ["Code", *map(str, chunk)], rows, ["left", *["center"] * len(chunk)])
    note(doc, "— = undefined: in that transcript neither coder used the code (or both used it in every "
              f"sentence). Bands: {KAPPA_NOTE}")
    caption(doc, "Figure", ctx.number("Figure"), "Cohen's κ per code and transcript, coloured by band")
    add_picture(doc, to_png(agreement_heatmap(result).properties(title=""), scale=2.0), scale=2.0)
