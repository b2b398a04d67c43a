"""Run the measures, print the table and write the JSON.

    python -m benchmarks [--size tiny|sample|large] [--only import,load,…] [--repeat N]
                         [--out benchmarks/results/latest.json] [--no-postgres]
"""

from __future__ import annotations

import itertools
import json
import os
import platform
import sqlite3
import subprocess
import sys
import tempfile
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks import corpus as corpus_mod
from benchmarks import pg, study
from benchmarks.registry import FAILED, MEASURES, SKIPPED, Row
from benchmarks.sizes import SIZES, Size
from consult_coder.storage import Project, open_project

DEFAULT_OUT = Path(__file__).resolve().parent / "results" / "latest.json"
BACKENDS = ("sqlite", "postgresql")


@dataclass
class Bench:
    """What a measure gets: the size, storage backends, and projects built once per run."""

    size: Size
    root: Path
    backends: list[str]
    new_database: Callable[[], str] | None = None  # PostgreSQL: a fresh, empty database's URL
    pg_note: str = ""  # why PostgreSQL is not measured, when it is not
    cache: Path = corpus_mod.CACHE  # where generated corpora are kept between runs
    _cache: dict[Any, Any] = field(default_factory=dict)
    _projects: list[Project] = field(default_factory=list)
    _files: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    # -- projects ------------------------------------------------------------------------------------
    def new_project(self, backend: str = "sqlite") -> Project:
        if backend == "sqlite":
            location = str(self.root / f"p{next(self._files)}.sqlite")
        else:
            assert self.new_database is not None, self.pg_note
            location = self.new_database()
        project = open_project(location)
        self._projects.append(project)
        return project

    def corpus(self, which: str = "full") -> corpus_mod.Corpus:
        n = self.size.transcripts if which == "full" else self.size.import_small
        return corpus_mod.generate("programme", n, self.size.words_per_transcript, cache=self.cache)

    def imported(self, backend: str) -> Project:
        """The whole generated programme imported with its participants CSV (built once)."""
        key = ("imported", backend)
        if key not in self._cache:
            from consult_coder.ingest import import_paths

            full = self.corpus("full")
            project = self.new_project(backend)
            with project.session() as s:
                import_paths(s, [full.folder], participants_csv=full.participants_csv, actor=study.ACTOR)
            self._cache[key] = project
        return self._cache[key]

    def adopt_imported(self, backend: str, project: Project) -> None:
        """A timed import of the whole programme can serve as the study's base."""
        self._cache.setdefault(("imported", backend), project)

    def study(self, backend: str = "sqlite") -> Project:
        """The imported programme coded by the size's coders (built once)."""
        key = ("study", backend)
        if key not in self._cache:
            project = self.imported(backend)
            study.add_codings(project, self.size.codings, self.size.coders)
            self._cache[key] = project
        return self._cache[key]

    def sample(self) -> Project:
        """The sample study as a user loads it (32 consultations, two coders and consensus)."""
        if "sample" not in self._cache:
            from consult_coder.sample import load_demo

            project = self.new_project("sqlite")
            with project.session() as s:
                load_demo(s)
            self._cache["sample"] = project
        return self._cache["sample"]

    def repeat(self, fast: bool = False) -> int:
        return self.size.fast_repeat if fast else self.size.repeat

    def close(self) -> None:
        for project in self._projects:
            project.close()


def machine() -> dict[str, Any]:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        memory = int(Path("/proc/meminfo").read_text().split()[1]) / 2**20
    except OSError:
        memory = 0.0
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                            cwd=corpus_mod.ROOT).stdout.strip()
    binaries = pg.bindir()
    postgres = subprocess.run([str(binaries / "postgres"), "--version"], capture_output=True,
                              text=True).stdout.strip() if binaries else ""
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gb": round(memory, 1),
            "python": platform.python_version(), "platform": platform.platform(),
            "sqlite": sqlite3.sqlite_version, "postgresql": postgres, "commit": commit}


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"[:300]


