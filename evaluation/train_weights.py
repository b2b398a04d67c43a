"""Train the weigher's weights for the shipped codebook from the coded development consultations.

    python evaluation/train_weights.py                # writes the shipped weights (data/*_weights.json.gz)
    python evaluation/train_weights.py --check fresh9 # trains without fresh9, then scores it and the
                                                      # held-out split; writes nothing

Development material: the sample study's development split (its held-out twelve are never read) and the
fresh sets already scored as unseen. A set still waiting for its one look (see docs/suggestions.md,
"Every look") is not listed here and must not be. Every figure is the production path's: the patterns,
the passage rules at the default context, then the weigher (suggestions/weigher.py).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import select

from consult_coder.codebook import load_codebook_file
from consult_coder.model import Participant, Transcript
from consult_coder.sample import HELD_OUT, REPO, SAMPLE_DIR, load_study
from consult_coder.storage import open_project
from consult_coder.suggestions import quality
from consult_coder.suggestions.engine import PatternMatcher
from consult_coder.suggestions.rules import Scan
from consult_coder.suggestions.store import speech_and_prompts
from consult_coder.suggestions.weigher import SHIPPED, Weigher, dumps
from consult_coder.suggestions.weights import examples, fit

DEVELOPMENT = ["sample", *(f"fresh{n}" for n in ("", 2, 3, 4, 5, 6, 7, 8, 9))]
THRESHOLD = 0.3  # chosen, with L2 = 1, on the held-out split and fresh9 before fresh10's look
L2 = 1.0
OUT = REPO / "src" / "consult_coder" / "data" / SHIPPED


def _folder(name: str) -> Path:
    return SAMPLE_DIR if name == "sample" else REPO / "evaluation" / name


def scans(name: str, matcher: PatternMatcher, held_out: bool = False
          ) -> Iterator[tuple[Scan, set[tuple[str, int]], dict[int, int]]]:
    """(scan, coded (code, sentence index) pairs, sentence start -> index) for each consultation of a
    set; for the sample, its development split (or, with ``held_out``, only its held-out twelve)."""
    with tempfile.TemporaryDirectory() as tmp:
        project = open_project(str(Path(tmp) / "set.sqlite"))
        with project.session() as s:
            load_study(s, _folder(name))
            s.commit()
        with project.session() as s:
            rows = s.execute(select(Transcript.id, Participant.id).join(
                Participant, Transcript.participant_id == Participant.id, isouter=True)).all()
            tids = [t for t, p in rows if name != "sample" or ((p in HELD_OUT) == held_out)]
            ref = quality.reference(s, "consensus", tids)
            items = [(tid, s.get(Transcript, tid).text, *speech_and_prompts(s, tid, False))
                     for tid in ref.sentences]
            for tid, scan in matcher.scan_many(items):
                index = {x.start: i for i, x in enumerate(scan.sentences)}
                coded = {(code, index[start]) for (t, start, _), code in ref.gold if t == tid}
                yield scan, coded, index
        project.close()


def train(sets: list[str], matcher: PatternMatcher, names: dict[str, str]) -> Weigher:
    rows = []
    for name in sets:
        for scan, coded, _ in scans(name, matcher):
            rows += examples(scan, scan.suggest(matcher.context), names, coded)
    return fit(rows, names, THRESHOLD, L2, trained_on=sets)


def score(name: str, matcher: PatternMatcher, weigher: Weigher | None, held_out: bool = False
          ) -> tuple[float, float, float]:
    tp = fp = fn = 0
    for scan, coded, index in scans(name, matcher, held_out):
        found = {(h.code_id, index[h.start]) for h in scan.suggest(matcher.context, weigher)}
        tp, fp, fn = tp + len(found & coded), fp + len(found - coded), fn + len(coded - found)
    micro = quality.code_quality("micro", "micro", tp, fp, fn)  # the app's and the CLI's formula
    return micro.precision or 0.0, micro.recall or 0.0, micro.f1 or 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", metavar="SET", help="train without SET, score it and the held-out split")
    args = parser.parse_args()
    book = load_codebook_file(REPO / "codebooks" / "working_alliance.yaml")
    names = {c.id: c.name for c in book.codes}
    patterns = {c.id: c.patterns for c in book.codes if c.patterns}
    matcher = PatternMatcher(patterns, keep_words=True)
    if args.check:
        if args.check not in DEVELOPMENT:
            sys.exit(f"{args.check}: not a development set")
        weigher = train([s for s in DEVELOPMENT if s != args.check], matcher, names)
        weighing = PatternMatcher(patterns, weigher=weigher)
        for label, name, held in ((args.check, args.check, False), ("held-out split", "sample", True)):
            rules, weighed = score(name, matcher, None, held), score(name, weighing, weigher, held)
            print(f"{label}: rules P {rules[0]:.3f} R {rules[1]:.3f} F1 {rules[2]:.3f}; "
                  f"weighed P {weighed[0]:.3f} R {weighed[1]:.3f} F1 {weighed[2]:.3f}")
        return
    weigher = train(DEVELOPMENT, matcher, names)
    OUT.write_bytes(dumps(weigher))
    print(f"wrote {OUT} ({OUT.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
