"""Report sections with the numbers: theme by group, its chart, the group comparison, co-occurrence."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from docx.document import Document

from consult_coder.analysis.labels import format_odds_ratio
from consult_coder.charts import cooccurrence_chart, frequency_chart, to_png
from consult_coder.export.context import ReportContext
from consult_coder.export.docx_layout import (
    CAPTION_HEIGHT,
    Align,
    add_picture,
    add_table,
    caption,
    ensure_orientation,
    figure_size,
    note,
    note_height,
    portrait_width,
    table_fits,
    table_height,
    text_height,
    text_width,
)
from consult_coder.export.formatting import group_plural, layer_phrase, n_pct, p_value
from consult_coder.export.registry import section
from consult_coder.export.sections_intro import speech_label

WIDE_COLUMNS = 8  # a table with more columns than this gets a landscape page
FOOTNOTE_MARKS = "ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻ"
CHART_SCALE = 3.0  # PNG pixels per chart pixel: print quality
SHRINK_LIMIT = 0.6  # a figure shrunk below this share of its designed size starts a page instead
HEATMAP_STEP = 19  # px per heatmap cell in print: numbered labels are short, so cells can be too


def group_sizes(ctx: ReportContext) -> dict[str, int]:
    freq = ctx.frequency_by_group
    return {g: int(freq.loc[freq["group"] == g, "participants_total"].iloc[0]) for g in ctx.groups}


def sizes_text(ctx: ReportContext) -> str:
    return ", ".join(f"{group_plural(g).lower()} N = {n}" for g, n in group_sizes(ctx).items())


def needs_landscape(doc: Document, header: Sequence[str], rows: Sequence[Sequence[str]],
                    align: Sequence[Align]) -> bool:
    """Many columns, or more than a portrait page holds without breaking a number or header."""
    return len(header) > WIDE_COLUMNS or not table_fits(header, rows, align, portrait_width(doc))


def theme_table_rows(ctx: ReportContext) -> tuple[list[str], list[list[str]]]:
    """Header and rows of the theme-by-group table: n (%) of each group's participants per theme."""
    freq = ctx.frequency_by_group
    sizes = group_sizes(ctx)
    header = ["Theme", *(f"{group_plural(g)} (N = {sizes[g]})\nn (%)" for g in ctx.groups)]
    cells = {(r.code_id, r.group): n_pct(int(r.participants_n), float(r.participants_pct))
             for r in freq.itertuples(index=False)}
    rows = [[name, *(cells[(code_id, g)] for g in ctx.groups)]
            for code_id, name in zip(ctx.study.codes["code_id"], ctx.study.codes["code"], strict=True)]
    return header, rows


@section("theme_table")
def theme_table(doc: Document, ctx: ReportContext) -> None:
    header, rows = theme_table_rows(ctx)
    align: list[Align] = ["left", *["center"] * (len(header) - 1)]
    ensure_orientation(doc, landscape=needs_landscape(doc, header, rows, align))
    caption(doc, "Table", ctx.number("Table"), "Participants mentioning each theme, by group")
    add_table(doc, header, rows, align)
    note(doc, f"n (%) = participants with at least one coded segment of the theme, of the participants in "
              f"the group with a transcript ({sizes_text(ctx)}). Counted from the "
              f"{layer_phrase(ctx.options.layer)}; {speech_label(ctx)}.")


def theme_chart_png(ctx: ReportContext) -> bytes:
    """The Analysis page's theme chart, without its own title: the caption names it in the report."""
    chart = frequency_chart(ctx.frequency_by_group, "group")
    return to_png(chart.properties(title=""), scale=CHART_SCALE)


@section("theme_chart")
def theme_chart(doc: Document, ctx: ReportContext) -> None:
    png = theme_chart_png(ctx)
    caption(doc, "Figure", ctx.number("Figure"), "Share of participants mentioning each theme, by group")
    add_picture(doc, png, CHART_SCALE, noted=True)
    note(doc, f"Bars show the percentage of each group's participants who mentioned the theme, labelled "
              f"n (%); the legend gives each group's N. Counted from the {layer_phrase(ctx.options.layer)}; "
              f"{speech_label(ctx)}.")


