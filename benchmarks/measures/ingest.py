"""Import: a folder of the programme's files with its participants CSV, against reading the same
files with the bare libraries (python-docx, webvtt-py, ``open``), at two sizes for the exponent."""

from __future__ import annotations

from pathlib import Path

import docx
import webvtt

from benchmarks.corpus import Corpus
from benchmarks.registry import Row, exponent, measure
from benchmarks.runner import Bench
from benchmarks.timing import compare, python_peak
from consult_coder.ingest import import_paths
from consult_coder.storage import Project

BASELINE = "python-docx / webvtt-py / open"


def bare_read(files: list[Path]) -> int:
    """What any reader of these files has to do: open them and get their text out."""
    words = 0
    for path in files:
        if path.suffix == ".docx":
            document = docx.Document(str(path))
            parts = [p.text for p in document.paragraphs]
            parts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
            text = "\n".join(parts)
        elif path.suffix == ".vtt":
            text = "\n".join(c.text for c in webvtt.read(str(path)))
        elif path.suffix == ".srt":
            text = "\n".join(c.text for c in webvtt.from_srt(str(path)))
        else:
            raw = path.read_bytes()
            encoding = "utf-16" if raw.startswith((b"\xff\xfe", b"\xfe\xff")) else "utf-8-sig"
            with path.open(encoding=encoding) as f:
                text = f.read()
        words += len(text.split())
    return words


def _import(b: Bench, backend: str, c: Corpus, memory: bool) -> tuple:
    def setup() -> Project:
        return b.new_project(backend)

    def ours(project: Project) -> Project:
        with project.session() as s:  # one unit of work, as the Import page and the CLI do
            import_paths(s, [c.folder], participants_csv=c.participants_csv, actor="bench")
        return project

    return compare(ours, lambda _: bare_read(c.files), b.repeat(), setup=setup, memory=memory)


def _heap(b: Bench, c: Corpus, participants: Corpus) -> float:
    def work(project: Project) -> None:
        with project.session() as s:
            import_paths(s, [c.folder], participants_csv=participants.participants_csv, actor="bench")

    return python_peak(work, b.new_project("sqlite")) / 2**20


@measure("import", rows=("import.small.{backend}", "import.large.{backend}", "import.exponent.{backend}",
                         "import.memory.sqlite", "import.heap.sqlite"))
def import_files(b: Bench) -> list[Row]:
    small, large = b.corpus("small"), b.corpus("full")
    rows = []
    for backend in b.backends:
        memory = backend == "sqlite"
        s_ours, s_base = _import(b, backend, small, memory)
        l_ours, l_base = _import(b, backend, large, memory)
        b.adopt_imported(backend, l_ours.last)
        for key, c, ours, base in (("small", small, s_ours, s_base), ("large", large, l_ours, l_base)):
            rate = c.words / ours.median
            rows.append(Row.timed(f"import.{key}.{backend}", f"import {len(c.files):,} files", ours, base,
                                  BASELINE, target_ratio=3, backend=backend,
                                  note=f"{rate:,.0f} words/s ({c.words:,} words)"))
        k = exponent(len(small.files), s_ours.median, len(large.files), l_ours.median)
        linear = len(large.files) / len(small.files)
        rows.append(Row(f"import.exponent.{backend}",
                        f"import: time grows as files^k ({len(small.files)} → {len(large.files)} files)",
                        k, unit="", backend=backend, target="≤ 1.08",
                        meets=l_ours.median / s_ours.median <= 1.2 * linear,
                        note=f"{l_ours.median / s_ours.median:.1f}× the time for {linear:.0f}× the files "
                             f"(target ≤ {1.2 * linear:.0f}×)"))
        if memory:
            rows.append(Row("import.memory.sqlite", f"import: peak resident memory, {len(small.files)} vs "
                            f"{len(large.files)} files", l_ours.peak_mb, unit="MB", backend=backend,
                            baseline=f"{len(small.files)} files", baseline_value=s_ours.peak_mb,
                            ratio=(l_ours.peak_mb / s_ours.peak_mb) if s_ours.peak_mb else None,
                            note=f"the bare read alone: {s_base.peak_mb:.0f} MB for {len(small.files)} "
                                 f"files, {l_base.peak_mb:.0f} MB for {len(large.files)} (the libraries' "
                                 f"and the allocator's own growth)"))
            # Both with the whole programme's participants CSV, so only the number of files differs.
            s_heap, l_heap = _heap(b, small, large), _heap(b, large, large)
            rows.append(Row("import.heap.sqlite", f"import: peak Python heap, {len(small.files)} vs "
                            f"{len(large.files)} files", l_heap, unit="MB", backend=backend,
                            baseline=f"{len(small.files)} files", baseline_value=s_heap,
                            ratio=l_heap / s_heap if s_heap else None, target="≤ 1.5× (flat)",
                            meets=l_heap / s_heap <= 1.5 if s_heap else None,
                            note=f"tracemalloc: what the import holds; both with the "
                                 f"{len(large.files):,}-participant CSV"))
    return rows
