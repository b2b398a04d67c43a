"""Code suggestions: the shipped codebook's patterns against spaCy's bare tokenizer over the same
participants' speech (the issue's bar: at most 3×, on 1M words at the large size), and a refresh of the
sample study's stored suggestions — all of it, and after one code's patterns changed (only that code is
matched again)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from benchmarks.registry import Row, measure
from benchmarks.runner import Bench
from benchmarks.suggestion_speed import corpus, shipped_matcher, time_bare_tokenizer, time_suggestions
from benchmarks.timing import compare
from consult_coder.codebook import list_codes, load_codebook_file
from consult_coder.sample import CODEBOOK_FILE, load_demo
from consult_coder.storage import Project, open_project
from consult_coder.suggestions import mining, store

WORDS = {"tiny": 20_000, "sample": 200_000, "large": 1_000_000}  # spoken words matched
EDITED = "empathy"  # the code whose patterns change before the incremental refresh


@measure("suggestions", rows=("suggest.patterns", "suggest.refresh", "suggest.refresh_one_code"))
def suggestions(b: Bench) -> list[Row]:
    return [patterns_vs_tokenizer(b), *refreshes(b)]


def patterns_vs_tokenizer(b: Bench) -> Row:
    words = WORDS.get(b.size.name, 1_000_000)
    items = corpus(words)
    book = load_codebook_file(CODEBOOK_FILE)
    matcher = shipped_matcher(book)
    ours, base = compare(lambda _: time_suggestions(items, matcher)[1], lambda _: time_bare_tokenizer(items),
                         b.repeat())
    n_patterns = sum(len(c.patterns) for c in book.codes)
    return Row.timed("suggest.patterns", f"Pattern suggestions (rules and weigher), {words:,} spoken words",
                     ours, base, 'spacy.blank("en").tokenizer.pipe over the same turns', target_ratio=3,
                     note=f"{n_patterns} patterns, {ours.last:,} suggestions, "
                          f"{words / ours.median:,.0f} words/s")


def _demo(root: Path) -> Project:
    """A fresh copy of the sample study, its suggestions not yet made."""
    project = open_project(str(Path(tempfile.mkdtemp(dir=root)) / "demo.sqlite"))
    with project.session() as s:
        load_demo(s)
    return project


def _refreshed_then_edited(root: Path) -> Project:
    """The sample study with its suggestions up to date, then one code's last pattern removed."""
    project = _demo(root)
    with project.session() as s:
        store.refresh(s)
    with project.session() as s:
        patterns = next(c.patterns for c in list_codes(s) if c.id == EDITED)
        mining.set_patterns(s, EDITED, list(patterns[:-1]), "benchmark")
    return project


def _refresh(project: Project) -> str:
    with project.session() as s:
        return store.refresh(s).summary()


def refreshes(b: Bench) -> list[Row]:
    what_all = "Suggestions refreshed, sample study (32 transcripts)"
    what_one = "…refreshed after one code's patterns changed"
    one, whole = compare(_refresh, _refresh, b.repeat(),
                         setup=lambda: _refreshed_then_edited(b.root), teardown=Project.close,
                         base_setup=lambda: _demo(b.root), base_teardown=Project.close)
    return [Row.timed("suggest.refresh", what_all, whole, note=whole.last),
            Row.timed("suggest.refresh_one_code", what_one, one, whole, "the whole refresh above",
                      note=one.last)]