@section("comparison")
def comparison(doc: Document, ctx: ReportContext) -> None:
    table = ctx.comparison
    if isinstance(table, str):
        doc.add_heading("Comparison between groups", level=1)
        doc.add_paragraph(table)
        return
    a, b = table.attrs["groups"]
    header = ["Theme", f"{group_plural(a)}\nn (%)", f"{group_plural(b)}\nn (%)", "OR (95% CI)", "p",
              "Adjusted p"]
    marks: dict[str, str] = {}
    rows = []
    for r in table.to_dict("records"):
        odds = format_odds_ratio(r["odds_ratio"], r["ci_low"], r["ci_high"])  # as on the Analysis page
        if r["note"]:
            odds += marks.setdefault(r["note"], FOOTNOTE_MARKS[len(marks) % len(FOOTNOTE_MARKS)])
        rows.append([r["code"], n_pct(r[f"{a}_n"], r[f"{a}_pct"]), n_pct(r[f"{b}_n"], r[f"{b}_pct"]), odds,
                     p_value(r["p_value"]), p_value(r["p_adjusted"])])
    align: list[Align] = ["left", "center", "center", "center", "center", "center"]
    ensure_orientation(doc, landscape=needs_landscape(doc, header, rows, align))
    doc.add_heading("Comparison between groups", level=1)
    caption(doc, "Table", ctx.number("Table"),
            f"Themes mentioned by {group_plural(a).lower()} and {group_plural(b).lower()}: "
            "Fisher's exact test")
    add_table(doc, header, rows, align)
    footnotes = " ".join(f"{mark} {text}" for text, mark in marks.items())
    note(doc, f"OR = odds ratio of mentioning the theme, {group_plural(a).lower()} vs "
              f"{group_plural(b).lower()}; CI = confidence interval. {table.attrs['note']} "
              f"Counted from the {layer_phrase(ctx.options.layer)}. {footnotes}".strip())


def lower_triangle(matrix: pd.DataFrame) -> tuple[list[str], list[list[str]]]:
    """Numbered rows and columns, lower triangle with the diagonal: each pair shown once."""
    names = list(matrix.index)
    header = ["Theme", *(str(i + 1) for i in range(len(names)))]
    rows = [[f"{i + 1}. {name}", *(str(int(matrix.iat[i, j])) if j <= i else "" for j in range(len(names)))]
            for i, name in enumerate(names)]
    return header, rows


@section("cooccurrence")
def cooccurrence(doc: Document, ctx: ReportContext) -> None:
    """The table, and under it the heatmap sized to the room the page has left (or on the next page
    when that would shrink it too far), so a landscape page is never left mostly empty."""
    header, rows = lower_triangle(ctx.cooccurrence)
    align: list[Align] = ["left", *["center"] * (len(header) - 1)]
    began = ensure_orientation(doc, landscape=needs_landscape(doc, header, rows, align))
    caption(doc, "Table", ctx.number("Table"), "Co-occurrence of themes (overlapping coded segments)")
    add_table(doc, header, rows, align)
    text = ("Each cell counts pairs of coded segments of the two themes whose text overlaps, in one "
            "transcript; the diagonal gives each theme's number of segments. Counted from the "
            f"{layer_phrase(ctx.options.layer)}; {speech_label(ctx)}.")
    note(doc, text)
    chart = cooccurrence_chart(ctx.cooccurrence, numbered=True, step=HEATMAP_STEP).properties(title="")
    png = to_png(chart, scale=CHART_SCALE)
    page = text_height(doc) - CAPTION_HEIGHT
    room = page
    if began:  # the table opened this page, so what is left of it is known
        used = table_height(header, rows, align, text_width(doc)) + note_height(doc, text)
        room = page - CAPTION_HEIGHT - used
    figure = caption(doc, "Figure", ctx.number("Figure"), "Co-occurrence of themes as a heatmap "
                     "(rows and columns numbered as in the table)")
    _, designed = figure_size(png, CHART_SCALE, text_width(doc), page)
    if room < designed * SHRINK_LIMIT:
        figure.paragraph_format.page_break_before = True
        room = page
    add_picture(doc, png, CHART_SCALE, max_height=room)
