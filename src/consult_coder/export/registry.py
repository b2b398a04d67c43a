"""The Word report as a list of sections: each a function ``(doc, context) -> None``.

A new section (an agreement table, say) is one decorated function and one key in a layout list;
nothing else changes.
"""

from __future__ import annotations

from collections.abc import Callable

from docx.document import Document

from consult_coder.export.context import ReportContext

SectionBuilder = Callable[[Document, ReportContext], None]
SECTIONS: dict[str, SectionBuilder] = {}

FULL_REPORT: tuple[str, ...] = (
    "title", "summary", "participants", "theme_table", "theme_chart", "comparison", "exemplars",
    "cooccurrence", "agreement", "codebook",
)
THEME_TABLE_ONLY: tuple[str, ...] = ("theme_table",)


def section(key: str) -> Callable[[SectionBuilder], SectionBuilder]:
    def register(builder: SectionBuilder) -> SectionBuilder:
        if key in SECTIONS:
            raise ValueError(f"report section {key!r} registered twice")
        SECTIONS[key] = builder
        return builder

    return register
