"""REFI-QDA at scale: a project of 150,000 or 1,000,000 codings exported as .qdpx and imported again.

Each step runs in its own process, so its peak memory (max RSS) is its own: export (streamed into a
file), import of that file into an empty project (streamed), and, for comparison, the bare-library
baseline: ElementTree parsing the same project.qde in one piece and writing it back with zipfile.

    python -m benchmarks.refi_scale 150000 1000000        # prints a table, writes JSON with --json

``measure_roundtrip(codings, folder)`` returns the same figures as a dict, for the benchmark runner.
Timings are never asserted anywhere; this only reports them.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path
from typing import Any

TRANSCRIPTS = 1_000
CODERS = ("coder_a", "coder_b", "consensus")
MEMO_SHARE = 0.1


def build_project(db: str, n_codings: int, seed: int = 7) -> None:
    """The sample study's transcripts copied to 1,000 (each text made unique), and ``n_codings``
    codings on random spans of participant turns by three coders, a tenth with a memo."""
    from sqlalchemy import insert, select

    from consult_coder.coding import get_or_create_coder
    from consult_coder.model import Code, Coding, Transcript, Turn
    from consult_coder.sample import load_demo
    from consult_coder.storage import open_project
    from consult_coder.text import content_hash

    project = open_project(db)
    with project.session() as s:
        load_demo(s)
    rng = random.Random(seed)
    with project.session() as s:
        s.execute(Coding.__table__.delete())
        originals = list(s.scalars(select(Transcript)))
        turns = {t.id: [(u.speaker, u.speaker_kind, u.start, u.end) for u in t.turns] for t in originals}
        codes = list(s.scalars(select(Code.id)))
        coder_ids = [get_or_create_coder(s, name).id for name in CODERS]
        spans: list[tuple[int, int, int]] = []  # (transcript id, start, end) of participant turns
        for n in range(TRANSCRIPTS):
            src = originals[n % len(originals)]
            if n >= len(originals):
                text = f"{src.text}\n\nNote: copy {n}."
                t = Transcript(participant_id=src.participant_id, title=f"{src.title} ({n})", text=text,
                               content_hash=content_hash(text), source_name=src.source_name,
                               source_format=src.source_format, front_matter=src.front_matter)
                s.add(t)
                s.flush()
                s.execute(insert(Turn), [{"transcript_id": t.id, "index": i, "speaker": sp, "speaker_kind": k,
                                          "start": a, "end": b}
                                         for i, (sp, k, a, b) in enumerate(turns[src.id])])
                tid = t.id
            else:
                tid = src.id
            spans += [(tid, a, b) for _, kind, a, b in turns[src.id] if kind == "participant" and b - a > 10]
        rows, seen = [], set()
        while len(seen) < n_codings:
            tid, a, b = rng.choice(spans)
            start = rng.randrange(a, b - 5)
            key = (tid, start, rng.randrange(start + 5, b + 1), rng.choice(codes), rng.choice(coder_ids))
            if key in seen:  # one coder, one code, one span: once
                continue
            seen.add(key)
            rows.append({"transcript_id": tid, "start": key[1], "end": key[2], "code_id": key[3],
                         "coder_id": key[4], "origin": "manual",
                         "memo": f"Memo {len(seen)}: synthetic." if rng.random() < MEMO_SHARE else ""})
            if len(rows) == 20_000:
                s.execute(insert(Coding), rows)
                rows = []
        if rows:
            s.execute(insert(Coding), rows)
    project.close()


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux


def _rss_mb() -> float:
    """Resident memory now: what the loaded program takes before a step starts."""
    return int(Path("/proc/self/statm").read_text().split()[1]) * resource.getpagesize() / 2**20


def step_export(db: str, out: str) -> dict[str, Any]:
    from consult_coder.access import Viewer
    from consult_coder.refi import write_qdpx_file
    from consult_coder.storage import open_project

    project = open_project(db)
    base = _rss_mb()
    start = time.perf_counter()
    with project.session() as s, open(out, "wb") as fh:
        write_qdpx_file(s, fh, viewer=Viewer.everyone())
    seconds = time.perf_counter() - start
    project.close()
    with zipfile.ZipFile(out) as zf:
        qde = zf.getinfo("project.qde")
    return {"seconds": seconds, "peak_mb": _peak_mb(), "base_mb": base,
            "archive_mb": Path(out).stat().st_size / 2**20,
            "qde_mb": qde.file_size / 2**20, "qde_ratio": qde.file_size / max(qde.compress_size, 1)}


def step_import(qdpx: str, db: str) -> dict[str, Any]:
    from consult_coder.refi import import_qdpx
    from consult_coder.storage import open_project

    project = open_project(db)
    base = _rss_mb()
    start = time.perf_counter()
    with project.session() as s:
        summary = import_qdpx(s, Path(qdpx), "bench", "project.qdpx")
    seconds = time.perf_counter() - start
    project.close()
    return {"seconds": seconds, "peak_mb": _peak_mb(), "base_mb": base, "codings": summary.codings_added,
            "transcripts": summary.transcripts_added}


def step_baseline(qdpx: str) -> dict[str, Any]:
    """ElementTree and zipfile on the same archive, in memory: read and parse it, write it back."""
    base = _rss_mb()
    start = time.perf_counter()
    out = io.BytesIO()
    with zipfile.ZipFile(qdpx) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            raw = src.read(info)
            if info.filename.endswith(".qde"):
                raw = ET.tostring(ET.fromstring(raw), encoding="utf-8", xml_declaration=True)
            dst.writestr(info.filename, raw)
    return {"seconds": time.perf_counter() - start, "peak_mb": _peak_mb(), "base_mb": base}


STEPS = {"export": step_export, "import": step_import, "baseline": step_baseline, "build": build_project}


def _child(step: str, *args: str) -> dict[str, Any]:
    """Run one step in a fresh interpreter, so its peak memory is its own."""
    done = subprocess.run([sys.executable, "-m", "benchmarks.refi_scale", "--step", step, *args],
                          check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure_roundtrip(codings: int, folder: Path) -> dict[str, Any]:
    """Build a project of ``codings`` codings in ``folder``, then export, re-import and baseline it."""
    db, qdpx, target = folder / "source.sqlite", folder / "export.qdpx", folder / "target.sqlite"
    start = time.perf_counter()
    _child("build", str(db), str(codings))
    built = time.perf_counter() - start
    result = {"codings": codings, "build_seconds": built,
              "export": _child("export", str(db), str(qdpx)),
              "import": _child("import", str(qdpx), str(target)),
              "baseline": _child("baseline", str(qdpx))}
    result["import_ok"] = result["import"]["codings"] == codings
    return result


def main(argv: list[str]) -> int:
    if argv[:1] == ["--step"]:  # one step, in a child process (see _child)
        step, params = argv[1], argv[2:]
        if step == "build":
            build_project(params[0], int(params[1]))
            print(json.dumps({}))
        else:
            print(json.dumps(STEPS[step](*params)))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("codings", nargs="*", type=int, default=[150_000, 1_000_000])
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    results = []
    for n in args.codings:
        with tempfile.TemporaryDirectory(prefix="cc-refi-scale-") as tmp:
            r = measure_roundtrip(n, Path(tmp))
        results.append(r)
        e, i, b = r["export"], r["import"], r["baseline"]
        print(f"{n:>9,} codings: export {e['seconds']:.1f} s (peak {e['peak_mb']:.0f} MB, program "
              f"{e['base_mb']:.0f} MB; .qdpx {e['archive_mb']:.1f} MB, .qde {e['qde_mb']:.0f} MB, "
              f"{e['qde_ratio']:.1f}:1) | re-import {i['seconds']:.1f} s (peak {i['peak_mb']:.0f} MB, "
              f"program {i['base_mb']:.0f} MB; {i['codings']:,} codings) | ElementTree+zip baseline "
              f"{b['seconds']:.1f} s (peak {b['peak_mb']:.0f} MB, program {b['base_mb']:.0f} MB)")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