def run(size: str = "sample", only: list[str] | None = None, out: Path | None = DEFAULT_OUT,
        repeat: int | None = None, postgres: bool = True, new_database: Callable[[], str] | None = None,
        echo: Callable[[str], None] = print, cache: Path | None = None) -> dict[str, Any]:
    """Run the measures (all, or ``only`` those keys); returns what was written to ``out``."""
    chosen = SIZES[size]
    if repeat:
        chosen = replace(chosen, repeat=repeat)
    unknown = [k for k in only or [] if k not in MEASURES]
    if unknown:
        raise SystemExit(f"unknown measure(s) {', '.join(unknown)}: choose from {', '.join(MEASURES)}")
    server, note = None, "PostgreSQL not measured (--no-postgres)"
    if postgres and new_database is None:
        server, note = pg.start()
        new_database = server.new_database if server else None
    backends = ["sqlite", "postgresql"] if new_database else ["sqlite"]
    rows: list[Row] = []
    started = datetime.now(UTC)
    with tempfile.TemporaryDirectory(prefix="cc-bench-") as tmp:
        bench = Bench(chosen, Path(tmp), backends, new_database, "" if new_database else note,
                      cache or corpus_mod.CACHE)
        try:
            for key, m in MEASURES.items():
                if only and key not in only:
                    continue
                echo(f"… {key}")
                rows += _run_measure(bench, m, echo)
        finally:
            bench.close()
            if server:
                server.stop()
    result = {"date": started.isoformat(timespec="seconds"), "size": size, "machine": machine(),
              "seconds": round((datetime.now(UTC) - started).total_seconds(), 1),
              "backends": backends, "postgresql_note": "" if "postgresql" in backends else note,
              "rows": [r.to_json() for r in rows]}
    echo(table(rows))
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result, indent=2, default=str) + "\n")
        echo(f"written {out}")
    return result


def _run_measure(bench: Bench, m: Any, echo: Callable[[str], None]) -> list[Row]:
    expected = m.expected(list(BACKENDS))
    try:
        got = m.fn(bench)
    except Exception as exc:  # one measure failing must not lose the others
        echo(traceback.format_exc(limit=-3))
        return [Row.failed(i, m.key, _one_line(exc)) for i in expected if _wanted(i, bench)]
    ids = {r.id for r in got}
    for i in expected:  # a storage backend that is not measured still shows its row
        if i not in ids:
            backend = i.rsplit(".", 1)[-1]
            if backend == "postgresql" and "postgresql" not in bench.backends:
                got.append(Row.skipped(i, m.key, bench.pg_note, backend=backend))
            else:
                got.append(Row.failed(i, m.key, "the measure did not produce this row"))
    return got


def _wanted(row_id: str, bench: Bench) -> bool:
    return not row_id.endswith(".postgresql") or "postgresql" in bench.backends


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "s":
        return f"{value:.3f} s" if value < 10 else f"{value:.1f} s"
    if unit == "ms":
        return f"{value:.2f} ms"
    if unit == "MB":
        return f"{value:.0f} MB" if value >= 10 else f"{value:.1f} MB"
    return f"{value:.2f}{unit}"


def table(rows: list[Row]) -> str:
    header = ["what", "db", "ours", "baseline", "ratio", "target", "", "note"]
    lines = []
    for r in rows:
        meets = "" if r.meets is None else ("ok" if r.meets else "MISSED")
        if r.status in (FAILED, SKIPPED):
            meets = r.status
        base = f"{_fmt(r.baseline_value, r.unit)} ({r.baseline})" if r.baseline else ""
        lines.append([r.what, r.backend, _fmt(r.value, r.unit), base,
                      f"{r.ratio:.2f}×" if r.ratio is not None else "", r.target, meets, r.note])
    widths = [min(60, max(len(str(x[i])) for x in [header, *lines])) for i in range(len(header) - 1)]
    out = []
    for line in [header, *lines]:
        cells = [str(c)[:w].ljust(w) for c, w in zip(line, widths, strict=False)]
        out.append(" | ".join(cells) + " | " + str(line[-1]))
    out.insert(1, "-" * min(200, len(out[0])))
    return "\n".join(out)


def main(argv: list[str] | None = None) -> None:
    import argparse

    import benchmarks.measures  # noqa: F401 - registers the measures

    parser = argparse.ArgumentParser(prog="python -m benchmarks",
                                     description="consult-coder benchmarks: medians, and ratios to "
                                                 "bare-library baselines measured in the same run")
    parser.add_argument("--size", choices=list(SIZES), default="sample")
    parser.add_argument("--only", default="", help=f"comma-separated measures: {', '.join(MEASURES)}")
    parser.add_argument("--repeat", type=int, default=None, help="runs per figure (default: by size)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--no-postgres", action="store_true", help="measure SQLite only")
    args = parser.parse_args(argv)
    only = [k.strip() for k in args.only.split(",") if k.strip()] or None
    run(args.size, only, args.out, args.repeat, postgres=not args.no_postgres)
    sys.stdout.flush()
